/**
 * From a sheet's rows to the records core reads, for every workbook format: rows the sheet
 * leaves out are blank records (so row numbers match the spreadsheet's), each row is as wide as
 * the widest before it, and records go out in chunks bounded in rows and in cells. Also tells
 * a sheet that holds a table from a sheet of notes.
 */
import { markUnreadable, type RawRecord } from "@batchops/core"
import type { SheetRow, SheetRows, TextSource } from "./SheetXml.js"

/** Records per chunk, as the CSV parser hands them on. */
export const BATCH = 512

/** Cells per chunk: a sheet of very wide rows goes out in smaller chunks. */
const CHUNK_CELLS = 256 * 1024

/**
 * The chunks of records of a sheet's rows: `next()` is undefined after the last. The chunk
 * being filled is kept between calls, so a source that throws NEED_MORE loses nothing.
 */
export class SheetRecords {
  #expected = 0
  #width = 0
  #pending: SheetRow | undefined
  #records: Array<RawRecord> = []
  #cells = 0

  constructor(private readonly rows: SheetRows) {}

  next(): Array<RawRecord> | undefined {
    const records = this.#records
    while (records.length < BATCH && this.#cells < CHUNK_CELLS) {
      const row = this.#pending ?? this.rows.nextRow()
      if (row === undefined) break
      if (this.#expected < row.index) {
        // a row the sheet leaves out is a blank record, one at a time: there may be a million of them
        this.#pending = row
        this.#expected += 1
        records.push([])
        this.#cells += 1
        continue
      }
      this.#pending = undefined
      this.#expected = row.index + 1
      const record: RawRecord = row.cells
      let width = record.length
      while (width > 0 && (record[width - 1] === null || record[width - 1] === "")) width--
      if (width > 0) {
        for (let i = record.length; i < this.#width; i++) record.push(null)
        if (width > this.#width) this.#width = width
      }
      if (row.problem !== undefined) markUnreadable(record, row.problem)
      records.push(record)
      this.#cells += record.length + 1
    }
    this.#records = []
    this.#cells = 0
    return records.length > 0 ? records : undefined
  }
}

/** Thrown by PushedText when the text at hand is used up and more is on its way. */
const NEED_MORE: unique symbol = Symbol("need more text")

/** Text pushed in as it arrives: `next()` gives what has come, then throws NEED_MORE until more does or the end is told. */
class PushedText implements TextSource {
  #pieces: Array<string> = []
  #finished = false

  push(piece: string) {
    if (piece !== "") this.#pieces.push(piece)
  }

  finish() {
    this.#finished = true
  }

  next(): string | undefined {
    const piece = this.#pieces.shift()
    if (piece !== undefined) return piece
    if (this.#finished) return undefined
    throw NEED_MORE
  }
}

/**
 * The chunks of records of a sheet whose text arrives asynchronously (a part inflating): the
 * rows are scanned synchronously over the text at hand, and wait for the next piece when it is
 * used up.
 */
export const streamRecords = async function* (
  pieces: AsyncIterable<string>,
  open: (text: TextSource) => SheetRows,
): AsyncGenerator<Array<RawRecord>> {
  const text = new PushedText()
  const records = new SheetRecords(open(text))
  const ready = function* (): Generator<Array<RawRecord>> {
    while (true) {
      let chunk: Array<RawRecord> | undefined
      try {
        chunk = records.next()
      } catch (error) {
        if (error === NEED_MORE) return
        throw error
      }
      if (chunk === undefined) return
      yield chunk
    }
  }
  for await (const piece of pieces) {
    text.push(piece)
    yield* ready()
  }
  text.finish()
  yield* ready()
}

/** What a sheet holds, looking at as few rows as it takes. */
export type SheetContent =
  | { readonly kind: "table" }
  | { readonly kind: "notes" }
  | { readonly kind: "empty" }
  /** its first row holds only error values where the column names belong */
  | { readonly kind: "error-header"; readonly row: number }

const filled = (row: SheetRow): number => {
  let count = 0
  for (const cell of row.cells) if (cell !== null && cell.trim() !== "") count++
  return count
}

/** Whether a sheet holds a table: a row of at least two non-empty cells (the header) and a data row after it. */
export const sheetContent = (rows: SheetRows): SheetContent => {
  let header = false
  let first = true
  let empty = true
  for (let row = rows.nextRow(); row !== undefined; row = rows.nextRow()) {
    const count = filled(row)
    if (count === 0 && row.errors === 0) continue
    empty = false
    if (first && count === 0 && row.errors >= 2) return { kind: "error-header", row: row.index + 1 }
    first = false
    if (header && count > 0) return { kind: "table" }
    if (count >= 2) header = true
  }
  return { kind: empty ? "empty" : "notes" }
}
