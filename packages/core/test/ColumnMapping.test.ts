import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  applyColumnMapping,
  attendance,
  ColumnMappingError,
  checkColumnMapping,
  gradebook,
  headerFingerprint,
  missingColumns,
  nameSimilarity,
  type PipelineRequest,
  roster,
  runPipeline,
  sourceFromBytes,
  suggestMappings,
} from "../src/index.js"
import { buildRegistry, csv, memoryPublisher, step } from "./helpers.js"

describe("headerFingerprint", () => {
  it("is the same for the same names in any order, case or spacing", () => {
    const a = headerFingerprint(["Student ID", "Maths", "Science"])
    expect(headerFingerprint(["science", "student_id", " MATHS "])).toBe(a)
    expect(headerFingerprint(["Student ID", "Maths", "Science", ""])).toBe(a)
    expect(a).toMatch(/^h1:3:[0-9a-f]{16}$/)
  })
  it("differs for a different header set", () => {
    expect(headerFingerprint(["Student ID", "Maths"])).not.toBe(headerFingerprint(["Student ID", "Science"]))
    expect(headerFingerprint(["a_b"])).not.toBe(headerFingerprint(["a", "b"]))
  })
})

describe("missingColumns", () => {
  it("names the profile columns a header lacks, after aliases", () => {
    expect(missingColumns(gradebook, ["Roll No", "Maths"])).toEqual([])
    expect(missingColumns(gradebook, ["Pupil", "Maths"])).toEqual(["student_id"])
    expect(missingColumns(attendance, ["Pupil", "Day", "Status"])).toEqual(["student_id", "date"])
  })
  it("takes the alternative that lacks the fewest", () => {
    expect(missingColumns(roster, ["student_id", "First Name", "Class"])).toEqual(["name"])
    expect(missingColumns(roster, ["student_id", "First Name", "Surname", "Class"])).toEqual(["name"])
    expect(missingColumns(roster, ["student_id", "Full name", "Year"])).toEqual(["name", "grade"])
  })
})

describe("suggestMappings", () => {
  it("ranks the headers by similarity to the column and its aliases, best first", () => {
    const suggestions = suggestMappings(attendance, ["Pupil Number", "Mark Date", "Status", "Notes"])
    expect(Object.keys(suggestions)).toEqual(["student_id", "date"])
    expect(suggestions.student_id?.[0]?.header).toBe("Pupil Number")
    expect(suggestions.date?.[0]?.header).toBe("Mark Date")
    // a header that already gives a profile column is not offered
    expect(suggestions.date?.map((s) => s.header)).not.toContain("Status")
  })
  it("suggests one header per column first: a header plainly one column is not suggested first for another", () => {
    const suggestions = suggestMappings(attendance, ["Pupil Number", "Day", "Present?"])
    expect(suggestions.student_id?.[0]?.header).toBe("Pupil Number")
    expect(suggestions.date?.[0]?.header).toBe("Day")
    // "Day" is a little like "status" too, but it is the date: the header left is suggested
    expect(suggestions.status?.map((s) => s.header)).toEqual(["Present?", "Day", "Pupil Number"])
  })
  it("is deterministic: equal scores keep file order", () => {
    const a = suggestMappings(gradebook, ["X", "Y", "Z"])
    expect(a.student_id?.map((s) => s.header)).toEqual(["X", "Y", "Z"])
    expect(suggestMappings(attendance, ["X", "Y", "Z"])).toEqual({
      student_id: [
        { header: "X", score: 0 },
        { header: "Y", score: 0 },
        { header: "Z", score: 0 },
      ],
      date: [
        { header: "Y", score: 0 },
        { header: "X", score: 0 },
        { header: "Z", score: 0 },
      ],
      status: [
        { header: "Z", score: 0 },
        { header: "X", score: 0 },
        { header: "Y", score: 0 },
      ],
    })
    expect(suggestMappings(gradebook, ["X", "Y", "Z"])).toEqual(a)
  })
  it("scores names by edit distance, token overlap and containment", () => {
    expect(nameSimilarity("student_id", "student_id")).toBe(1)
    expect(nameSimilarity("studnt_id", "student_id")).toBeGreaterThan(0.8)
    expect(nameSimilarity("id_student", "student_id")).toBe(1)
    expect(nameSimilarity("score", "date")).toBeLessThan(0.5)
  })
})

