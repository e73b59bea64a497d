/** Value coercion of `transform_gradebook`: what counts as a number and what counts as missing. */

/** Lower-case ASCII letter code of `c` (other codes unchanged). */
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c)

/**
 * `""`, `N/A`, `NA`, `n/a`, `-`, `null` (any case) are missing. Compared by character codes:
 * it runs for every cell of a file.
 */
export const isMissingToken = (text: string): boolean => {
  switch (text.length) {
    case 0:
      return true
    case 1:
      return text.charCodeAt(0) === 45 // -
    case 2:
      return lower(text.charCodeAt(0)) === 110 && lower(text.charCodeAt(1)) === 97 // na
    case 3:
      return lower(text.charCodeAt(0)) === 110 && text.charCodeAt(1) === 47 && lower(text.charCodeAt(2)) === 97 // n/a
    case 4:
      return (
        lower(text.charCodeAt(0)) === 110 &&
        lower(text.charCodeAt(1)) === 117 &&
        lower(text.charCodeAt(2)) === 108 &&
        lower(text.charCodeAt(3)) === 108
      ) // null
    default:
      return false
  }
}

/**
 * Marks a teacher writes in a score column instead of a score: absent, excused, incomplete,
 * dashes, and the error values a workbook formula shows. Lower case; compared ignoring case.
 */
const NON_SCORE_MARKS: ReadonlySet<string> = new Set([
  "abs",
  "absent",
  "ex",
  "exc",
  "excused",
  "inc",
  "--",
  "\u2013", // –
  "\u2014", // —
  "#n/a",
  "#div/0!",
  "#value!",
  "#ref!",
  "#name?",
  "#num!",
  "#null!",
])

/**
 * `ABS`, `ABSENT`, `EX`, `EXC`, `EXCUSED`, `INC`, `--`, `–`, `—` and the workbook error values
 * (`#N/A`, `#DIV/0!`, ...), any case: a mark in place of a score, missing like `N/A` in the
 * columns that hold numbers (not in identifiers nor coded columns such as attendance status).
 */
export const isNonScoreMark = (text: string): boolean => {
  if (text.length > 7) return false
  // Every mark starts with ab, ex, in (any case), a dash or #: other text (names, classes) is
  // turned away without lower-casing it, as this runs for every text cell of a score-like column.
  const first = text.charCodeAt(0)
  const pair = ((first | 32) << 8) | (text.charCodeAt(1) | 32)
  if (
    pair !== 0x6162 &&
    pair !== 0x6578 &&
    pair !== 0x696e &&
    first !== 45 &&
    first !== 35 &&
    first !== 0x2013 &&
    first !== 0x2014
  )
    return false
  return NON_SCORE_MARKS.has(text.toLowerCase())
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 160
const isDigit = (c: number) => c >= 48 && c <= 57

/** The decimal mark of a file's numbers: `.` (thousands grouped by `,`), or `,` (grouped by `.`). */
export type DecimalMark = "." | ","

/**
 * The number a cell means, or `undefined` when it is not a number. `"87%"` is 87 (the scale
 * is kept), `"1,234.5"` is 1234.5 (thousands separators must group by three), `" 87 "` is 87.
 * Hex, `Infinity` and `NaN` are not numbers. Accepted forms: an optional sign, digits with an
 * optional fraction (`5.`, `.5`), an optional exponent (`1e3`, not with separators), and an
 * optional `%` at the end. With the decimal mark `,` the two marks swap roles: `"87,5"` is
 * 87.5 and `"1.234,50"` is 1234.5. Scanned by hand rather than with regular expressions: it
 * runs for every cell of a file.
 */
export const parseNumber = (text: string, decimalMark: DecimalMark = "."): number | undefined => {
  const point = decimalMark === "," ? 44 : 46
  // Most text cells start with a letter: no number does.
  const first = text.charCodeAt(0)
  if (first > 57 && first !== 160 && first < 0x1680) return undefined
  // Most numbers are short digits with at most one decimal mark and maybe a `%` (`87.5`,
  // `92%`): read at once, the same double as below.
  const length = text.length
  if (length <= 15) {
    let mantissa = 0
    let digits = 0
    let fractionDigits = -1
    let i = 0
    for (; i < length; i++) {
      const c = text.charCodeAt(i)
      if (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48)
        digits++
        if (fractionDigits >= 0) fractionDigits++
        continue
      }
      if (c === point && fractionDigits < 0) fractionDigits = 0
      else break
    }
    if (digits > 0 && (i === length || (i === length - 1 && text.charCodeAt(i) === 37)) /* % */) {
      return fractionDigits <= 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits]!
    }
    // a letter other than an exponent's e after the digits (`10A`, `3rd`): not a number
    const c = text.charCodeAt(i) | 32
    if (i < length && c >= 97 && c <= 122 && c !== 101) return undefined
  }
  return parseNumberInFull(text, point, decimalMark)
}

