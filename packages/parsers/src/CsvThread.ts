/**
 * The thread that reads, decodes and splits a large delimited file while the thread that
 * started it runs the stages on the records already split: the file's text goes across as
 * whole records plus the offsets of their cells (one copy of the text, no array of cells to
 * serialize), and the starting thread cuts the cells out. Text with a quote, a file whose
 * lines end in a lone CR, or a line longer than SPLIT_LIMIT characters is sent on as decoded
 * text from then on, for the starting thread's papaparse reader and its rules.
 *
 * The thread reads ahead of the starting thread by at most a few chunks, so memory does not
 * grow with the file.
 */
import { closeSync, openSync, readSync } from "node:fs"
import { TextDecoder } from "node:util"
import { parentPort, workerData } from "node:worker_threads"
import { type Dialect, isCleanText, STOP, splitRecords, TAKEN, WAITING } from "./internal/CsvText.js"

export interface CsvThreadInput {
  /** marks the thread's input: a module that imports this one by mistake does not start reading */
  readonly csvThread: true
  readonly path: string
  /** a WHATWG encoding label */
  readonly encoding: string
  readonly dialect: Dialect
  /** bytes per read */
  readonly chunkBytes: number
  /** messages sent and not yet taken, at most */
  readonly window: number
  /** three Int32 slots shared with the starting thread: TAKEN, STOP, WAITING (see `run`) */
  readonly taken: SharedArrayBuffer
}

export type CsvThreadMessage =
  /** whole records of text without quotes; `ends` as `splitRecords` writes them */
  | { readonly type: "records"; readonly text: string; readonly ends: Int32Array; readonly clean: boolean }
  /** decoded text, for the papaparse reader */
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "end" }
  | { readonly type: "failed"; readonly message: string }

/** Characters of an unfinished line after which the rest of the file goes on as text. */
export const SPLIT_LIMIT = 1024 * 1024

/** Where the text's last line end starts ("\n", or "\r\n" in a file of such line ends); its length when it ends otherwise. */
const withoutLineEnd = (text: string, crlf: boolean): number => {
  let end = text.length
  if (text.charCodeAt(end - 1) === 10) end--
  if (crlf && text.charCodeAt(end - 1) === 13) end--
  return end
}

const run = (input: CsvThreadInput, port: NonNullable<typeof parentPort>) => {
  // taken[TAKEN]: messages the starting thread has taken so far (it adds one per message);
  // taken[STOP] is set when it wants no more; taken[WAITING] while this thread waits for room,
  // so that the starting thread wakes it only then. Shared memory rather than messages back:
  // the starting thread pays one atomic add per chunk.
  const taken = new Int32Array(input.taken)
  let sent = 0
  const send = (message: CsvThreadMessage, transfer?: ReadonlyArray<ArrayBuffer>): boolean => {
    for (;;) {
      if (Atomics.load(taken, STOP) !== 0) return false
      if (sent - Atomics.load(taken, TAKEN) < input.window) break
      Atomics.store(taken, WAITING, 1)
      // read again after saying so: a message taken in between is seen here, not missed
      const seen = Atomics.load(taken, TAKEN)
      if (sent - seen >= input.window && Atomics.load(taken, STOP) === 0) Atomics.wait(taken, TAKEN, seen, 100)
      Atomics.store(taken, WAITING, 0)
    }
    sent++
    port.postMessage(message, transfer as Array<ArrayBuffer> | undefined)
    return true
  }

  const { dialect } = input
  const decoder = new TextDecoder(input.encoding)
  const buffer = Buffer.allocUnsafe(input.chunkBytes)
  let ends = new Int32Array(input.chunkBytes + 1)
  let carry = ""
  let asText = dialect.newline === "\r"
  let fd: number | undefined
  try {
    fd = openSync(input.path, "r")
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null)
      const final = read === 0
      const text = carry + (final ? decoder.decode() : decoder.decode(buffer.subarray(0, read), { stream: true }))
      carry = ""
      if (!asText && (text.includes('"') || text.length > SPLIT_LIMIT)) asText = true
      if (asText) {
        if (text.length > 0 && !send({ type: "text", text })) return
      } else if (text.length > 0) {
        if (ends.length < text.length + 1) ends = new Int32Array(text.length + 1)
        const { count, consumed } = splitRecords(text, dialect.delimiter, final, ends)
        carry = text.slice(consumed)
        if (count > 0) {
          const records = consumed === text.length ? text : text.slice(0, consumed)
          // the records' text without the last line end: the rule looks at the cells' ends
          const cells = records.slice(0, withoutLineEnd(records, dialect.crlf))
          const offsets = ends.slice(0, count)
          const message: CsvThreadMessage = {
            type: "records",
            text: records,
            ends: offsets,
            clean: isCleanText(cells, dialect),
          }
          if (!send(message, [offsets.buffer])) return
        }
      }
      if (final) break
    }
  } catch (error) {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) })
    return
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  send({ type: "end" })
}

if (parentPort !== null && (workerData as Partial<CsvThreadInput> | null)?.csvThread === true) {
  const port = parentPort
  try {
    run(workerData as CsvThreadInput, port)
  } finally {
    port.close()
  }
}
