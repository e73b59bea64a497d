/**
 * Delimited text (CSV, TSV, semicolon- and pipe-separated) with papaparse, streaming: the
 * file is decoded and parsed one source chunk at a time, so a 100 MB file never exists as
 * one string or one array of rows.
 */
import { isUtf8 } from "node:buffer"
import { closeSync, existsSync, openSync, readSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { TextDecoder } from "node:util"
import { Worker } from "node:worker_threads"
import {
  type FileParser,
  type FileSource,
  markClean,
  type ParsedFile,
  ParseError,
  type RawRecord,
} from "@batchops/core"
import { Effect, Queue, Stream } from "effect"
import Papa from "papaparse"
import type { CsvThreadInput, CsvThreadMessage } from "./CsvThread.js"
import { bomEncoding, describeBinary, detectFormat, looksLikeText, sniffUtf16, type TextEncoding } from "./Detect.js"
import { type Dialect, isCleanText, recordsFromEnds, STOP, TAKEN, WAITING } from "./internal/CsvText.js"
import { libraryErrorText } from "./internal/libraryError.js"

export { type Dialect, isCleanText } from "./internal/CsvText.js"

/** Bytes looked at to choose the encoding, delimiter and line break. */
const HEAD_BYTES = 64 * 1024

/** Longest record accepted, in characters: far beyond any real row, well below what a string can hold. */
const MAX_RECORD_CHARS = 64 * 1024 * 1024

/** Records looked at when choosing the delimiter. */
const SNIFF_RECORDS = 50

/** Delimiters tried, in order of preference when the evidence is equal. */
export const DELIMITERS = [",", ";", "\t", "|"] as const

export type Delimiter = (typeof DELIMITERS)[number]

const fail = (message: string) => new ParseError({ message, parser: "csv" })

/** A failure inside the synchronous reader, turned into a ParseError at the Effect boundary. */
class CsvProblem extends Error {}

const toParseError = (error: unknown): ParseError =>
  error instanceof CsvProblem ? fail(error.message) : fail(`the CSV could not be read: ${libraryErrorText(error)}`)

const attempt = <A>(f: () => A) => Effect.try({ try: f, catch: toParseError })

/** The WHATWG label for an encoding. */
const decoderLabel = (encoding: TextEncoding): string => (encoding === "utf-8-bom" ? "utf-8" : encoding)

/**
 * Checks that a byte stream is valid UTF-8 chunk by chunk: a multibyte sequence cut by a
 * chunk boundary is carried over and checked with the next chunk.
 */
export class Utf8Check {
  private carry: Uint8Array | undefined
  private valid = true

  /** Feeds the next chunk; false as soon as the bytes are not UTF-8. */
  push(chunk: Uint8Array): boolean {
    if (!this.valid) return false
    let bytes = chunk
    if (this.carry !== undefined) {
      const need = sequenceLength(this.carry[0]!) - this.carry.length
      if (bytes.length < need) {
        this.carry = concat(this.carry, bytes)
        return true
      }
      const sequence = concat(this.carry, bytes.subarray(0, need))
      this.carry = undefined
      if (!isUtf8(sequence)) return this.invalid()
      bytes = bytes.subarray(need)
    }
    const cut = incompleteTail(bytes)
    if (!isUtf8(bytes.subarray(0, cut))) return this.invalid()
    // a copy (Uint8Array's slice; a Buffer's slice is a view), as the caller may reuse its buffer
    if (cut < bytes.length) this.carry = Uint8Array.prototype.slice.call(bytes, cut)
    return true
  }

  private invalid(): false {
    this.valid = false
    return false
  }

  /**
   * True when every chunk was UTF-8. A multibyte sequence cut off by the end of the file (a
   * truncated upload) still counts as UTF-8: it decodes to one U+FFFD instead of turning
   * every other character of the file into Windows-1252 mojibake.
   */
  end(): boolean {
    if (!this.valid) return false
    const lead = this.carry?.[0]
    return lead === undefined || (lead >= 0xc2 && lead <= 0xf4)
  }
}

const sequenceLength = (lead: number): number => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2)

