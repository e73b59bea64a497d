import { builtinKnownErrors, type KnownErrorCandidate, type RecentFailure, tryKnownError } from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const failures = [
  { id: "i1", stage: "validate_results", message: "student_id is missing in 3 rows (row 4, 9, 17)" },
  { id: "i2", stage: "standardize_results", message: "g.pdf: no table found" },
  { id: "i3", stage: "validate_results", message: "Student_ID is malformed in 1 row (row 2)" },
  { id: "i4", stage: "transform_gradebook", message: "student_id is missing after the plan" },
]

const tryIt = (
  candidate: KnownErrorCandidate,
  recent: ReadonlyArray<RecentFailure>,
  ...rest: [existing?: Parameters<typeof tryKnownError>[2], sample?: Parameters<typeof tryKnownError>[3]]
) => Effect.runSync(tryKnownError(candidate, recent, ...rest))

describe("tryKnownError", () => {
  it("lists the failures the pattern would have matched, case-insensitively", () => {
    const result = tryIt({ pattern: "student_id is (missing|malformed) in" }, failures)
    expect(result).toEqual({
      status: "ok",
      tried: 4,
      sample: null,
      matched: [
        { ...failures[0], shadowedBy: null },
        { ...failures[2], shadowedBy: null },
      ],
    })
  })

  it("matches against '<stage>: <message>' and honours the candidate's stage", () => {
    const byPrefix = tryIt({ pattern: "^transform_gradebook: student_id" }, failures)
    expect(byPrefix.status === "ok" && byPrefix.matched.map((m) => m.id)).toEqual(["i4"])
    const byStage = tryIt({ pattern: "student_id", stage: "validate_results" }, failures)
    expect(byStage.status === "ok" && byStage.matched.map((m) => m.id)).toEqual(["i1", "i3"])
    const anyStage = tryIt({ pattern: "student_id", stage: null }, failures)
    expect(anyStage.status === "ok" && anyStage.matched.map((m) => m.id)).toEqual(["i1", "i3", "i4"])
  })

  it("names the known error that would recognize a failure first", () => {
    const result = tryIt({ pattern: "no table" }, failures, builtinKnownErrors)
    expect(result).toEqual({
      status: "ok",
      tried: 4,
      matched: [{ ...failures[1], shadowedBy: "pdf-no-table" }],
      sample: null,
    })
  })

  it("says why a refused pattern cannot be tried", () => {
    expect(tryIt({ pattern: "(a)\\1" }, failures)).toEqual({
      status: "refused",
      reason: expect.stringMatching(/^the pattern "\(a\)\\1" uses a backreference/),
    })
    const invalid = tryIt({ pattern: "([" }, failures)
    expect(invalid.status === "refused" && invalid.reason).toMatch(/does not compile/)
  })

  it("reports no matches, not a failure, when nothing matches", () => {
    expect(tryIt({ pattern: "printer on fire" }, failures)).toEqual({
      status: "ok",
      tried: 4,
      matched: [],
      sample: null,
    })
    expect(tryIt({ pattern: "x" }, [])).toEqual({ status: "ok", tried: 0, matched: [], sample: null })
  })

  it("says whether the pattern recognizes a sample failure, as the worker would: stage and message, ignoring case", () => {
    const candidate = { pattern: "^validate_results: row \\d+ IS BLANK", stage: "validate_results" }
    expect(tryIt(candidate, [], [], { stage: "validate_results", message: "row 12 is blank" })).toMatchObject({
      sample: true,
    })
    expect(tryIt(candidate, [], [], { stage: "validate_results", message: "row x is blank" })).toMatchObject({
      sample: false,
    })
    // the candidate only recognizes failures of its stage
    expect(tryIt(candidate, [], [], { stage: "standardize_results", message: "row 12 is blank" })).toMatchObject({
      sample: false,
    })
  })
})
