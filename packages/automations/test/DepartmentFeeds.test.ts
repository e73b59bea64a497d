import { describe, expect, it } from "vitest"
import {
  schoolDays,
  simulatedAttendance,
  simulatedRecords,
  simulatedStudents,
  sourceSettingsProblem,
} from "../src/index.js"

describe("simulated feeds", () => {
  const tuesday = new Date("2026-03-10T07:30:00Z")

  it("gives the same records for the same feed, day and settings, and other records another day", () => {
    const once = simulatedRecords({ feed: "admissions", per_run: 3 }, tuesday)
    expect(simulatedRecords({ feed: "admissions", per_run: 3 }, new Date("2026-03-10T07:59:00Z"))).toEqual(once)
    expect(once.map((record) => record.key)).toEqual(["A-20260310-001", "A-20260310-002", "A-20260310-003"])
    const wednesday = simulatedRecords({ feed: "admissions", per_run: 3 }, new Date("2026-03-11T07:30:00Z"))
    expect(wednesday.map((record) => record.key)).toEqual(["A-20260311-001", "A-20260311-002", "A-20260311-003"])
    for (const record of once) {
      expect(record).toMatchObject({ kind: "application", recordedAt: "2026-03-10T07:00:00.000Z" })
      expect(Object.keys(record.payload).sort()).toEqual(["applicant", "name", "program", "status", "submitted"])
    }
  })

  it("gives library loans due two to four weeks later and facilities work orders", () => {
    const loans = simulatedRecords({ feed: "library" }, tuesday)
    expect(loans).toHaveLength(5)
    for (const loan of loans) {
      const due = Date.parse(`${loan.payload.due as string}T00:00:00Z`)
      const days = (due - Date.parse("2026-03-10T00:00:00Z")) / 86_400_000
      expect(days).toBeGreaterThanOrEqual(14)
      expect(days).toBeLessThan(28)
    }
    const orders = simulatedRecords({ feed: "facilities", per_run: 2 }, tuesday)
    expect(orders.map((order) => [order.kind, order.key])).toEqual([
      ["work_order", "W-20260310-001"],
      ["work_order", "W-20260310-002"],
    ])
  })

  it("counts school days back from a day, skipping weekends", () => {
    expect(schoolDays(new Date("2026-03-09T12:00:00Z"), 3)).toEqual(["2026-03-05", "2026-03-06", "2026-03-09"])
    // a Sunday is not a school day: the last one is the Friday before
    expect(schoolDays(new Date("2026-03-08T12:00:00Z"), 1)).toEqual(["2026-03-06"])
  })

  it("gives every student a contact and a mark a day; some students are often absent", () => {
    const students = simulatedStudents(12)
    expect(new Set(students.map((student) => student.key)).size).toBe(12)
    for (const student of students)
      expect(student.payload.contact_email).toMatch(/^[a-z.0-9-]+@families\.example\.edu$/)
    const days = schoolDays(tuesday, 60)
    const absences = new Map<string, number>()
    for (const day of days) {
      for (const mark of simulatedAttendance(12, day)) {
        expect(["present", "late", "absent"]).toContain(mark.payload.status)
        if (mark.payload.status === "absent") {
          const id = mark.payload.student_id as string
          absences.set(id, (absences.get(id) ?? 0) + 1)
        }
      }
    }
    // the two chronic absentees (every sixth student) miss far more days than the others
    const chronic = [absences.get("S-1006") ?? 0, absences.get("S-1012") ?? 0]
    const others = [...absences.entries()].filter(([id]) => id !== "S-1006" && id !== "S-1012").map(([, n]) => n)
    for (const n of chronic) expect(n).toBeGreaterThan(15)
    for (const n of others) expect(n).toBeLessThan(10)
  })
})

describe("source settings", () => {
  it("accepts the settings each kind needs", () => {
    expect(sourceSettingsProblem("simulated", { feed: "attendance", students: 30 })).toBeUndefined()
    expect(sourceSettingsProblem("directory", { path: "science/gradebooks" })).toBeUndefined()
    expect(sourceSettingsProblem("url", { url: "https://library.example.edu/loans" })).toBeUndefined()
  })

  it("names the setting that is wrong", () => {
    expect(sourceSettingsProblem("simulated", { feed: "canteen" })).toMatch(/^settings\.feed: /)
    expect(sourceSettingsProblem("simulated", {})).toMatch(/^settings\.feed: /)
    expect(sourceSettingsProblem("directory", { path: "/etc" })).toBe(
      "settings.path: must be relative to the inbox folder",
    )
    expect(sourceSettingsProblem("directory", { path: "a/../../b" })).toBe(
      "settings.path: must not leave the inbox folder (no .. segments)",
    )
    expect(sourceSettingsProblem("url", { url: "ftp://example.edu/x" })).toBe(
      "settings.url: must be an http or https URL",
    )
    expect(sourceSettingsProblem("simulated", { feed: "library", colour: "red" })).toMatch(/^settings\.colour: /)
  })
})