/** Where a multibyte sequence that the chunk ends in the middle of starts (the length when none does). */
const incompleteTail = (bytes: Uint8Array): number => {
  const length = bytes.length
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = bytes[length - back]!
    if ((byte & 0xc0) === 0x80) continue // a continuation byte: look further back for the lead
    if (byte >= 0xc0 && back < sequenceLength(byte)) return length - back
    return length
  }
  return length
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const joined = new Uint8Array(a.length + b.length)
  joined.set(a, 0)
  joined.set(b, a.length)
  return joined
}

/** UTF-8 when the whole file is valid UTF-8 (checked streaming, stopping at the first bad byte), else Windows-1252. */
const utf8OrWindows1252 = (source: FileSource, wholeFile: Uint8Array | undefined) => {
  if (wholeFile !== undefined) {
    const check = new Utf8Check()
    check.push(wholeFile)
    return Effect.succeed<TextEncoding>(check.end() ? "utf-8" : "windows-1252")
  }
  if (source.path !== undefined) {
    const path = source.path
    return Effect.try({
      try: () => utf8FileCheck(path),
      catch: (error) => fail(`cannot read ${source.name}: ${error instanceof Error ? error.message : String(error)}`),
    })
  }
  return Effect.suspend(() => {
    const check = new Utf8Check()
    return source.stream().pipe(
      Stream.takeWhile((chunk) => check.push(chunk)),
      Stream.runDrain,
      Effect.map((): TextEncoding => (check.end() ? "utf-8" : "windows-1252")),
    )
  })
}

/**
 * The UTF-8 check of a file on disk, read synchronously through one reused buffer: it runs
 * over every byte before parsing starts, so it should cost no more than reading them.
 */
const utf8FileCheck = (path: string): TextEncoding => {
  const fd = openSync(path, "r")
  try {
    const buffer = Buffer.allocUnsafe(1 << 20)
    const check = new Utf8Check()
    for (
      let n = readSync(fd, buffer, 0, buffer.length, null);
      n > 0;
      n = readSync(fd, buffer, 0, buffer.length, null)
    ) {
      if (!check.push(buffer.subarray(0, n))) return "windows-1252"
    }
    return check.end() ? "utf-8" : "windows-1252"
  } finally {
    closeSync(fd)
  }
}

/** The field counts of the first records (blank records left out) when split by `delimiter`. */
const fieldCounts = (
  text: string,
  delimiter: string,
  newline: Dialect["newline"],
  complete: boolean,
): Array<number> => {
  const parser = new Papa.Parser({ delimiter, newline, preview: SNIFF_RECORDS })
  const rows = parser.parse(text, 0, !complete).data as Array<Array<string>>
  const counts: Array<number> = []
  for (const row of rows) {
    if (row.length === 1 && row[0]!.trim() === "") continue
    counts.push(row.length)
  }
  return counts
}

/**
 * Chooses the delimiter that splits the first records into more than one column most
 * consistently (quotes respected): first the delimiters that split the first record (the
 * header) into the usual number of columns, then the highest share of records with that
 * number, then the most columns, then the order of DELIMITERS. "," when none splits them.
 */
export const sniffDialect = (text: string, complete: boolean): Dialect => {
  const lineBreak = firstLineBreak(text)
  const newline = lineBreak === "\r" ? "\r" : "\n"
  const crlf = lineBreak === "\r\n" || (lineBreak === undefined && text.includes("\r"))
  let chosen: { delimiter: Delimiter; header: boolean; consistency: number; columns: number } | undefined
  for (const delimiter of DELIMITERS) {
    const counts = fieldCounts(text, delimiter, newline, complete)
    if (counts.length === 0) continue
    const frequency = new Map<number, number>()
    for (const count of counts) frequency.set(count, (frequency.get(count) ?? 0) + 1)
    let columns = 0
    let seen = 0
    for (const [count, times] of frequency) {
      if (times > seen || (times === seen && count > columns)) {
        columns = count
        seen = times
      }
    }
    if (columns < 2) continue
    const candidate = { delimiter, header: counts[0] === columns, consistency: seen / counts.length, columns }
    if (chosen === undefined || better(candidate, chosen)) chosen = candidate
  }
  return { delimiter: chosen?.delimiter ?? ",", newline, crlf }
}

