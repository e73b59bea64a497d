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
  it("accepts the patterns that backtrack for ages in JavaScript's engine: matching is linear", () => {
    for (const source of ["(a+)+$", "(\\d\\d?)+$", ".*.*.*.*.*.*x", "(x+x+)+y", "(a|ab)*c", "(\\w|_)+"]) {
      expect(accepted(source).source).toBe(source)
    }
  })

  it.each([
    [
      "(a)\\1",
      "unsupported",
      "uses a backreference (\\1), which the linear-time matching of known errors does not support; match the repeated text itself",
    ],
    ["(?<n>a)\\k<n>", "unsupported", "uses a backreference (\\k"],
    ["foo(?=bar)", "unsupported", "uses a lookahead ((?=...), which the linear-time matching"],
    ["foo(?!bar)", "unsupported", "uses a lookahead ((?!...)"],
    ["(?<=a)b", "unsupported", "uses a lookbehind ((?<=...)"],
    ["(?<!a)b", "unsupported", "uses a lookbehind ((?<!...)"],
    ["caf\\u00e9", "invalid", "writes a character as \\u; write it as \\x{00e9} instead of \\u00e9"],
    ["a{5,2}", "invalid", "has the repeat {5,2} backwards; write the smaller count first"],
    ["a{1001}", "too_complex", "repeats {1001}, more than 1,000 times; use + or * instead"],
    ["(a{1,40}){1,40}$", "too_complex", "repeats {1,40} inside another repeat, more than 1,000 times in all"],
    [".{0,200}x", "too_complex", "is too complex: it compiles to 403 steps and the limit is 300"],
  ])("refuses %s as %s, saying what to change", (source, reason, message) => {
    const error = refusal(source)
    expect(error._tag).toBe("UnsafePattern")
    expect(error.reason).toBe(reason)
    expect(error.message).toContain(`the pattern "${source}" ${message}`)
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
    ".{0,100}x",
  ])("accepts %s", (source) => {
    expect(accepted(source).source).toBe(source)
  })

  it("every built-in known error passes the check", () => {
    for (const known of builtinKnownErrors) expect(Result.isSuccess(checkPattern(known.pattern)), known.name).toBe(true)
  })

  it("refuses a pattern that does not compile, with the engine's reason", () => {
    const error = refusal("(unclosed")
    expect(error.reason).toBe("invalid")
    expect(error.message).toBe('the pattern "(unclosed" does not compile: missing closing ): (unclosed')
  })

  it("refuses a pattern longer than 500 characters, and accepts exactly 500", () => {
    const error = refusal("a".repeat(501))
    expect(error.reason).toBe("too_long")
    expect(error.message).toMatch(/is 501 characters long; the limit is 500$/)
    // a long pattern of few steps: each class is one
    expect(accepted("[a-z]".repeat(100)).source).toHaveLength(500)
    expect(refusal("a".repeat(500)).reason).toBe("too_complex")
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

describe("matchKnownError with patterns that backtrack in JavaScript", () => {
  const known = (name: string, pattern: string): KnownError => ({
    name,
    pattern,
    severity: "low",
    rootCause: "r",
    correctiveAction: "c",
  })

  /** 50,000 characters whose start, the part matched, almost matches: a long run of `char`, then "!" */
  const nearMiss = (prefix: string, char: string) =>
    `${prefix}${char.repeat(MAX_MATCH_TEXT - prefix.length - 10)}`.padEnd(50_000, "!")

  // JavaScript's engine takes seconds to hours on these near misses (docs/benchmarks.md)
  it.each([
    ["(\\d\\d?)+$", nearMiss("upload of ", "1")],
    [".*.*.*.*.*.*x", nearMiss("", "y")],
    ["(a+)+$", nearMiss("", "a")],
    ["(.*a){20}", "a".repeat(50_000)],
  ])("matches %s against a 50,000-character near miss within a second", (pattern, message) => {
    const started = performance.now()
    expect(matchKnownError([known("evil", pattern), known("fine", "!!!")], { stage: "s", message })?.name).toBe(
      pattern === "(.*a){20}" ? "evil" : "fine",
    )
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it("skips a refused pattern and matches the next one", () => {
    const list = [known("lookahead", "a(?=b)"), known("fine", "a{5}")]
    expect(matchKnownError(list, { stage: "s", message: "aaaaab" })?.name).toBe("fine")
  })
})
