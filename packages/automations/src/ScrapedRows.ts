/**
 * Rows taken from a page (a table's, a CSV's) as department records, and a table as a CSV
 * file for an upload. Pure: the digest that keys rows by their content is passed in, so core
 * needs no platform hashing.
 */
import type { IngestRecord } from "@batchops/core"

export interface KeyedRecords {
  readonly records: ReadonlyArray<IngestRecord>
  /** the column the records are keyed by, or undefined when keyed by their content */
  readonly keyColumn: string | undefined
  /** rows left out: empty, or the same content as a row before them (keyed by content) */
  readonly skipped: number
}

export interface KeyOptions {
  readonly kind: string
  /** a column name (case and surrounding spaces ignored); default: see `keyRecords` */
  readonly keyColumn?: string | undefined
  /** a short, stable digest of a text (e.g. sha-256 in hex) */
  readonly digest: (text: string) => string
  /** ISO-8601, the same for every record of the batch */
  readonly recordedAt?: string | undefined
}

/**
 * Each row as a record `{ column: value }` with a key, so the same page scraped again
 * updates its records instead of adding copies:
 *
 * - `keyColumn` given: that column's value; every row must have one, and no two the same
 *   (a string says which rows, never their values);
 * - otherwise the first column's value when every row has one and no two are the same (an
 *   id or name column, as most tables start with);
 * - otherwise a digest of the row's content: an unchanged row keeps its record, a changed
 *   row becomes a new record (and its old one stays, as nothing says they are the same).
 *
 * Empty rows are left out.
 */
export const keyRecords = (
  columns: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: KeyOptions,
): KeyedRecords | string => {
  const filled = rows.filter((row) => row.some((value) => value.trim() !== ""))
  let skipped = rows.length - filled.length
  const payload = (row: ReadonlyArray<string>): Record<string, string> =>
    Object.fromEntries(columns.map((column, index) => [column, row[index] ?? ""]))
  const record = (key: string, row: ReadonlyArray<string>): IngestRecord => ({
    kind: options.kind,
    key,
    payload: payload(row),
    ...(options.recordedAt === undefined ? {} : { recordedAt: options.recordedAt }),
  })

  if (options.keyColumn !== undefined) {
    const wanted = options.keyColumn.trim().toLowerCase()
    const index = columns.findIndex((column) => column.trim().toLowerCase() === wanted)
    if (index < 0) {
      return `key_column "${options.keyColumn}" is not a column of the data (its columns: ${columns.join(", ")})`
    }
    const seen = new Map<string, number>()
    for (const [position, row] of filled.entries()) {
      const key = (row[index] ?? "").trim()
      if (key === "") return `row ${position + 1} has no ${columns[index]} (key_column), so it cannot be keyed`
      const before = seen.get(key)
      if (before !== undefined) {
        return (
          `rows ${before + 1} and ${position + 1} have the same ${columns[index]}; key_column must name ` +
          "a column whose values are all different"
        )
      }
      seen.set(key, position)
    }
    return {
      records: filled.map((row) => record((row[index] ?? "").trim(), row)),
      keyColumn: columns[index],
      skipped,
    }
  }

  const first = filled.map((row) => (row[0] ?? "").trim())
  if (columns.length > 0 && first.every((key) => key !== "") && new Set(first).size === first.length) {
    return { records: filled.map((row, position) => record(first[position]!, row)), keyColumn: columns[0], skipped }
  }

  const records: Array<IngestRecord> = []
  const keys = new Set<string>()
  for (const row of filled) {
    const key = `row-${options.digest(JSON.stringify(columns.map((_, index) => row[index] ?? "")))}`
    if (keys.has(key)) {
      skipped++
      continue
    }
    keys.add(key)
    records.push(record(key, row))
  }
  return { records, keyColumn: undefined, skipped }
}

const csvCell = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value)

/** A table as CSV text (RFC 4180: quoted where needed, CRLF line ends), header first. */
export const tableToCsv = (columns: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [columns, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n"
