/**
 * `validate_results`: the profile's required columns exist; key fields are present and
 * well formed in every row; coded values are known; numeric columns holding text are
 * reported. Missing columns and bad keys are critical (the stage fails); the rest are warnings.
 * Checking numbers means reading them: numeric text in columns that are not identifiers is
 * passed on as numbers, so the later stages do not read it again.
 */
import { Effect } from "effect"
import { isMissingToken, isNonScoreMark, isNumericColumn, parseNumber } from "../Coerce.js"
import { isIdentifierName } from "../Normalize.js"
import { missingRequirements } from "../Profile.js"
import type { Row } from "../Row.js"
import type { Stage, StageContext } from "../Stage.js"

/** Row numbers listed in one message before "and N more". */
const LISTED = 10

/** A well-formed key: 1 to 64 characters, none of them whitespace or control characters. */
const isWellFormedKey = (value: string): boolean => {
  if (value.length === 0 || value.length > 64) return false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    // control characters, space, DEL, and the spaces above ASCII
    if (c <= 32 || c === 127 || ((c === 0xa0 || c >= 0x1680) && /\s/.test(value[i]!))) return false
  }
  return true
}

/** Text occurrences kept per column while it may still turn out numeric. */
const TRACKED = 10_000

interface ColumnTally {
  readonly index: number
  readonly name: string
  /** non-score marks are missing here (not in coded columns such as attendance status) */
  readonly marks: boolean
  numbers: number
  present: number
  /** text values seen, with row numbers (capped) */
  readonly texts: Array<readonly [number, string]>
  textCount: number
}

