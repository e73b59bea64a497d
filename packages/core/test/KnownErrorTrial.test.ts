import { builtinKnownErrors, tryKnownError } from "@batchops/core"
import { describe, expect, it } from "vitest"

const failures = [
  { id: "i1", stage: "validate_results", message: "student_id is missing in 3 rows (row 4, 9, 17)" },
  { id: "i2", stage: "standardize_results", message: "g.pdf: no table found" },
  { id: "i3", stage: "validate_results", message: "Student_ID is malformed in 1 row (row 2)" },
  { id: "i4", stage: "transform_gradebook", message: "student_id is missing after the plan" },
]

describe("tryKnownError", () => {
  it("lists the failures the pattern would have matched, case-insensitively", () => {
    const result = tryKnownError({ pattern: "student_id is (missing|malformed) in" }, failures)
    expect(result).toEqual({
      status: "ok",
      tried: 4,
      matched: [
        { ...failures[0], shadowedBy: null },
        { ...failures[2], shadowedBy: null },
      ],
    })
  })

  it("matches against '<stage>: <message>' and honours the candidate's stage", () => {
    const byPrefix = tryKnownError({ pattern: "^transform_gradebook: student_id" }, failures)
    expect(byPrefix.status === "ok" && byPrefix.matched.map((m) => m.id)).toEqual(["i4"])
    const byStage = tryKnownError({ pattern: "student_id", stage: "validate_results" }, failures)
    expect(byStage.status === "ok" && byStage.matched.map((m) => m.id)).toEqual(["i1", "i3"])
    const anyStage = tryKnownError({ pattern: "student_id", stage: null }, failures)
    expect(anyStage.status === "ok" && anyStage.matched.map((m) => m.id)).toEqual(["i1", "i3", "i4"])
  })

  it("names the known error that would recognize a failure first", () => {
    const result = tryKnownError({ pattern: "no table" }, failures, builtinKnownErrors)
    expect(result).toEqual({ status: "ok", tried: 4, matched: [{ ...failures[1], shadowedBy: "pdf-no-table" }] })
  })

  it("says why a refused pattern cannot be tried", () => {
    expect(tryKnownError({ pattern: "(a+)+$" }, failures)).toEqual({
      status: "refused",
      reason: expect.stringMatching(/^the pattern "\(a\+\)\+\$" has a nested quantifier/),
    })
    const invalid = tryKnownError({ pattern: "([" }, failures)
    expect(invalid.status === "refused" && invalid.reason).toMatch(/does not compile/)
  })

  it("reports no matches, not a failure, when nothing matches", () => {
    expect(tryKnownError({ pattern: "printer on fire" }, failures)).toEqual({ status: "ok", tried: 4, matched: [] })
    expect(tryKnownError({ pattern: "x" }, [])).toEqual({ status: "ok", tried: 0, matched: [] })
  })
})