/** `parseNumber` for every form: signs, spaces, thousands separators, exponents. */
const parseNumberInFull = (text: string, point: number, decimalMark: DecimalMark): number | undefined => {
  const group = point === 44 ? 46 : 44
  let start = 0
  let end = text.length
  while (start < end && isSpace(text.charCodeAt(start))) start++
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--
  if (end > start && text.charCodeAt(end - 1) === 37 /* % */) {
    end--
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--
  }
  if (start === end) return undefined
  let i = start
  let c = text.charCodeAt(i)
  if (c === 43 || c === 45) i++ // + -
  const negative = c === 45
  // integer part, with thousands separators grouping by three; the digits are also gathered
  // into `mantissa` so that short numbers need no string-to-number conversion
  let mantissa = 0
  let significant = 0
  let intDigits = 0
  let grouped = false
  let sinceComma = 0
  for (; i < end; i++) {
    c = text.charCodeAt(i)
    if (isDigit(c)) {
      intDigits++
      sinceComma++
      mantissa = mantissa * 10 + (c - 48)
      if (mantissa > 0) significant++
    } else if (c === group) {
      if (grouped ? sinceComma !== 3 : intDigits === 0 || intDigits > 3) return undefined
      grouped = true
      sinceComma = 0
    } else break
  }
  if (grouped && sinceComma !== 3) return undefined
  let fractionDigits = 0
  if (i < end && text.charCodeAt(i) === point) {
    for (i++; i < end; i++) {
      c = text.charCodeAt(i)
      if (!isDigit(c)) break
      fractionDigits++
      mantissa = mantissa * 10 + (c - 48)
      if (mantissa > 0) significant++
    }
    if (grouped && fractionDigits === 0) return undefined
  }
  if (intDigits + fractionDigits === 0) return undefined
  let exponent = false
  if (i < end && (text.charCodeAt(i) | 32) === 101 /* e */) {
    if (grouped) return undefined
    exponent = true
    i++
    if (i < end && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++
    let exponentDigits = 0
    for (; i < end && isDigit(text.charCodeAt(i)); i++) exponentDigits++
    if (exponentDigits === 0) return undefined
  }
  if (i !== end) return undefined
  if (!exponent && significant <= 15 && fractionDigits <= 22) {
    // An exact integer divided by an exact power of ten: one correctly rounded division,
    // the same double that Number() gives.
    const value = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits]!
    return negative ? -value : value
  }
  let digits = start === 0 && end === text.length ? text : text.slice(start, end)
  if (grouped) digits = digits.replaceAll(String.fromCharCode(group), "")
  const n = Number(decimalMark === "," ? digits.replace(",", ".") : digits)
  // "1e400" overflows to Infinity, which is not a number a report can show
  return Number.isFinite(n) ? n : undefined
}

/**
 * The decimal mark a cell shows: `,` for a number-like cell ending in `,` and one or two digits
 * (`87,5`, `1.234,50`, `87,5%`), `.` for one ending in `.` and one or two digits (`87.5`,
 * `1,234.50`), undefined otherwise (`87`, `1,234`, `2.9.24`, text). Number-like: a number when
 * read with that mark.
 */
export const decimalMarkOf = (text: string): DecimalMark | undefined => {
  let end = text.length
  if (end > 0 && text.charCodeAt(end - 1) === 37 /* % */) end--
  while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--
  let digits = 0
  while (digits < 3 && end - digits > 0 && isDigit(text.charCodeAt(end - digits - 1))) digits++
  if (digits === 0 || digits === 3) return undefined
  const mark = text.charCodeAt(end - digits - 1)
  const decimalMark: DecimalMark | undefined = mark === 44 ? "," : mark === 46 ? "." : undefined
  return decimalMark !== undefined && parseNumber(text, decimalMark) !== undefined ? decimalMark : undefined
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * A cell of a column that may hold numbers, after coercion: a number, missing (a missing token
 * or a non-score mark), or the trimmed text.
 */
export const coerceCell = (
  text: string | number | undefined,
  decimalMark: DecimalMark = ".",
): string | number | undefined => {
  if (text === undefined || typeof text === "number") return text
  if (isMissingToken(text)) return undefined
  const n = parseNumber(text, decimalMark)
  if (n !== undefined) return n
  // marks are never numbers: looked for only once reading a number failed
  return isNonScoreMark(text) ? undefined : text
}

/** The share of present values that must be numbers for a column to count as numeric. */
export const NUMERIC_SHARE = 0.8

/** A column is numeric when it has numbers and at least 80% of its present values are numbers. */
export const isNumericColumn = (numbers: number, present: number): boolean =>
  numbers > 0 && numbers >= NUMERIC_SHARE * present
