/**
 * Safety of user-supplied known-error patterns. Operators write these regular expressions and
 * every failure is matched against them, so they run on RE2's linear-time engine (re2js):
 * matching takes time proportional to the pattern's compiled size times the text's length,
 * whatever the pattern, and never backtracks. `safeMatch` takes a `SafePattern`, which only
 * `checkPattern` makes: it refuses a pattern that is too long, does not compile, uses what a
 * linear engine cannot do (backreferences, lookarounds), or compiles too large.
 */
import { Result, Schema } from "effect"
import { RE2JS } from "re2js"

/** Longest pattern accepted: longer ones are hard to review and slow to compile. */
export const MAX_PATTERN_LENGTH = 500

/**
 * Largest compiled pattern accepted, in RE2 program instructions ("steps"): the cost of one
 * match grows with it (`.{0,100}` is 200 steps), so it bounds the time of any accepted pattern
 * (docs/benchmarks.md).
 */
export const MAX_PATTERN_PROGRAM = 300

/** Longest text a pattern is run against: bounds the work of any accepted pattern. */
export const MAX_MATCH_TEXT = 2000

/** A pattern refused by `checkPattern`; `message` says why and what to change. */
export class UnsafePattern extends Schema.TaggedError<UnsafePattern>()("UnsafePattern", {
  pattern: Schema.String,
  reason: Schema.Literals(["too_long", "invalid", "unsupported", "too_complex"]),
  message: Schema.String,
}) {}

declare const checked: unique symbol

/** A pattern that passed `checkPattern`, compiled case-insensitively. */
export interface SafePattern {
  readonly source: string
  /** the compiled pattern: whether it matches somewhere in a text */
  readonly matcher: { readonly test: (text: string) => boolean }
  readonly [checked]: true
}

/** Check a user-supplied pattern; a refusal names the part at fault and what to write instead. */
export const checkPattern = (source: string): Result.Result<SafePattern, UnsafePattern> => {
  const refuse = (reason: UnsafePattern["reason"], why: string) =>
    Result.fail(new UnsafePattern({ pattern: source, reason, message: `the pattern ${quote(source)} ${why}` }))
  if (source.length > MAX_PATTERN_LENGTH) {
    return refuse(
      "too_long",
      `is ${source.length.toLocaleString("en-US")} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    )
  }
  let matcher: RE2JS
  try {
    matcher = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE)
  } catch (error) {
    const refusal = explainSyntaxError(error)
    return refuse(refusal.reason, refusal.message)
  }
  const size = matcher.programSize()
  if (size > MAX_PATTERN_PROGRAM) {
    return refuse(
      "too_complex",
      `is too complex: it compiles to ${size.toLocaleString("en-US")} steps and the limit is ${MAX_PATTERN_PROGRAM.toLocaleString("en-US")}; ` +
        `use smaller repeat counts, or + and * (e.g. ".*" instead of ".{0,200}")`,
    )
  }
  return Result.succeed({ source, matcher: matcher as SafePattern["matcher"] } as SafePattern)
}

/** Whether a checked pattern matches the first `MAX_MATCH_TEXT` characters of `text`. */
export const safeMatch = (pattern: SafePattern, text: string): boolean =>
  pattern.matcher.test(text.slice(0, MAX_MATCH_TEXT))

const quote = (source: string) => (source.length > 60 ? `"${source.slice(0, 57)}..."` : `"${source}"`)

interface Refusal {
  readonly reason: UnsafePattern["reason"]
  readonly message: string
}

const UNSUPPORTED = "which the linear-time matching of known errors does not support"

/** RE2's parse error as what to change, for the JavaScript habits it does not share. */
const explainSyntaxError = (error: unknown): Refusal => {
  const code = (error as { readonly error?: unknown }).error
  const raw = (error as { readonly input?: unknown }).input
  if (typeof code !== "string" || typeof raw !== "string") {
    return { reason: "invalid", message: `does not compile: ${error instanceof Error ? error.message : String(error)}` }
  }
  // the engine parses the pattern behind its case-insensitive flag, and quotes it that way
  const input = raw.startsWith("(?i)") ? raw.slice(4) : raw
  if (code === "invalid escape sequence" && /^\\([1-9]|k)/.test(input)) {
    return {
      reason: "unsupported",
      message: `uses a backreference (${input}), ${UNSUPPORTED}; match the repeated text itself`,
    }
  }
  if (/^\(\?<?[=!]/.test(input)) {
    const kind = input.startsWith("(?<") ? "lookbehind" : "lookahead"
    return {
      reason: "unsupported",
      message: `uses a ${kind} (${input.slice(0, input.startsWith("(?<") ? 4 : 3)}...), ${UNSUPPORTED}; match the surrounding text itself`,
    }
  }
  if (code === "invalid escape sequence" && input === "\\u") {
    return { reason: "invalid", message: `writes a character as \\u; write it as \\x{00e9} instead of \\u00e9` }
  }
  if (code === "invalid repeat count") return explainRepeat(input)
  return { reason: "invalid", message: `does not compile: ${code}: ${input}` }
}

/** A repeat count RE2 refused: backwards, above 1,000, or nested repeats that multiply past 1,000. */
const explainRepeat = (repeat: string): Refusal => {
  const [min, max] = repeat
    .replace(/[{}]/g, "")
    .split(",")
    .map((count) => (count === "" ? undefined : Number(count)))
  if (min !== undefined && max !== undefined && max < min) {
    return { reason: "invalid", message: `has the repeat ${repeat} backwards; write the smaller count first` }
  }
  if ((min ?? 0) > 1000 || (max ?? 0) > 1000) {
    return { reason: "too_complex", message: `repeats ${repeat}, more than 1,000 times; use + or * instead` }
  }
  return {
    reason: "too_complex",
    message: `repeats ${repeat} inside another repeat, more than 1,000 times in all; use smaller counts, or + and *`,
  }
}
