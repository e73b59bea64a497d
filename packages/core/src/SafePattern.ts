/**
 * Safety of user-supplied known-error patterns. Operators write these regular expressions;
 * JavaScript's engine backtracks, so a pattern like `(a+)+$` can take exponential time on a
 * near-miss message and stall the worker. Patterns are checked once, statically, and only a
 * checked pattern can be matched: `safeMatch` takes a `SafePattern`, which only
 * `checkPattern` makes.
 *
 * The check is deliberately conservative: it refuses a repeated group whose body repeats
 * without bound, and a repeated alternation whose branches can start with the same
 * character. Some harmless patterns (`(\d+,)*`) are refused too; they can be rewritten.
 */
import { Result, Schema } from "effect"

/** Longest pattern accepted: longer ones are hard to review and slow to compile. */
export const MAX_PATTERN_LENGTH = 500

/** Longest text a pattern is run against: bounds the work of any accepted pattern. */
export const MAX_MATCH_TEXT = 2000

/** A pattern refused by `checkPattern`; `message` says why and what to change. */
export class UnsafePattern extends Schema.TaggedError<UnsafePattern>()("UnsafePattern", {
  pattern: Schema.String,
  reason: Schema.Literals(["too_long", "invalid", "nested_quantifier", "overlapping_alternation"]),
  message: Schema.String,
}) {}

declare const checked: unique symbol

/** A pattern that passed `checkPattern`, compiled case-insensitively. */
export interface SafePattern {
  readonly source: string
  readonly regex: RegExp
  readonly [checked]: true
}

/** Check a user-supplied pattern; a refusal names the part at fault. */
export const checkPattern = (source: string): Result.Result<SafePattern, UnsafePattern> => {
  const refuse = (reason: UnsafePattern["reason"], why: string) =>
    Result.fail(new UnsafePattern({ pattern: source, reason, message: `the pattern ${quote(source)} ${why}` }))
  if (source.length > MAX_PATTERN_LENGTH) {
    return refuse(
      "too_long",
      `is ${source.length.toLocaleString("en-US")} characters long; the limit is ${MAX_PATTERN_LENGTH}`,
    )
  }
  let regex: RegExp
  try {
    // no "g" flag: a global regex keeps lastIndex between calls and would skip matches
    regex = new RegExp(source, "i")
  } catch (error) {
    return refuse("invalid", `does not compile: ${error instanceof Error ? error.message : String(error)}`)
  }
  const risk = findBacktrackingRisk(source)
  if (risk !== undefined) return refuse(risk.reason, risk.message)
  return Result.succeed({ source, regex } as SafePattern)
}

/** Whether a checked pattern matches the first `MAX_MATCH_TEXT` characters of `text`. */
export const safeMatch = (pattern: SafePattern, text: string): boolean =>
  pattern.regex.test(text.slice(0, MAX_MATCH_TEXT))

const quote = (source: string) => (source.length > 60 ? `"${source.slice(0, 57)}..."` : `"${source}"`)

// ---------------------------------------------------------------------------------------
// Static scan of the pattern text. The pattern already compiled, so the syntax is valid and
// the scan only needs to find groups, quantifiers, alternations and each branch's first atom.

/** What the first character of a branch can be: a literal, a class of characters, or anything. */
type First = { readonly kind: "char"; readonly char: string } | { readonly kind: "digit" | "word" | "space" | "any" }

interface Frame {
  readonly start: number
  /** the body repeats without bound somewhere: `*`, `+`, `{n,}` directly or in a nested group */
  unbounded: string | undefined
  /** the first atom of each branch seen so far (undefined: the branch starts empty) */
  readonly firsts: Array<First | undefined>
  /** the current branch has seen its first atom */
  branchStarted: boolean
}

interface Quantifier {
  readonly text: string
  readonly unbounded: boolean
  /** can match the preceding atom more than once */
  readonly repeats: boolean
  readonly length: number
}

interface Risk {
  readonly reason: "nested_quantifier" | "overlapping_alternation"
  readonly message: string
}

const readQuantifier = (source: string, at: number): Quantifier | undefined => {
  const c = source[at]
  let text: string
  let unbounded: boolean
  let repeats: boolean
  if (c === "*" || c === "+") {
    text = c
    unbounded = true
    repeats = true
  } else if (c === "?") {
    text = c
    unbounded = false
    repeats = false
  } else if (c === "{") {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at))
    if (match === null) return undefined
    text = match[0]
    const min = Number(match[1])
    const max = match[2] === undefined ? min : match[3] === "" ? Number.POSITIVE_INFINITY : Number(match[3])
    unbounded = max === Number.POSITIVE_INFINITY
    repeats = max > 1
  } else {
    return undefined
  }
  // a lazy quantifier backtracks just as much
  const lazy = source[at + text.length] === "?"
  return { text: lazy ? `${text}?` : text, unbounded, repeats, length: text.length + (lazy ? 1 : 0) }
}