const start = Effect.fn("ValidateResults.start")(function* (context: StageContext, columns: ReadonlyArray<string>) {
  const { state, log } = context
  const profile = state.profile
  if (profile === undefined) return yield* context.fail("no profile is in force")

  const missing = missingRequirements(profile, columns)
  if (missing.length > 0) {
    return yield* context.fail(
      `missing required column${missing.length > 1 ? "s" : ""} for the ${profile.id} profile: ` +
        `${missing.map((r) => r.label).join("; ")} (columns found: ${columns.join(", ")})`,
    )
  }
  const decimalMark = state.decimalMark
  log.profile = profile.id
  log.required = profile.required.map((r) => r.label)

  const keys = profile.keys
    .map((key) => ({
      key,
      index: columns.indexOf(key),
      missing: [] as Array<number>,
      missingCount: 0,
      malformed: [] as Array<string>,
      malformedCount: 0,
    }))
    .filter((k) => k.index >= 0)
  const codes = Object.entries(profile.codes ?? {})
    .map(([column, map]) => ({ column, index: columns.indexOf(column), map }))
    .filter((c) => c.index >= 0)
  const unique = (profile.unique ?? [])
    .map((column) => ({ column, index: columns.indexOf(column), seen: new Map<string, number>() }))
    .filter((u) => u.index >= 0)
  const tallies: Array<ColumnTally> = columns
    .map((name, index) => ({
      index,
      name,
      marks: profile.codes?.[name] === undefined,
      numbers: 0,
      present: 0,
      texts: [],
      textCount: 0,
    }))
    .filter((t) => !isIdentifierName(t.name, profile.keys))

  const chunk = (rows: ReadonlyArray<Row>) =>
    Effect.sync(() => {
      for (const row of rows) {
        const cells = row.cells
        for (const key of keys) {
          const value = cells[key.index]
          if (value === undefined || (typeof value === "string" && isMissingToken(value))) {
            key.missingCount += 1
            if (key.missing.length < LISTED) key.missing.push(row.number)
          } else if (typeof value === "string" && !isWellFormedKey(value)) {
            key.malformedCount += 1
            if (key.malformed.length < LISTED) key.malformed.push(`row ${row.number}: "${value.slice(0, 40)}"`)
          }
        }
        for (const code of codes) {
          const value = cells[code.index]
          if (typeof value === "string" && !isMissingToken(value) && code.map[value.toUpperCase()] === undefined) {
            context.report({
              row: row.number,
              column: code.column,
              value,
              rule: "unknown_code",
              message: `row ${row.number}, ${code.column}: "${value}" is not one of ${Object.keys(code.map).join(", ")}`,
            })
          }
        }
        for (const u of unique) {
          const value = cells[u.index]
          if (typeof value !== "string") continue
          const firstRow = u.seen.get(value)
          if (firstRow === undefined) u.seen.set(value, row.number)
          else {
            context.report({
              row: row.number,
              column: u.column,
              value,
              rule: "duplicate",
              message: `row ${row.number}, ${u.column}: "${value}" repeats row ${firstRow}`,
            })
          }
        }
        for (const tally of tallies) {
          const value = cells[tally.index]
          if (value === undefined) continue
          if (typeof value === "number") {
            tally.present += 1
            tally.numbers += 1
            continue
          }
          if (isMissingToken(value)) continue
          const number = parseNumber(value, decimalMark)
          if (number !== undefined) {
            tally.present += 1
            tally.numbers += 1
            // Keep the number read: transform_gradebook would read the same text the same way.
            cells[tally.index] = number
          } else if (tally.marks && isNonScoreMark(value)) {
            // ABS, EXC, dashes, #N/A...: missing (as transform_gradebook would read it), neither
            // a number nor text against the 80% rule
            cells[tally.index] = undefined
          } else {
            tally.present += 1
            tally.textCount += 1
            // Stop keeping the texts of a column that is clearly text (names, comments).
            if (tally.texts.length < TRACKED && !(tally.textCount > 1000 && tally.textCount > tally.numbers)) {
              tally.texts.push([row.number, value])
            }
          }
        }
      }
      return rows
    })

  const finish = Effect.fnUntraced(function* () {
    const numeric = tallies.filter((t) => isNumericColumn(t.numbers, t.present))
    log.numericColumns = numeric.map((t) => t.name)
    for (const tally of numeric) {
      for (const [row, value] of tally.texts) {
        context.report({
          row,
          column: tally.name,
          value,
          rule: "not_a_number",
          message: `row ${row}, ${tally.name}: "${value.slice(0, 60)}" is not a number; counted as missing`,
        })
      }
      if (tally.textCount > tally.texts.length) {
        context.report({
          column: tally.name,
          rule: "not_a_number",
          message: `${tally.name}: ${tally.textCount - tally.texts.length} more values are not numbers (not listed)`,
        })
      }
    }
    if (unique.length > 0) for (const u of unique) u.seen.clear()
    const problems: Array<string> = []
    for (const key of keys) {
      if (key.missingCount > 0) {
        problems.push(
          `${key.key} is missing in ${key.missingCount} ${key.missingCount === 1 ? "row" : "rows"} ` +
            `(row ${key.missing.join(", ")}${key.missingCount > LISTED ? ` and ${key.missingCount - LISTED} more` : ""})`,
        )
      }
      if (key.malformedCount > 0) {
        problems.push(
          `${key.key} is malformed in ${key.malformedCount} ${key.malformedCount === 1 ? "row" : "rows"} ` +
            `(${key.malformed.join("; ")}${key.malformedCount > LISTED ? ` and ${key.malformedCount - LISTED} more` : ""}); ` +
            "an id is 1 to 64 characters with no spaces",
        )
      }
    }
    if (problems.length > 0) return yield* context.fail(problems.join("; "))
    const needed = profile.minNumericColumns ?? 0
    if (numeric.length < needed) {
      return yield* context.fail(
        `no numeric column: a ${profile.id} needs at least ${needed} column of numbers besides identifiers ` +
          `(columns: ${columns.join(", ")})`,
      )
    }
    return undefined
  })

  return { chunk, finish }
})

export const validateResults: Stage = {
  name: "validate_results",
  description: "Check required columns, key fields and numeric columns.",
  start,
}