/** The first line break outside quotes: "\r\n", "\n", "\r", or undefined when the text has none. */
const firstLineBreak = (text: string): "\r\n" | "\n" | "\r" | undefined => {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (char === 34) {
      quoted = !quoted
      continue
    }
    if (quoted) continue
    if (char === 10) return "\n"
    if (char === 13) return text.charCodeAt(i + 1) === 10 ? "\r\n" : i + 1 < text.length ? "\r" : undefined
  }
  return undefined
}

const better = (
  a: { header: boolean; consistency: number; columns: number },
  b: { header: boolean; consistency: number; columns: number },
): boolean => {
  if (a.header !== b.header) return a.header
  if (a.consistency !== b.consistency) return a.consistency > b.consistency
  return a.columns > b.columns
}

/**
 * Decodes byte chunks and parses them into records. Only whole records are parsed: the text
 * after the last complete record is carried over to the next chunk. When that carried text
 * grows longer than a chunk (one enormous quoted cell), parsing waits until the new text is
 * as long as the carried text, so the total work stays linear in the size of the record.
 */
class RecordReader {
  private readonly decoder: TextDecoder
  private readonly parser: Papa.Parser
  private partial = ""
  private pending: Array<string> = []
  private pendingLength = 0
  /** records emitted so far */
  private records = 0
  /** blank records before the first non-blank one (the header): row numbers in messages count from the header, as core's do */
  private leadingBlank = 0
  private headerSeen = false

  constructor(
    encoding: TextEncoding,
    private readonly dialect: Dialect,
  ) {
    this.decoder = new TextDecoder(decoderLabel(encoding))
    this.parser = new Papa.Parser({ delimiter: dialect.delimiter, newline: dialect.newline, quoteChar: '"' })
  }

  push(bytes: Uint8Array): Array<RawRecord> {
    return this.feed(this.decoder.decode(bytes, { stream: true }), false)
  }

  end(): Array<RawRecord> {
    return this.feed(this.decoder.decode(), true)
  }

  /** Records another thread split (text without quotes), counted as if parsed here. */
  accept(records: Array<Array<string>>, clean: boolean): Array<RawRecord> {
    if (!this.headerSeen) this.countLeadingBlank(records)
    this.records += records.length
    if (clean) markClean(records)
    return records
  }

  /** Decoded text, parsed here; `last` once the file's text has all been given. */
  feed(text: string, last: boolean): Array<RawRecord> {
    if (!last && this.partial.length > this.pendingLength + text.length) {
      this.pending.push(text)
      this.pendingLength += text.length
      this.checkLength(this.partial.length + this.pendingLength)
      return []
    }
    let input = this.partial
    if (this.pending.length > 0) {
      input += this.pending.join("")
      this.pending = []
      this.pendingLength = 0
    }
    input += text
    this.partial = ""
    if (input.length === 0) return []
    this.checkLength(input.length)

    // Parse the complete records; the rest waits for more text, or is the last record.
    const result = this.parser.parse(input, 0, true)
    const rows = result.data as Array<Array<string>>
    this.partial = input.slice(result.meta.cursor as number)
    if (!this.headerSeen) this.countLeadingBlank(rows)
    if (last && this.partial !== "") {
      const final = this.parser.parse(this.partial, 0, false)
      for (const error of final.errors as Array<Papa.ParseError>) {
        if (error.code === "MissingQuotes") throw this.missingQuote(this.partial, error, rows.length)
      }
      const tail = final.data as Array<Array<string>>
      if (!this.headerSeen) this.countLeadingBlank(tail)
      for (const row of tail) rows.push(row)
      this.partial = ""
    }
    if (this.dialect.crlf) {
      for (const row of rows) {
        const i = row.length - 1
        const cell = row[i]!
        if (cell.charCodeAt(cell.length - 1) === 13) row[i] = cell.slice(0, -1)
      }
    }
    this.records += rows.length
    // Text with no stray whitespace and no quotes gives cells that need no cleaning: say so,
    // and core skips checking them one by one.
    if (isCleanText(input, this.dialect)) markClean(rows)
    // One chunk of records per chunk of bytes: the records die young, before the next one.
    return rows
  }

