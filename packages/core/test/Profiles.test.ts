import {
  attendance,
  builtinProfiles,
  generic,
  gradebook,
  missingRequirements,
  pickProfile,
  requirementMet,
  roster,
  STUDENT_ID_ALIASES,
} from "@batchops/core"
import { describe, expect, it } from "vitest"
import { buildRegistry, csv, records, run } from "./helpers.js"

const missing = (profile: typeof gradebook, columns: ReadonlyArray<string>) =>
  missingRequirements(profile, columns).map((r) => r.label)

describe("built-in profiles", () => {
  it("are gradebook, attendance, roster and generic, in that order", () => {
    expect(builtinProfiles.map((p) => p.id)).toEqual(["gradebook", "attendance", "roster", "generic"])
  })

  it("student_id has the documented aliases", () => {
    expect([...STUDENT_ID_ALIASES]).toEqual([
      "studentid",
      "student_no",
      "student_number",
      "roll_no",
      "roll_number",
      "admission_no",
      "id",
    ])
  })

  it("gradebook requires student_id and one numeric column", () => {
    expect(missing(gradebook, ["score"])).toEqual(["student_id"])
    expect(missing(gradebook, ["student_id"])).toEqual([])
    expect(gradebook.minNumericColumns).toBe(1)
    expect(gradebook.keys).toEqual(["student_id"])
  })

  it("attendance requires student_id, date and status, and spells out status codes", () => {
    expect(missing(attendance, ["student_id"])).toEqual(["date", "status"])
    expect(missing(attendance, ["student_id", "date", "status"])).toEqual([])
    const codes = attendance.codes?.status ?? {}
    expect([codes.P, codes.A, codes.L, codes.E]).toEqual(["present", "absent", "late", "excused"])
  })

  it("roster requires student_id, a name, and grade or class", () => {
    expect(missing(roster, ["student_id", "name", "grade"])).toEqual([])
    expect(missing(roster, ["student_id", "first_name", "last_name", "class"])).toEqual([])
    expect(missing(roster, ["student_id", "first_name", "class"])).toEqual([
      "a name (name, or first_name and last_name)",
    ])
    expect(missing(roster, ["student_id", "name"])).toEqual(["grade or class"])
    expect(roster.unique).toEqual(["student_id"])
  })

  it("generic requires nothing and has no keys", () => {
    expect(missing(generic, [])).toEqual([])
    expect(generic.keys).toEqual([])
  })

  it("a requirement is met by any one complete alternative", () => {
    const name = { label: "name", anyOf: [["name"], ["first_name", "last_name"]] }
    expect(requirementMet(name, ["last_name", "first_name"])).toBe(true)
    expect(requirementMet(name, ["last_name"])).toBe(false)
    expect(requirementMet({ label: "none", anyOf: [] }, ["x"])).toBe(false)
  })
})

describe("auto", () => {
  it("picks the profile with the most required columns present", async () => {
    const registry = await buildRegistry()
    expect(pickProfile(registry, ["student_id", "date", "status", "score"])?.id).toBe("attendance")
    expect(pickProfile(registry, ["roll_no", "name", "class"])?.id).toBe("roster")
    expect(pickProfile(registry, ["studentid", "maths"])?.id).toBe("gradebook")
    expect(pickProfile(registry, ["subject", "teacher"])?.id).toBe("generic")
  })

  it("attendance wins a tie with roster", async () => {
    const registry = await buildRegistry()
    expect(pickProfile(registry, ["student_id", "first_name", "last_name", "grade", "date", "status"])?.id).toBe(
      "attendance",
    )
  })
})

describe("profiles in the pipeline", () => {
  it("a roster publishes names and classes as text", async () => {
    const outcome = await run(csv("Roll No,First Name,Last Name,Class", "S1,Ada,Lovelace,7A", "S2,Ben,Ng,7B"), {
      profile: "roster",
      plan: { mode: "custom", config: { note: "term roster" } },
    })
    expect(outcome.result.status).toBe("published")
    expect(records(outcome)[0]).toEqual({ student_id: "S1", first_name: "Ada", last_name: "Lovelace", class: "7A" })
  })

  it("an attendance file needs no numeric column", async () => {
    const { result } = await run(csv("student_id,date,status", "S1,2024-09-02,P"), { profile: "attendance" })
    expect(result.status).toBe("published")
    expect(result.summary?.numeric).toEqual([])
  })
})
