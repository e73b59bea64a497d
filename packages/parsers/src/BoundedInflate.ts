/**
 * DEFLATE decompression with a bound on what comes out. ZIP parts and PDF streams declare
 * their sizes, and a file built to exhaust the server lies about them: here the output is
 * counted as it is produced, piece by piece, and inflating stops the moment it passes its
 * limit, having held at most one piece of output.
 */
import { Inflate } from "fflate"

/**
 * Compressed bytes handed to the inflater at a time. DEFLATE expands at most about 1,032
 * times, so one piece yields at most about 8 MB before the limits are checked again.
 */
const PIECE = 8 * 1024

/** Output up to this size is never refused for its ratio: a small, very repetitive part is harmless. */
export const RATIO_FLOOR = 8 * 1024 * 1024

export interface InflateLimits {
  /** the most bytes the output may reach */
  readonly maxBytes: number
  /** past RATIO_FLOOR, the most the output may be in times the input consumed so far (no ratio limit when absent) */
  readonly maxRatio?: number | undefined
}

/** The output passed one of its limits: `bytes` (its size) or `ratio` (its size against the input's). */
export class InflateLimitExceeded extends Error {
  readonly limit: "bytes" | "ratio"
  constructor(limit: "bytes" | "ratio") {
    super(`the output passed its ${limit} limit`)
    this.limit = limit
  }
}

/**
 * A streaming inflater for raw DEFLATE data: `push` the compressed bytes in chunks of any size
 * (the last with `final`), and each piece of output goes to `onData` once counted. `push`
 * throws InflateLimitExceeded past a limit, and an Error for data that is not valid DEFLATE.
 */
export class BoundedInflate {
  /** compressed bytes consumed so far */
  input = 0
  /** bytes produced so far */
  output = 0
  readonly #inflater: Inflate
  readonly #limits: InflateLimits

  constructor(limits: InflateLimits, onData: (chunk: Uint8Array) => void) {
    this.#limits = limits
    this.#inflater = new Inflate((chunk) => {
      this.output += chunk.length
      this.#check()
      onData(chunk)
    })
  }

  #check() {
    const { maxBytes, maxRatio } = this.#limits
    if (this.output > maxBytes) throw new InflateLimitExceeded("bytes")
    if (maxRatio !== undefined && this.output > RATIO_FLOOR && this.output > maxRatio * this.input) {
      throw new InflateLimitExceeded("ratio")
    }
  }

  push(chunk: Uint8Array, final = false): void {
    if (chunk.length === 0) {
      this.#inflater.push(chunk, final)
      return
    }
    for (let at = 0; at < chunk.length; at += PIECE) {
      const piece = chunk.subarray(at, at + PIECE)
      this.input += piece.length
      this.#inflater.push(piece, final && at + PIECE >= chunk.length)
    }
  }
}