describe("applying a mapping", () => {
  it("renames the mapped headers to profile columns, by the header as written or normalized", () => {
    const applied = applyColumnMapping(attendance, ["Pupil", "Day", "Status"], { Pupil: "student_id", day: "date" })
    expect(applied.columns).toEqual(["student_id", "date", "status"])
    expect(applied.renamed).toEqual({ Pupil: "student_id", Day: "date" })
  })
  it("refuses a column the profile does not know, two headers onto one, a header the file lacks", () => {
    const headers = ["Pupil", "Ref", "Maths"]
    expect(checkColumnMapping(gradebook, headers, { Pupil: "pupil_id" })[0]).toMatch(
      /"Pupil" is mapped onto "pupil_id", which is not a column of the gradebook profile/,
    )
    expect(checkColumnMapping(gradebook, headers, { Pupil: "student_id", Ref: "student_id" })).toEqual([
      '"Pupil" and "Ref" are both mapped onto "student_id"; a column takes one header',
    ])
    expect(checkColumnMapping(gradebook, headers, { Nope: "student_id" })[0]).toMatch(/"Nope" is not a header/)
    expect(() => applyColumnMapping(gradebook, headers, { Pupil: "x" })).toThrow(ColumnMappingError)
  })
  it("refuses a target the file already has under another header", () => {
    expect(checkColumnMapping(attendance, ["Pupil", "Date", "When", "Status"], { When: "date" })[0]).toMatch(
      /already has "Date" as date/,
    )
  })
})

const runWith = async (text: string, request: Partial<PipelineRequest>) => {
  const registry = await buildRegistry()
  const { layer } = memoryPublisher()
  return Effect.runPromise(
    Effect.provide(
      runPipeline(registry, { source: sourceFromBytes("marks.csv", new TextEncoder().encode(text)), ...request }),
      layer,
    ),
  )
}

describe("the pipeline with a mapping", () => {
  const file = csv("Pupil,Maths", "S1,80", "S2,90")
  it("fails as documented without a mapping", async () => {
    const result = await runWith(file, { profile: "gradebook" })
    expect(result.status).toBe("failed")
    expect(result.incident?.error).toMatch(/student_id/)
  })
  it("applies a fixed mapping when the header does not satisfy the profile, and logs it", async () => {
    const result = await runWith(file, { profile: "gradebook", columnMapping: { Pupil: "student_id" } })
    expect(result.status).toBe("published")
    const log = step(result, "standardize_results").log
    expect(log.columns).toEqual(["student_id", "maths"])
    expect(log.columnMapping).toEqual({
      fingerprint: headerFingerprint(["Pupil", "Maths"]),
      mapping: { Pupil: "student_id" },
      remembered: false,
    })
  })
  it("asks a lookup with the profile, header and fingerprint; none found is the documented failure", async () => {
    const asked: Array<unknown> = []
    const lookup = (request: { profile: string; headers: ReadonlyArray<string>; fingerprint: string }) =>
      Effect.sync(() => {
        asked.push(request)
        return undefined
      })
    const result = await runWith(file, { profile: "gradebook", columnMapping: lookup })
    expect(result.status).toBe("failed")
    expect(asked).toEqual([
      { profile: "gradebook", headers: ["Pupil", "Maths"], fingerprint: headerFingerprint(["Maths", "Pupil"]) },
    ])
  })
  it("leaves a file that satisfies its profile alone (the lookup is not asked)", async () => {
    let asked = 0
    const result = await runWith(csv("student_id,Maths", "S1,80"), {
      profile: "gradebook",
      columnMapping: () =>
        Effect.sync(() => {
          asked += 1
          return { Maths: "student_id" }
        }),
    })
    expect(result.status).toBe("published")
    expect(asked).toBe(0)
    expect(step(result, "standardize_results").log.columnMapping).toBeUndefined()
  })
  it("fails the stage with the reasons for a refused mapping", async () => {
    const result = await runWith(file, { profile: "gradebook", columnMapping: { Pupil: "pupil_id" } })
    expect(result.status).toBe("failed")
    expect(result.incident?.error).toMatch(/the column mapping is refused: "Pupil" is mapped onto "pupil_id"/)
  })
})
