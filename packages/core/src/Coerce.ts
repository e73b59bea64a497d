/** Value coercion of `transform_gradebook`: what counts as a number and what counts as missing. */

const MISSING = new Set(["", "n/a", "na", "-", "null"])

/** `""`, `N/A`, `NA`, `n/a`, `-`, `null` (any case) are missing. */
export const isMissingToken = (text: string): boolean => text.length <= 4 && MISSING.has(text.toLowerCase())

const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/

/**
 * The number a cell means, or `undefined` when it is not a number. `"87%"` is 87 (the scale
 * is kept), `"1,234.5"` is 1234.5 (thousands separators must group by three), `" 87 "` is 87.
 * Hex, `Infinity` and `NaN` are not numbers.
 */
export const parseNumber = (text: string): number | undefined => {
  let s = text
  const first = s.charCodeAt(0)
  const last = s.charCodeAt(s.length - 1)
  if (first === 32 || last === 32 || first === 9 || last === 9) s = s.trim()
  if (s.length === 0) return undefined
  if (s.charCodeAt(s.length - 1) === 37 /* % */) s = s.slice(0, -1).trimEnd()
  let n: number
  if (PLAIN.test(s)) n = Number(s)
  else if (s.includes(",") && GROUPED.test(s)) n = Number(s.replace(/,/g, ""))
  else return undefined
  // "1e400" overflows to Infinity, which is not a number a report can show
  return Number.isFinite(n) ? n : undefined
}

/** A cell after coercion: a number, missing, or the trimmed text. */
export const coerceCell = (text: string | number | undefined): string | number | undefined => {
  if (text === undefined || typeof text === "number") return text
  if (isMissingToken(text)) return undefined
  const n = parseNumber(text)
  return n === undefined ? text : n
}

/** The share of present values that must be numbers for a column to count as numeric. */
export const NUMERIC_SHARE = 0.8

/** A column is numeric when it has numbers and at least 80% of its present values are numbers. */
export const isNumericColumn = (numbers: number, present: number): boolean =>
  numbers > 0 && numbers >= NUMERIC_SHARE * present