  private countLeadingBlank(rows: ReadonlyArray<ReadonlyArray<string>>) {
    for (const row of rows) {
      if (row.some((cell) => cell.trim() !== "")) {
        this.headerSeen = true
        return
      }
      this.leadingBlank++
    }
  }

  /** The row number core would give the record at `index` (0-based over the whole file). */
  private rowNumber(index: number): number {
    return index + 1 - Math.min(this.leadingBlank, index)
  }

  private checkLength(length: number) {
    if (length > MAX_RECORD_CHARS) {
      throw new CsvProblem(
        `row ${this.rowNumber(this.records)} is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB; ` +
          `most likely a quote (") opens a cell that is never closed`,
      )
    }
  }

  private missingQuote(input: string, error: Papa.ParseError, before: number): CsvProblem {
    const row = this.rowNumber(this.records + before + (error.row ?? 0))
    const start = input
      .slice(error.index ?? 0, (error.index ?? 0) + 40)
      .replace(/\s+/g, " ")
      .trim()
    return new CsvProblem(
      `row ${row}: a quoted cell is never closed (it starts with "${start}" and no closing " follows ` +
        `before the end of the file); check the quotes on that row`,
    )
  }
}

/** Bytes per read: the records of one read are one chunk of the stream (see docs/benchmarks.md on its size). */
const CHUNK_BYTES = 32 * 1024

/** Files on disk from this size on are read and split by a second thread (below it, starting one costs more than it saves). */
const THREAD_FROM_BYTES = 4 * 1024 * 1024

/** Chunks the splitting thread may read ahead of the stages. */
const THREAD_WINDOW = 4

/** The splitting thread's module, built beside this one; tests run the sources against the build. */
const threadEntry = new URL(
  import.meta.url.endsWith(".ts") ? "../dist/CsvThread.js" : "./CsvThread.js",
  import.meta.url,
)

let threadBuilt: boolean | undefined

/** Streams the file's records, parsed with the chosen encoding and dialect: one chunk of records per chunk of bytes. */
const readRecords = (
  source: FileSource,
  encoding: TextEncoding,
  dialect: Dialect,
  options: CsvParserOptions,
): Stream.Stream<ReadonlyArray<RawRecord>, ParseError> => {
  const threadFrom = options.threadFromBytes ?? THREAD_FROM_BYTES
  if (source.path !== undefined && source.size >= threadFrom) {
    threadBuilt ??= existsSync(fileURLToPath(threadEntry))
    if (threadBuilt) return readRecordsInThread(source.path, encoding, dialect)
  }
  return Stream.suspend(() => {
    const reader = new RecordReader(encoding, dialect)
    return source.stream().pipe(
      Stream.mapEffect((bytes) => attempt(() => reader.push(bytes))),
      Stream.concat(Stream.fromEffect(attempt(() => reader.end()))),
      Stream.filter((records) => records.length > 0),
    )
  })
}

/**
 * The same records, read, decoded and split by a second thread (CsvThread) while this one
 * runs the stages: on a machine with two cores the split costs this thread only the cutting
 * of the cells. The thread ends with the stream, whether it was read to the end or not.
 */
