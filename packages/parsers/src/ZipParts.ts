/**
 * Reading a workbook's ZIP parts within limits, three ways: a part held whole (shared strings,
 * styles: inflated at once, its output bounded), a part's first rows looked at (inflated a piece
 * at a time, only as far as asked), and a sheet streamed (inflated by zlib as it is read, each
 * piece of text handed on and dropped). What a part expands to is counted as it comes out,
 * whatever its directory entry declares.
 */
import { createInflateRaw, inflateRawSync } from "node:zlib"
import { BoundedInflate, InflateLimitExceeded, RATIO_FLOOR } from "./BoundedInflate.js"
import { entryData, type ZipEntry } from "./ZipDirectory.js"

/** Compressed bytes inflated per step when looking at a part's first rows. */
const STEP = 16 * 1024

/** Compressed bytes handed to zlib at a time when a sheet streams: small enough that a bomb is seen within a few MB. */
const STREAM_STEP = 32 * 1024

export interface PartLimits {
  /** the most the part may expand to, in bytes */
  readonly maxBytes: number
  /** past 8 MB, the most it may expand in times its compressed size */
  readonly maxRatio: number
}

/** A part that cannot be read: damaged data or an unsupported compression method. */
export class PartProblem extends Error {}

/** A part expanded past a limit: `bytes` (its size) or `ratio` (its size against its compressed size). */
export class PartLimitExceeded extends Error {
  constructor(
    readonly part: string,
    readonly limit: "bytes" | "ratio",
  ) {
    super(`the part ${part} passed its ${limit} limit`)
  }
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A part's compressed data, or PartProblem. */
const compressed = (bytes: Uint8Array, entry: ZipEntry): Uint8Array => {
  const data = entryData(bytes, entry)
  if (typeof data === "string") throw new PartProblem(data)
  if (entry.method !== 0 && entry.method !== 8) {
    throw new PartProblem(`its part ${entry.name} uses ZIP compression method ${entry.method}`)
  }
  return data
}

/** A part held whole, inflated within `limits`: its bytes, the caller's own (a stored part is copied out of the file). */
export const inflatePart = (bytes: Uint8Array, entry: ZipEntry, limits: PartLimits): Uint8Array => {
  const data = compressed(bytes, entry)
  if (entry.method === 0) {
    if (data.length > limits.maxBytes) throw new PartLimitExceeded(entry.name, "bytes")
    return data.slice()
  }
  const byRatio = Math.max(RATIO_FLOOR, limits.maxRatio * data.length)
  const bound = Math.min(limits.maxBytes, byRatio)
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, bound) })
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PartLimitExceeded(entry.name, bound < limits.maxBytes ? "ratio" : "bytes")
    }
    throw new PartProblem(`its part ${entry.name} cannot be inflated: ${reason(error)}`)
  }
}

/** Bytes as text, a megabyte at a time: no string larger than a piece is made. */
export const textPieces = function* (bytes: Uint8Array): Generator<string> {
  const decoder = new TextDecoder()
  const PIECE = 1 << 20
  for (let at = 0; at < bytes.length; at += PIECE) {
    yield decoder.decode(bytes.subarray(at, at + PIECE), { stream: at + PIECE < bytes.length })
  }
}

/**
 * Pieces of a part's text, in order, inflated only as far as they are asked for (to look at a
 * sheet's first rows): `next()` gives the next piece, or undefined at the end. Throws
 * PartLimitExceeded past a limit and PartProblem for damaged data.
 */
export class PartText {
  readonly #data: Uint8Array
  readonly #inflater: BoundedInflate | undefined
  readonly #decoder = new TextDecoder()
  #output: Array<Uint8Array> = []
  #at = 0
  #done = false

  constructor(
    bytes: Uint8Array,
    readonly entry: ZipEntry,
    limits: PartLimits,
  ) {
    this.#data = compressed(bytes, entry)
    this.#inflater =
      entry.method === 8
        ? new BoundedInflate({ maxBytes: limits.maxBytes, maxRatio: limits.maxRatio }, (chunk) =>
            this.#output.push(chunk),
          )
        : undefined
  }

  /** The next piece of text (possibly empty), or undefined once the part has been read. */
  next(): string | undefined {
    if (this.#done) return undefined
    const inflater = this.#inflater
    const end = Math.min(this.#at + STEP, this.#data.length)
    const final = end === this.#data.length
    if (inflater === undefined) {
      this.#output.push(this.#data.subarray(this.#at, end))
    } else {
      try {
        inflater.push(this.#data.subarray(this.#at, end), final)
      } catch (error) {
        if (error instanceof InflateLimitExceeded) throw new PartLimitExceeded(this.entry.name, error.limit)
        throw new PartProblem(`its part ${this.entry.name} cannot be inflated: ${reason(error)}`)
      }
    }
    this.#at = end
    const output = this.#output
    this.#output = []
    let text = ""
    for (const chunk of output) text += this.#decoder.decode(chunk, { stream: true })
    if (final) {
      this.#done = true
      text += this.#decoder.decode()
    }
    return text
  }
}

/**
 * A part's text streamed through zlib, a piece at a time, within the expansion-ratio limit
 * (counted against the compressed bytes consumed so far, so a bomb stops within its first
 * megabytes). The inflater is destroyed when the reader stops early.
 */
export const streamPart = async function* (
  bytes: Uint8Array,
  entry: ZipEntry,
  maxRatio: number,
): AsyncGenerator<string> {
  const data = compressed(bytes, entry)
  if (entry.method === 0) {
    yield* textPieces(data)
    return
  }
  const inflater = createInflateRaw({ chunkSize: 128 * 1024 })
  let input = 0
  let output = 0
  const feed = async () => {
    for (let at = 0; at < data.length && !inflater.destroyed; at += STREAM_STEP) {
      const piece = data.subarray(at, at + STREAM_STEP)
      input += piece.length
      if (!inflater.write(piece)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            inflater.off("drain", go)
            inflater.off("close", go)
            resolve()
          }
          inflater.on("drain", go)
          inflater.on("close", go)
        })
      }
    }
    if (!inflater.destroyed) inflater.end()
  }
  const feeding = feed().catch(() => undefined)
  const decoder = new TextDecoder()
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      output += chunk.length
      if (output > RATIO_FLOOR && output > maxRatio * input) throw new PartLimitExceeded(entry.name, "ratio")
      yield decoder.decode(chunk, { stream: true })
    }
    yield decoder.decode()
  } catch (error) {
    if (error instanceof PartLimitExceeded) throw error
    throw new PartProblem(`its part ${entry.name} cannot be inflated: ${reason(error)}`)
  } finally {
    inflater.destroy()
    await feeding
  }
}
