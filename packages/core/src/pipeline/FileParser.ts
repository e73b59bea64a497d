/**
 * The FileParser port: turns a file's bytes into raw records. Parsers are contributed by
 * plugins; the `standardize_results` stage picks the first whose `detect` accepts the bytes.
 */
import type { Effect, Stream } from "effect"
import type { ParseError } from "./Errors.js"
import type { FileSource } from "./FileSource.js"
import type { RawRecord } from "./Row.js"

export interface ParsedFile {
  /** The format reported to users: "csv" for any delimited text, "xlsx", "pdf", or a plugin's. */
  readonly format: string
  /**
   * Every record of the table in file order, in chunks, including blank records and the
   * header record (core skips leading blank records and takes the first non-blank as header).
   * A PDF parser yields the joined table: header once, repeated headers dropped.
   * The record arrays are handed over: core reuses each as its row's cells, so a parser must
   * yield a fresh array per record and not keep or yield it again.
   */
  readonly records: Stream.Stream<ReadonlyArray<RawRecord>, ParseError>
  /** Facts for the step log, e.g. { encoding: "utf-16le", delimiter: ";" } or { sheet: "Grades" }. */
  readonly details: Readonly<Record<string, unknown>>
}

/**
 * Parsers may mark a chunk of records whose cells need no cleaning (no whitespace at either
 * end, no runs of whitespace, no whitespace but plain spaces, no zero-width space or
 * byte-order mark, text in Unicode NFC: `cleanCell` would return every cell unchanged): core
 * then skips checking its cells one by one. Marking is a promise about every cell of the chunk.
 */
export const CLEAN_CELLS: unique symbol = Symbol.for("@batchops/core/CleanCells")

/** Mark a chunk of records as clean (see CLEAN_CELLS). */
export const markClean = <A extends ReadonlyArray<RawRecord>>(records: A): A => {
  ;(records as unknown as { [CLEAN_CELLS]?: boolean })[CLEAN_CELLS] = true
  return records
}

/** Whether a parser marked the chunk as clean. */
export const isMarkedClean = (records: ReadonlyArray<RawRecord>): boolean =>
  (records as unknown as { [CLEAN_CELLS]?: boolean })[CLEAN_CELLS] === true

/**
 * Parsers may mark a record they could read only in part (a workbook row with a damaged cell):
 * core keeps what was read and reports the row, by its number, as a warning in the step log and
 * the rejected-rows file, so one bad row neither stops the file nor passes unnoticed.
 */
export const UNREADABLE: unique symbol = Symbol.for("@batchops/core/Unreadable")

/** Mark a record as read only in part, saying why (a sentence without the row's number). */
export const markUnreadable = <A extends RawRecord>(record: A, reason: string): A => {
  ;(record as unknown as { [UNREADABLE]?: string })[UNREADABLE] = reason
  return record
}

/** Why a parser could read a record only in part, if it marked it. */
export const unreadableReason = (record: RawRecord): string | undefined =>
  (record as unknown as { [UNREADABLE]?: string })[UNREADABLE]

export interface FileParser {
  /** Unique name, e.g. "csv". */
  readonly name: string
  /** True when the leading bytes (up to 64 KiB) look like this parser's format. Never looks at the extension. */
  readonly detect: (head: Uint8Array) => boolean
  /** Open the file. Fails with ParseError for a file that is not readable as a table. */
  readonly parse: (source: FileSource) => Effect.Effect<ParsedFile, ParseError>
}