const readRecordsInThread = (
  path: string,
  encoding: TextEncoding,
  dialect: Dialect,
): Stream.Stream<ReadonlyArray<RawRecord>, ParseError> =>
  Stream.suspend(() => {
    const reader = new RecordReader(encoding, dialect)
    const taken = new Int32Array(new SharedArrayBuffer(12))
    const messages = Stream.callback<CsvThreadMessage>((queue) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const workerData: CsvThreadInput = {
            csvThread: true,
            path,
            encoding: decoderLabel(encoding),
            dialect,
            chunkBytes: CHUNK_BYTES,
            window: THREAD_WINDOW,
            taken: taken.buffer as SharedArrayBuffer,
          }
          // a small heap: the thread holds a few chunks of text at a time
          const started = new Worker(threadEntry, {
            workerData,
            resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 },
          })
          started.on("message", (message: CsvThreadMessage) => {
            Queue.offerUnsafe(queue, message)
            if (message.type === "end" || message.type === "failed") Queue.endUnsafe(queue)
          })
          started.on("error", (error) => {
            Queue.offerUnsafe(queue, { type: "failed", message: libraryErrorText(error) })
            Queue.endUnsafe(queue)
          })
          started.on("exit", () => {
            Queue.offerUnsafe(queue, {
              type: "failed",
              message: "the reading thread stopped before the end of the file",
            })
            Queue.endUnsafe(queue)
          })
          return started
        }),
        (started) =>
          Effect.promise(() => {
            // no more chunks wanted (when the stream stops early, the thread may be waiting for room)
            Atomics.store(taken, STOP, 1)
            Atomics.notify(taken, TAKEN)
            return started.terminate()
          }),
      ),
    )
    return messages.pipe(
      // one message at a time: the queue hands over every message waiting, and cutting the
      // records of several at once would keep them all alive through the stages
      Stream.rechunk(1),
      Stream.mapEffect((message) =>
        attempt(() => {
          Atomics.add(taken, TAKEN, 1)
          if (Atomics.load(taken, WAITING) !== 0) Atomics.notify(taken, TAKEN)
          switch (message.type) {
            case "records":
              return reader.accept(
                recordsFromEnds(message.text, message.ends, message.ends.length, dialect.crlf),
                message.clean,
              )
            case "text":
              return reader.feed(message.text, false)
            case "end":
              return reader.feed("", true)
            case "failed":
              throw new CsvProblem(`the CSV could not be read: ${message.message}`)
          }
        }),
      ),
      Stream.filter((records) => records.length > 0),
    )
  })

/** Choices a test may make; the parser's defaults suit every file. */
export interface CsvParserOptions {
  /** files on disk from this size on are read by a second thread (default 4 MiB) */
  readonly threadFromBytes?: number
}

const parse = Effect.fn("CsvParser.parse")(function* (source: FileSource, options: CsvParserOptions) {
  const head = yield* source.head(HEAD_BYTES)
  if (head.length === 0) return yield* fail("the file is empty")
  const binary = describeBinary(head)
  if (binary !== undefined || !looksLikeText(head)) {
    return yield* fail(`the file looks like ${binary ?? "binary data"}, not delimited text`)
  }
  const wholeFile = head.length < HEAD_BYTES ? head : undefined
  const encoding: TextEncoding = bomEncoding(head) ?? sniffUtf16(head) ?? (yield* utf8OrWindows1252(source, wholeFile))
  const headText = new TextDecoder(decoderLabel(encoding)).decode(head, { stream: wholeFile === undefined })
  if (wholeFile !== undefined && headText.trim() === "") return yield* fail("the file is empty")
  const dialect = sniffDialect(headText, wholeFile !== undefined)
  const parsed: ParsedFile = {
    format: "csv",
    records: readRecords(source, encoding, dialect, options),
    details: { encoding, delimiter: dialect.delimiter },
  }
  return parsed
})

/** The CSV parser with other choices (for tests). */
export const csvParserWith = (options: CsvParserOptions): FileParser => ({
  name: "csv",
  detect: (head) => detectFormat(head) === "csv",
  parse: (source) => parse(source, options),
})

/** Delimited text: CSV, TSV, semicolon- or pipe-separated, in UTF-8, UTF-16 or Windows-1252. */
export const CsvParser: FileParser = csvParserWith({})
