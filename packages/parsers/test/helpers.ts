/**
 * Helpers for the parser tests: run a parser over bytes or a FileSource, collect its
 * records, or get the ParseError it fails with. Fixture files go to a temporary directory.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type FileParser, type FileSource, type ParseError, type RawRecord, sourceFromBytes } from "@batchops/core"
import { Effect, Stream } from "effect"

export interface Collected {
  readonly format: string
  readonly details: Readonly<Record<string, unknown>>
  /** the chunks as the parser emitted them */
  readonly chunks: ReadonlyArray<ReadonlyArray<RawRecord>>
  readonly records: ReadonlyArray<RawRecord>
}

export const asSource = (input: Uint8Array | FileSource, name = "upload"): FileSource =>
  input instanceof Uint8Array ? sourceFromBytes(name, input) : input

/** Parses and reads every record. */
export const collect = async (parser: FileParser, input: Uint8Array | FileSource): Promise<Collected> => {
  const parsed = await Effect.runPromise(parser.parse(asSource(input)))
  const chunks = await Effect.runPromise(Stream.runCollect(parsed.records))
  return { format: parsed.format, details: parsed.details, chunks, records: chunks.flat() }
}

/** The ParseError a parser fails with, when opening the file or while reading its records. */
export const failure = (parser: FileParser, input: Uint8Array | FileSource): Promise<ParseError> =>
  Effect.runPromise(
    Effect.flip(Effect.flatMap(parser.parse(asSource(input)), (parsed) => Stream.runCollect(parsed.records))),
  )

/** A FileSource over bytes that streams them in chunks of the given sizes (cycled), to exercise chunk boundaries. */
export const chunkedSource = (data: Uint8Array, sizes: ReadonlyArray<number>, name = "upload"): FileSource => ({
  ...sourceFromBytes(name, data),
  stream: () =>
    Stream.fromIterable(
      (function* () {
        let offset = 0
        let i = 0
        while (offset < data.length) {
          const size = Math.max(1, sizes[i++ % sizes.length]!)
          yield data.subarray(offset, Math.min(offset + size, data.length))
          offset += size
        }
      })(),
    ),
})

const encoder = new TextEncoder()
export const utf8 = (text: string): Uint8Array => encoder.encode(text)
export const utf8Bom = (text: string): Uint8Array => Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(text)])
export const utf16le = (text: string, bom = true): Uint8Array =>
  Uint8Array.from([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(text, "utf16le")])
export const utf16be = (text: string, bom = true): Uint8Array => {
  const le = Buffer.from(text, "utf16le")
  for (let i = 0; i + 1 < le.length; i += 2) {
    const low = le[i]!
    le[i] = le[i + 1]!
    le[i + 1] = low
  }
  return Uint8Array.from([...(bom ? [0xfe, 0xff] : []), ...le])
}

/** A temporary directory for generated fixtures, removed by `cleanup`. */
export const fixtureDirectory = async () => {
  const path = await mkdtemp(join(tmpdir(), "batchops-parsers-"))
  return {
    path,
    write: async (name: string, data: Uint8Array | string) => {
      const file = join(path, name)
      await writeFile(file, data)
      return file
    },
    cleanup: () => rm(path, { recursive: true, force: true }),
  }
}

/** A minimal PNG: signature and an IHDR chunk. */
export const PNG_BYTES = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
])
