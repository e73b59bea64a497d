import {
  builtinKnownErrors,
  checkPattern,
  type KnownError,
  MAX_MATCH_TEXT,
  matchKnownError,
  safeMatch,
  type UnsafePattern,
} from "@batchops/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"

const refusal = (source: string): UnsafePattern => {
  const checked = checkPattern(source)
  if (Result.isSuccess(checked)) throw new Error(`expected ${source} to be refused`)
  return checked.failure
}

const accepted = (source: string) => {
  const checked = checkPattern(source)
  if (Result.isFailure(checked)) throw new Error(`expected ${source} to pass: ${checked.failure.message}`)
  return checked.success
}

describe("checkPattern", () => {
  it("refuses (a+)+$ naming the nested quantifier", () => {
    const error = refusal("(a+)+$")
    expect(error._tag).toBe("UnsafePattern")
    expect(error.reason).toBe("nested_quantifier")
    expect(error.message).toBe(
      'the pattern "(a+)+$" has a nested quantifier: the group (a+) is repeated by + and itself repeats with +, ' +
        'which can take exponential time on a message that almost matches; repeat the inner part only (e.g. "a+" instead of "(a+)+")',
    )
  })

  it.each([
    ["(a*)*", "nested_quantifier"],
    ["(.*a){10}", "nested_quantifier"],
    ["(x+x+)+y", "nested_quantifier"],
    ["((ab)+c)*", "nested_quantifier"],
    ["(?:\\w+\\s?)*$", "nested_quantifier"],
    ["(a{2,})+", "nested_quantifier"],
    ["(a+?)+", "nested_quantifier"],
    ["(a|a)*", "overlapping_alternation"],
    ["(a|ab)*c", "overlapping_alternation"],
    ["(\\d|1)+", "overlapping_alternation"],
    ["(\\w|_)+", "overlapping_alternation"],
    ["(.|x){2,}", "overlapping_alternation"],
  ])("refuses %s as %s", (source, reason) => {
    expect(refusal(source).reason).toBe(reason)
  })

  it.each([
    "missing required column",
    "no table|no text layer",
    "student_id is (missing|malformed)",
    "row \\d+",
    "(cat|dog)+",
    "(a+)?",
    "(ab){3}",
    "[(a+)+]",
    "\\(a+\\)+",
    "invalid \\w+ plan|is not a column of this file",
    "(?<name>x)y",
    "(?:\\d{4}-\\d{2})",
  ])("accepts %s", (source) => {
    expect(accepted(source).source).toBe(source)
  })

  it("every built-in known error passes the check", () => {
    for (const known of builtinKnownErrors) expect(Result.isSuccess(checkPattern(known.pattern)), known.name).toBe(true)
  })

  it("refuses a pattern that does not compile, with the engine's reason", () => {
    const error = refusal("(unclosed")
    expect(error.reason).toBe("invalid")
    expect(error.message).toMatch(/^the pattern "\(unclosed" does not compile: .*unterminated group/i)
  })

  it("refuses a pattern longer than 500 characters, and accepts exactly 500", () => {
    const error = refusal("a".repeat(501))
    expect(error.reason).toBe("too_long")
    expect(error.message).toMatch(/is 501 characters long; the limit is 500$/)
    expect(accepted("a".repeat(500)).source).toHaveLength(500)
  })
})

describe("safeMatch", () => {
  it("matches case-insensitively, repeatedly (no state kept between calls)", () => {
    const pattern = accepted("row \\d+")
    expect(safeMatch(pattern, "Row 12 is blank")).toBe(true)
    expect(safeMatch(pattern, "ROW 3")).toBe(true)
    expect(safeMatch(pattern, "row x")).toBe(false)
  })

  it("looks at the first 2,000 characters only", () => {
    const pattern = accepted("needle")
    expect(safeMatch(pattern, `${"x".repeat(MAX_MATCH_TEXT - 6)}needle`)).toBe(true)
    expect(safeMatch(pattern, `${"x".repeat(MAX_MATCH_TEXT)}needle`)).toBe(false)
  })
})

describe("matchKnownError with unsafe patterns", () => {
  const known = (name: string, pattern: string): KnownError => ({
    name,
    pattern,
    severity: "low",
    rootCause: "r",
    correctiveAction: "c",
  })

  it("never runs a refused pattern: it is skipped, the next one matches, quickly", () => {
    const list = [known("evil", "(a+)+$"), known("fine", "a{5}")]
    const message = `${"a".repeat(40)}!`
    const started = performance.now()
    expect(matchKnownError(list, { stage: "s", message })?.name).toBe("fine")
    expect(performance.now() - started).toBeLessThan(200)
    expect(matchKnownError([known("evil", "(a+)+$")], { stage: "s", message: "aaaa" })).toBeUndefined()
  })
})
