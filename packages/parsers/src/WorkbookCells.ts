/**
 * How a workbook cell becomes a record's text, the same for .xlsx, .xls and .ods: a number
 * is its value (a percentage as shown, a date as ISO 8601, a zero-padded integer with its
 * digits), an error value is missing, text stays text. docs/pipeline.md states the rules.
 */

/** The error values a formula shows instead of a result. */
export const ERROR_VALUES: ReadonlySet<string> = new Set([
  "#N/A",
  "#DIV/0!",
  "#VALUE!",
  "#REF!",
  "#NAME?",
  "#NUM!",
  "#NULL!",
  "#GETTING_DATA",
  "#SPILL!",
  "#CALC!",
])

/** What a number format makes of a number. */
export type NumberKind =
  | { readonly kind: "number" }
  | { readonly kind: "percent" }
  | { readonly kind: "date"; readonly time: boolean; readonly date: boolean }
  | { readonly kind: "padded"; readonly digits: number }

const NUMBER: NumberKind = { kind: "number" }
const PERCENT: NumberKind = { kind: "percent" }
const DATE: NumberKind = { kind: "date", date: true, time: false }
const DATE_TIME: NumberKind = { kind: "date", date: true, time: true }
const TIME: NumberKind = { kind: "date", date: false, time: true }

/** Excel's built-in number formats that are not plain numbers, by id (ECMA-376 18.8.30, and the CJK date ids). */
const BUILTIN: ReadonlyMap<number, NumberKind> = new Map<number, NumberKind>([
  [9, PERCENT],
  [10, PERCENT],
  [14, DATE],
  [15, DATE],
  [16, DATE],
  [17, DATE],
  [18, TIME],
  [19, TIME],
  [20, TIME],
  [21, TIME],
  [22, DATE_TIME],
  [45, TIME],
  [46, TIME],
  [47, TIME],
  ...[27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58].map((id): [number, NumberKind] => [id, DATE]),
  ...[32, 33, 55, 56].map((id): [number, NumberKind] => [id, TIME]),
])

/** The kind of a built-in format id, or undefined for an id the workbook defines itself. */
export const builtinKind = (id: number): NumberKind | undefined => (id < 164 ? (BUILTIN.get(id) ?? NUMBER) : undefined)

/** The first section of a format code without its quoted text, escaped characters and [colour] or [$-locale] tags. */
const bareFormat = (code: string): string =>
  (code.split(";")[0] ?? "")
    .replace(/"[^"]*"/g, "")
    .replace(/\\./g, "")
    .replace(/_./g, "")
    .replace(/\*./g, "")
    .replace(/\[(?!h+\]|m+\]|s+\])[^\]]*\]/gi, "")

const cache = new Map<string, NumberKind>()

/** What a format code (`0.0%`, `dd/mm/yyyy`, `000000`, `General`) makes of a number. */
export const formatKind = (code: string): NumberKind => {
  let kind = cache.get(code)
  if (kind === undefined) {
    kind = classify(code)
    if (cache.size < 1000) cache.set(code, kind)
  }
  return kind
}

const classify = (code: string): NumberKind => {
  const bare = bareFormat(code)
  if (/general/i.test(bare)) return NUMBER
  // elapsed time ([h]:mm) is a duration, not a moment: it stays a number
  if (/\[[hms]+\]/i.test(bare)) return NUMBER
  if (/[dy]/i.test(bare) || /[hs]/i.test(bare) || /m/i.test(bare.replace(/e[+-]/gi, ""))) {
    const date = /[dy]/i.test(bare) || (/m/i.test(bare) && !/[hs]/i.test(bare))
    const time = /[hs]/i.test(bare)
    return { kind: "date", date, time }
  }
  if (bare.includes("%")) return PERCENT
  const padded = /^0{2,}$/.exec(bare.trim())
  if (padded !== null) return { kind: "padded", digits: padded[0].length }
  return NUMBER
}

/** A number as plain text, without the noise of binary floating point (0.1 + 0.2 is 0.3): 15 significant digits, as a spreadsheet shows. */
export const plainNumber = (value: number): string => {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value)
  return String(Number(value.toPrecision(15)))
}

const DAY_MS = 86_400_000
/** 1899-12-30, day 0 of the 1900 date system once Excel's fictitious 29 February 1900 is past. */
const EPOCH_1900 = Date.UTC(1899, 11, 30)
/** 1904-01-01, day 0 of the 1904 date system (old Mac workbooks). */
const EPOCH_1904 = Date.UTC(1904, 0, 1)

const two = (n: number) => String(n).padStart(2, "0")

/** A date serial (days since the workbook's epoch, the fraction the time of day) as ISO 8601. */
export const serialToIso = (
  serial: number,
  kind: { readonly date: boolean; readonly time: boolean },
  date1904 = false,
) => {
  // Excel counts 29 February 1900, which never was: serials before it are one day later than counted from 1899-12-30.
  const days = !date1904 && serial < 61 && serial >= 1 ? serial + 1 : serial
  const ms = Math.round((date1904 ? EPOCH_1904 : EPOCH_1900) + days * DAY_MS) // to the millisecond
  const seconds = Math.round(ms / 1000) * 1000
  const moment = new Date(seconds)
  if (Number.isNaN(moment.getTime())) return plainNumber(serial)
  const clock = `${two(moment.getUTCHours())}:${two(moment.getUTCMinutes())}:${two(moment.getUTCSeconds())}`
  if (!kind.date) return clock
  const day = `${String(moment.getUTCFullYear()).padStart(4, "0")}-${two(moment.getUTCMonth() + 1)}-${two(moment.getUTCDate())}`
  return kind.time && seconds % DAY_MS !== 0 ? `${day}T${clock}` : day
}

/**
 * A plain decimal's text times 100, by moving its point ("0.875" -> "87.5"): exact, and far
 * cheaper than multiplying and rounding away the binary noise, on a column of a million.
 */
export const percentOfDecimal = (text: string): string => {
  const negative = text.charCodeAt(0) === 45
  const digits = negative ? text.slice(1) : text
  const dot = digits.indexOf(".")
  const whole = dot < 0 ? digits : digits.slice(0, dot)
  const fraction = (dot < 0 ? "" : digits.slice(dot + 1)).padEnd(2, "0")
  const integer = (whole + fraction.slice(0, 2)).replace(/^0+(?=\d)/, "")
  const rest = fraction.slice(2).replace(/0+$/, "")
  const sign = negative && (integer !== "0" || rest !== "") ? "-" : ""
  return rest === "" ? `${sign}${integer}` : `${sign}${integer}.${rest}`
}

/** A number cell as the record's text, by what its format makes of it. */
export const numberText = (value: number, kind: NumberKind, date1904 = false): string => {
  switch (kind.kind) {
    case "percent":
      return plainNumber(value * 100)
    case "date":
      return serialToIso(value, kind, date1904)
    case "padded":
      return Number.isInteger(value) && value >= 0 ? String(value).padStart(kind.digits, "0") : plainNumber(value)
    default:
      return plainNumber(value)
  }
}

/** An ISO date or date-time as a workbook stores it (`2024-09-02T00:00:00`), in the form BatchOps publishes. */
export const isoDateText = (text: string): string => {
  const match = /^(-?\d{4,}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}))?/.exec(text)
  if (match === null) return text
  const [, day, clock] = match
  return clock === undefined || clock === "00:00:00" ? day! : `${day}T${clock}`
}
