/**
 * CSV text as BatchOps publishes it: UTF-8 with a byte-order mark, `\r\n` line ends,
 * RFC 4180 quoting, plainly written numbers and formula-safe cells.
 */
import type { Cell, Problem, Summary } from "@batchops/core"
import { SUMMARY_COLUMNS } from "@batchops/core"

/** The byte-order mark every published CSV file starts with (spreadsheets then read it as UTF-8). */
export const BOM = "\uFEFF"

/** The line end of published CSV files. */
export const CRLF = "\r\n"

/** The header of the rejected-rows file. */
export const REJECTED_COLUMNS = ["row", "column", "value", "rule", "message", "stage", "plugin"] as const

/**
 * Writes a number plainly: rounded to 6 decimals, trailing zeros removed, no thousands
 * separators and no exponent notation (1e21 is written with all its digits), `-0` as `0`.
 * `NaN` is an empty text; infinities are `Infinity` and `-Infinity`.
 */
export const formatNumber = (n: number): string => {
  if (Number.isNaN(n)) return ""
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity"
  if (n === 0) return "0"
  // The shortest text that reads back as `n`, when it is already plain and short enough.
  const shortest = String(n)
  if (!shortest.includes("e")) {
    const dot = shortest.indexOf(".")
    if (dot === -1 || shortest.length - dot - 1 <= 6) return shortest
  }
  if (Math.abs(n) >= 1e21) {
    // toFixed switches to exponent notation here; such a double is an integer.
    return BigInt(n).toString()
  }
  const fixed = n.toFixed(6)
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed
  return trimmed === "-0" ? "0" : trimmed
}

const PLAIN_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** Whether a text is a plain number such as `-3.5`, `42` or `.5` (a leading `+` does not count). */
export const isPlainNumber = (text: string): boolean => PLAIN_NUMBER.test(text)

const FORMULA_START = /^[=+\-@\t\r]/

/**
 * The text of a published cell: numbers written plainly, missing cells empty, and a text that a
 * spreadsheet could take for a formula (it starts with `=`, `+`, `-`, `@`, tab or carriage return)
 * prefixed with `'`, unless it is a plain number. The result is not yet quoted for CSV.
 */
export const safeCell = (cell: Cell | null): string => {
  if (cell === undefined || cell === null) return ""
  if (typeof cell === "number") return formatNumber(cell)
  if (FORMULA_START.test(cell) && !isPlainNumber(cell)) return `'${cell}`
  return cell
}

const NEEDS_QUOTES = /[",\r\n]/

/** RFC 4180 quoting: a field with a comma, a quote, CR or LF is quoted and its quotes doubled. */
export const quoteField = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text)

/** One CSV record of formula-safe, quoted cells, ending with `\r\n`. */
export const csvLine = (cells: ReadonlyArray<Cell | null>): string => {
  let line = ""
  for (let i = 0; i < cells.length; i++) {
    if (i > 0) line += ","
    line += quoteField(safeCell(cells[i]))
  }
  return line + CRLF
}

/** The summary table as a published CSV file's text (with the byte-order mark). */
export const summaryCsv = (summary: Summary): string => {
  let text = BOM + csvLine(SUMMARY_COLUMNS)
  for (const s of summary.numeric) {
    text += csvLine([s.column, s.count, s.missing, s.mean, s.std, s.min, s.p25, s.median, s.p75, s.max])
  }
  return text
}

/** The problems that name a row, sorted by row number (problems of one row keep their order). */
export const rejectedProblems = (problems: ReadonlyArray<Problem>): ReadonlyArray<Problem & { readonly row: number }> =>
  problems
    .filter((p): p is Problem & { readonly row: number } => typeof p.row === "number")
    // sort is stable: the problems of one row keep their order
    .sort((a, b) => a.row - b.row)

/**
 * The rejected-rows file's text (with the byte-order mark): one line per problem that names a
 * row, sorted by row. Problems without a row are left out; with none, only the header remains.
 */
export const rejectedRowsCsv = (problems: ReadonlyArray<Problem>): string => {
  let text = BOM + csvLine(REJECTED_COLUMNS)
  for (const p of rejectedProblems(problems)) {
    text += csvLine([p.row, p.column, p.value, p.rule, p.message, p.stage, p.plugin])
  }
  return text
}