const escapeFirst = (c: string | undefined): First | undefined => {
  switch (c) {
    case "d":
      return { kind: "digit" }
    case "w":
      return { kind: "word" }
    case "s":
      return { kind: "space" }
    case "b":
    case "B":
      return undefined
    case undefined:
      return { kind: "any" }
    default:
      // \D, \W, \S, \p{...}, backreferences...: anything, to stay on the safe side
      return /[a-zA-Z0-9]/.test(c) ? { kind: "any" } : { kind: "char", char: c.toLowerCase() }
  }
}

const charIn = (kind: "digit" | "word" | "space", char: string) =>
  kind === "digit" ? /\d/.test(char) : kind === "word" ? /\w/.test(char) : /\s/.test(char)

/** Whether two branches can start with the same character, so a repeat can split input two ways. */
const overlaps = (a: First, b: First): boolean => {
  if (a.kind === "any" || b.kind === "any") return true
  if (a.kind === "char" && b.kind === "char") return a.char === b.char
  if (a.kind === "char") return charIn(b.kind as "digit" | "word" | "space", a.char)
  if (b.kind === "char") return charIn(a.kind, b.char)
  if (a.kind === b.kind) return true
  // digits are word characters; spaces are neither
  return (a.kind === "digit" && b.kind === "word") || (a.kind === "word" && b.kind === "digit")
}

/** Index just past a character class `[...]` starting at `at`. */
const skipClass = (source: string, at: number): number => {
  let i = at + 1
  if (source[i] === "^") i++
  if (source[i] === "]") i++
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1
  return i + 1
}

/** Length of a group's opening: `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`. */
const groupOpening = (source: string, at: number): number => {
  if (source[at + 1] !== "?") return 1
  const c = source[at + 2]
  if (c === "<" && source[at + 3] !== "=" && source[at + 3] !== "!") return source.indexOf(">", at) - at + 1
  return c === "<" ? 4 : 3
}

const findBacktrackingRisk = (source: string): Risk | undefined => {
  const stack: Array<Frame> = [{ start: 0, unbounded: undefined, firsts: [], branchStarted: false }]
  const top = () => stack[stack.length - 1]!
  const sawAtom = (first: First | undefined) => {
    const frame = top()
    if (!frame.branchStarted && first !== undefined) {
      frame.firsts.push(first)
      frame.branchStarted = true
    }
  }
  /** the atom just read ends at `end`; apply its quantifier, if any, and return where to go on */
  const afterAtom = (end: number): number => {
    const q = readQuantifier(source, end)
    if (q === undefined) return end
    if (q.unbounded && top().unbounded === undefined) top().unbounded = q.text
    return end + q.length
  }

  let i = 0
  while (i < source.length) {
    const c = source[i]
    if (c === "\\") {
      sawAtom(escapeFirst(source[i + 1]))
      i = afterAtom(i + 2)
    } else if (c === "[") {
      sawAtom({ kind: "any" })
      i = afterAtom(skipClass(source, i))
    } else if (c === "(") {
      sawAtom({ kind: "any" })
      stack.push({ start: i, unbounded: undefined, firsts: [], branchStarted: false })
      i += groupOpening(source, i)
    } else if (c === ")") {
      const frame = stack.pop()!
      const group = source.slice(frame.start, i + 1)
      const q = readQuantifier(source, i + 1)
      if (q?.repeats) {
        if (frame.unbounded !== undefined) {
          return {
            reason: "nested_quantifier",
            message:
              `has a nested quantifier: the group ${group} is repeated by ${q.text} and itself repeats with ` +
              `${frame.unbounded}, which can take exponential time on a message that almost matches; ` +
              `repeat the inner part only (e.g. "a+" instead of "(a+)+")`,
          }
        }
        const firsts = frame.firsts.filter((f) => f !== undefined)
        for (let x = 0; x < firsts.length; x++) {
          for (let y = x + 1; y < firsts.length; y++) {
            if (overlaps(firsts[x]!, firsts[y]!)) {
              return {
                reason: "overlapping_alternation",
                message:
                  `repeats the alternation ${group} with ${q.text}, and its branches can match the same ` +
                  `characters, which can take exponential time; make the branches start differently`,
              }
            }
          }
        }
      }
      // what repeats inside a group repeats inside its parent too
      const unbounded = q?.unbounded ? q.text : frame.unbounded
      if (unbounded !== undefined && top().unbounded === undefined) top().unbounded = unbounded
      i = i + 1 + (q?.length ?? 0)
    } else if (c === "|") {
      const frame = top()
      if (!frame.branchStarted) frame.firsts.push(undefined)
      frame.branchStarted = false
      i++
    } else if (c === "^" || c === "$") {
      i++
    } else {
      sawAtom(c === "." ? { kind: "any" } : { kind: "char", char: c!.toLowerCase() })
      i = afterAtom(i + 1)
    }
  }
  return undefined
}
