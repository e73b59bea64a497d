/**
 * Reading a workbook's ZIP parts within limits, three ways: a part held whole (shared strings,
 * styles: inflated at once, its output bounded), a part's first rows looked at (inflated a piece
 * at a time, only as far as asked), and a sheet streamed (inflated by zlib as it is read, each
 * piece of text handed on and dropped). What a part expands to is counted as it comes out,
 * whatever its directory entry declares.
 */
import { createInflateRaw, inflateRawSync } from "node:zlib"
import { BoundedInflate, InflateLimitExceeded, RATIO_FLOOR } from "./BoundedInflate.js"
import { libraryErrorText } from "./internal/libraryError.js"
import { entryRange, type ZipBytes, type ZipEntry } from "./ZipDirectory.js"

/** The largest single output buffer a held part is inflated into. */
const MAX_PIECE = 128 * 1024 * 1024

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

/** Where a part's compressed data lies, or PartProblem. */
const located = (zip: ZipBytes, entry: ZipEntry): { start: number; length: number } => {
  const range = entryRange(zip, entry)
  if (typeof range === "string") throw new PartProblem(range)
  if (entry.method !== 0 && entry.method !== 8) {
    throw new PartProblem(`its part ${entry.name} uses ZIP compression method ${entry.method}`)
  }
  return range
}

/** A part's compressed data, whole. */
const compressed = (zip: ZipBytes, entry: ZipEntry): Uint8Array => {
  const { start, length } = located(zip, entry)
  return zip.read(start, length)
}

/** A part held whole, inflated within `limits`: its bytes, the caller's own (a stored part is copied out of the file). */
export const inflatePart = (zip: ZipBytes, entry: ZipEntry, limits: PartLimits): Uint8Array => {
  const data = compressed(zip, entry)
  if (entry.method === 0) {
    if (data.length > limits.maxBytes) throw new PartLimitExceeded(entry.name, "bytes")
    return data.slice()
  }
  const byRatio = Math.max(RATIO_FLOOR, limits.maxRatio * data.length)
  const bound = Math.min(limits.maxBytes, byRatio)
  try {
    // one output buffer of the declared size when it is believable: zlib otherwise gathers pieces and joins them, holding the part twice
    const declared = entry.size > 0 && entry.size <= bound ? Math.min(entry.size + 1, MAX_PIECE) : undefined
    return inflateRawSync(data, {
      maxOutputLength: Math.max(1, bound),
      ...(declared ? { chunkSize: Math.max(64, declared) } : {}),
    })
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new PartLimitExceeded(entry.name, bound < limits.maxBytes ? "ratio" : "bytes")
    }
    throw new PartProblem(`its part ${entry.name} cannot be inflated: ${libraryErrorText(error)}`)
  }
}

/**
 * Pieces of a part's text, in order, inflated only as far as they are asked for (to look at a
 * sheet's first rows): `next()` gives the next piece, or undefined at the end. Throws
 * PartLimitExceeded past a limit and PartProblem for damaged data.
 */
export class PartText {
  readonly #zip: ZipBytes
  readonly #start: number
  readonly #length: number
  readonly #inflater: BoundedInflate | undefined
  readonly #decoder = new TextDecoder()
  #output: Array<Uint8Array> = []
  #at = 0
  #done = false

  constructor(
    zip: ZipBytes,
    readonly entry: ZipEntry,
    limits: PartLimits,
  ) {
    const { start, length } = located(zip, entry)
    this.#zip = zip
    this.#start = start
    this.#length = length
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
    const end = Math.min(this.#at + STEP, this.#length)
    const final = end === this.#length
    const piece = this.#zip.read(this.#start + this.#at, end - this.#at)
    if (inflater === undefined) {
      this.#output.push(piece)
    } else {
      try {
        inflater.push(piece, final)
      } catch (error) {
        if (error instanceof InflateLimitExceeded) throw new PartLimitExceeded(this.entry.name, error.limit)
        throw new PartProblem(`its part ${this.entry.name} cannot be inflated: ${libraryErrorText(error)}`)
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
export const streamPart = async function* (zip: ZipBytes, entry: ZipEntry, maxRatio: number): AsyncGenerator<string> {
  const { start, length } = located(zip, entry)
  if (entry.method === 0) {
    const decoder = new TextDecoder()
    for (let at = 0; at < length; at += STREAM_STEP) {
      yield decoder.decode(zip.read(start + at, Math.min(STREAM_STEP, length - at)), { stream: true })
    }
    yield decoder.decode()
    return
  }
  const inflater = createInflateRaw({ chunkSize: 128 * 1024 })
  let input = 0
  let output = 0
  const feed = async () => {
    for (let at = 0; at < length && !inflater.destroyed; at += STREAM_STEP) {
      const piece = zip.read(start + at, Math.min(STREAM_STEP, length - at))
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
    throw new PartProblem(`its part ${entry.name} cannot be inflated: ${libraryErrorText(error)}`)
  } finally {
    inflater.destroy()
    await feeding
  }
}
