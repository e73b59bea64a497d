/**
 * Where a file's bytes come from. Core does no I/O of its own: hosts and adapters give a
 * FileSource (a path on disk, bytes from an HTTP upload, a blob store object).
 */
import { Effect, Stream } from "effect"
import type { ParseError } from "./Errors.js"

export interface FileSource {
  /** The file's name as the operator knows it (used in messages and report names). */
  readonly name: string
  /** Size in bytes. */
  readonly size: number
  /** Where the file is on disk, when it is a file there: parsers may read it directly. */
  readonly path?: string
  /** Up to `length` bytes from the start of the file (fewer when the file is shorter). */
  readonly head: (length: number) => Effect.Effect<Uint8Array, ParseError>
  /** The whole file as a stream of byte chunks, from the start; may be opened more than once. */
  readonly stream: () => Stream.Stream<Uint8Array, ParseError>
  /** The whole file in memory (for formats that cannot stream, such as XLSX and PDF). */
  readonly bytes: () => Effect.Effect<Uint8Array, ParseError>
}

const CHUNK = 1 << 20

/** A FileSource over bytes already in memory. */
export const sourceFromBytes = (name: string, data: Uint8Array): FileSource => ({
  name,
  size: data.byteLength,
  head: (length) => Effect.succeed(data.subarray(0, length)),
  stream: () =>
    Stream.fromIterable(
      (function* () {
        for (let offset = 0; offset < data.byteLength; offset += CHUNK) {
          yield data.subarray(offset, Math.min(offset + CHUNK, data.byteLength))
        }
      })(),
    ),
  bytes: () => Effect.succeed(data),
})
