/**
 * What a PDF's streams expand to, measured before pdfjs reads the file. pdfjs decodes a stream
 * whole into memory, with no limit, the moment a page needs it (a page's content, a font, a
 * form): a few kilobytes of FlateDecode can ask for gigabytes. Here every stream is decoded
 * through its filters with its output counted and dropped, so the PDF is refused before pdfjs
 * sees a stream that passes the limits.
 *
 * Streams are found as pdfjs finds them: the data after the `stream` keyword, `/Length` bytes
 * long when `endstream` follows there, else up to the next `endstream`. The streams of an
 * encrypted PDF cannot be decoded without its key; they are not measured here.
 */
import { brotliDecompressSync } from "node:zlib"
import { BoundedInflate, InflateLimitExceeded } from "./BoundedInflate.js"

/** Which limit a stream passed: its own size, or the file's total. */
export type StreamLimit = "stream" | "total"

export interface StreamLimits {
  /** the most one stream may expand to */
  readonly maxStreamBytes: number
  /** the most all streams may expand to together */
  readonly maxTotalBytes: number
}

/** How far before `stream` its dictionary may start. */
const DICTIONARY_WINDOW = 4096

/**
 * Collects a decoder's output up to `maxBytes`, throwing InflateLimitExceeded past it; when
 * `keep` is false it only counts (the last filter's output is never needed).
 */
class Output {
  size = 0
  readonly maxBytes: number
  readonly #chunks: Array<Uint8Array> = []
  readonly #keep: boolean

  constructor(maxBytes: number, keep: boolean) {
    this.maxBytes = maxBytes
    this.#keep = keep
  }

  push(chunk: Uint8Array) {
    this.size += chunk.length
    if (this.size > this.maxBytes) throw new InflateLimitExceeded("bytes")
    if (this.#keep) this.#chunks.push(chunk)
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.#chunks)
  }
}

/** Decodes `data` into `output`; `dictionary` is the stream's, for the filter's parameters. */
type Decoder = (data: Uint8Array, output: Output, dictionary: string) => void

const isWhite = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c

/** FlateDecode: a zlib header (pdfjs refuses a stream without one), then raw DEFLATE. */
const flate: Decoder = (data, output) => {
  if (data.length < 2 || (data[0]! & 0x0f) !== 8 || ((data[0]! << 8) | data[1]!) % 31 !== 0) return
  new BoundedInflate({ maxBytes: Number.POSITIVE_INFINITY }, (chunk) => output.push(chunk)).push(data.subarray(2), true)
}

const brotli: Decoder = (data, output) => {
  try {
    output.push(brotliDecompressSync(data, { maxOutputLength: output.maxBytes + 1 }))
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw new InflateLimitExceeded("bytes")
    throw error
  }
}

/** Output is written in pieces of this size by the decoders that expand byte by byte. */
const PIECE = 64 * 1024

/** A buffer that hands full pieces to `output`. */
const pieces = (output: Output) => {
  let buffer = new Uint8Array(PIECE)
  let length = 0
  const full = () => {
    output.push(buffer)
    buffer = new Uint8Array(PIECE)
    length = 0
  }
  return {
    write: (byte: number) => {
      buffer[length++] = byte
      if (length === PIECE) full()
    },
    /** the first `count` bytes of `bytes` (at most PIECE) */
    writeAll: (bytes: Uint8Array, count: number) => {
      const first = Math.min(count, PIECE - length)
      buffer.set(bytes.subarray(0, first), length)
      length += first
      if (length === PIECE) {
        full()
        buffer.set(bytes.subarray(first, count))
        length = count - first
      }
    },
    flush: () => output.push(buffer.subarray(0, length)),
  }
}

const asciiHex: Decoder = (data, output) => {
  const out = pieces(output)
  let high = -1
  for (const byte of data) {
    if (byte === 0x3e) break // ">": end of data
    const digit = byte <= 0x39 ? byte - 0x30 : (byte | 0x20) - 0x61 + 10
    if (isWhite(byte) || digit < 0 || digit > 15) continue
    if (high < 0) high = digit
    else {
      out.write((high << 4) | digit)
      high = -1
    }
  }
  if (high >= 0) out.write(high << 4)
  out.flush()
}

const ascii85: Decoder = (data, output) => {
  const out = pieces(output)
  let group = 0
  let digits = 0
  for (const byte of data) {
    if (byte === 0x7e) break // "~>": end of data
    if (isWhite(byte)) continue
    if (byte === 0x7a && digits === 0) {
      for (let i = 0; i < 4; i++) out.write(0) // "z": four zero bytes
      continue
    }
    if (byte < 0x21 || byte > 0x75) continue
    group = group * 85 + (byte - 0x21)
    if (++digits === 5) {
      for (let shift = 24; shift >= 0; shift -= 8) out.write((group >>> shift) & 0xff)
      group = 0
      digits = 0
    }
  }
  if (digits > 1) {
    for (let i = digits; i < 5; i++) group = group * 85 + 84
    for (let i = 0; i < digits - 1; i++) out.write((group >>> (24 - 8 * i)) & 0xff)
  }
  out.flush()
}

const runLength: Decoder = (data, output) => {
  const out = pieces(output)
  for (let at = 0; at < data.length; ) {
    const n = data[at++]!
    if (n === 128) break
    if (n < 128) for (let i = 0; i <= n && at < data.length; i++) out.write(data[at++]!)
    else if (at < data.length) {
      const byte = data[at++]!
      for (let i = 0; i < 257 - n; i++) out.write(byte)
    }
  }
  out.flush()
}

/** LZWDecode: codes of 9 to 12 bits, most significant bit first, widened one code early unless /EarlyChange is 0. */
const lzw: Decoder = (data, output, dictionary) => {
  const early = /\/EarlyChange\s+0\b/.test(dictionary) ? 0 : 1
  const out = pieces(output)
  const prefix = new Uint16Array(4096)
  const suffix = new Uint8Array(4096)
  const first = new Uint8Array(4096)
  const length = new Uint16Array(4096)
  for (let i = 0; i < 256; i++) {
    suffix[i] = i
    first[i] = i
    length[i] = 1
  }
  const word = new Uint8Array(4096)
  let next = 258
  let width = 9
  let previous = -1
  let buffer = 0
  let bits = 0
  for (const byte of data) {
    buffer = ((buffer << 8) | byte) & 0xffffff
    bits += 8
    while (bits >= width) {
      const code = (buffer >>> (bits - width)) & ((1 << width) - 1)
      bits -= width
      if (code === 256) {
        next = 258
        width = 9
        previous = -1
        continue
      }
      if (code === 257 || code > next || (previous < 0 && code >= 256)) {
        out.flush()
        return
      }
      if (previous >= 0 && next < 4096) {
        prefix[next] = previous
        suffix[next] = code < next ? first[code]! : first[previous]!
        first[next] = first[previous]!
        length[next] = length[previous]! + 1
        next++
      }
      if (code >= next) {
        out.flush()
        return
      }
      for (let c = code, i = length[code]! - 1; i >= 0; c = prefix[c]!, i--) word[i] = suffix[c]!
      out.writeAll(word, length[code]!)
      previous = code
      if (next + early >= 1 << width && width < 12) width++
    }
  }
  out.flush()
}

const DECODERS: Record<string, Decoder> = {
  FlateDecode: flate,
  Fl: flate,
  LZWDecode: lzw,
  LZW: lzw,
  ASCIIHexDecode: asciiHex,
  AHx: asciiHex,
  ASCII85Decode: ascii85,
  A85: ascii85,
  RunLengthDecode: runLength,
  RL: runLength,
  BrotliDecode: brotli,
}

/** The filters a stream's dictionary names, in order ("/Filter /FlateDecode" or "/Filter [/A85 /Fl]"). */
const filterNames = (dictionary: string): Array<string> => {
  const match = /\/(?:Filter|F)\s*(\[[^\]]*\]|\/[^\s/[\]<>()]+)/.exec(dictionary)
  if (match === null) return []
  return [...match[1]!.matchAll(/\/([^\s/[\]<>()]+)/g)].map((name) => name[1]!)
}

/** The objects of the file that hold only a number ("12 0 obj 3187 endobj"), by "12 0": where indirect lengths live. */
const numberObjects = (text: Buffer): Map<string, number> => {
  const numbers = new Map<string, number>()
  // A number starts after a non-digit: a long run of digits is then tried once, not from each of its digits.
  for (const match of text.toString("latin1").matchAll(/(?<!\d)(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj/g)) {
    numbers.set(`${match[1]} ${match[2]}`, Number(match[3]))
  }
  return numbers
}

/**
 * The stream's /Length: a number, or an indirect reference to an object holding one
 * (undefined when that object lies in an object stream, compressed).
 */
const streamLength = (dictionary: string, numbers: () => Map<string, number>): number | undefined => {
  const match = /\/Length\s+(\d+)(?:\s+(\d+)\s+R)?/.exec(dictionary)
  if (match === null) return undefined
  return match[2] === undefined ? Number(match[1]) : numbers().get(`${match[1]} ${match[2]}`)
}

/** Whether `endstream` follows `at`, after white space. */
const endstreamAt = (text: Buffer, at: number): boolean => {
  let position = at
  while (position < text.length && isWhite(text[position]!)) position++
  return text.toString("latin1", position, position + 9) === "endstream"
}

/**
 * Decodes every stream of the PDF through the filters it names, counting the output: the first
 * limit a stream passes, or undefined when none does.
 */
export const measureStreams = (bytes: Uint8Array, limits: StreamLimits): StreamLimit | undefined => {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let indirect: Map<string, number> | undefined
  const numbers = () => {
    indirect ??= numberObjects(text)
    return indirect
  }
  let total = 0
  let at = 0
  for (;;) {
    // The dictionary is looked for only after where the search starts, so a file of many
    // false `stream` words costs its length once, not a window each.
    const from = at
    const keyword = text.indexOf("stream", from, "latin1")
    if (keyword < 0) return undefined
    at = keyword + 6
    if (keyword >= 3 && text.toString("latin1", keyword - 3, keyword) === "end") continue
    let start = at
    if (text[start] === 0x0d) start++
    if (text[start] === 0x0a) start++
    if (start === at) continue // not the keyword, which the end of a line follows
    const before = text.toString("latin1", Math.max(from, keyword - DICTIONARY_WINDOW), keyword)
    const object = before.lastIndexOf("obj")
    const dictionary = object < 0 ? before : before.slice(object + 3)
    const filters = filterNames(dictionary)
    const length = streamLength(dictionary, numbers)
    let end: number
    if (length !== undefined && start + length <= text.length && endstreamAt(text, start + length)) {
      end = start + length
    } else {
      const found = text.indexOf("endstream", start, "latin1")
      end = found < 0 ? text.length : found
    }
    at = end
    if (filters.length === 0) continue

    const maxBytes = Math.min(limits.maxStreamBytes, limits.maxTotalBytes - total)
    let data: Uint8Array = bytes.subarray(start, end)
    for (const [i, name] of filters.entries()) {
      const decoder = DECODERS[name]
      if (decoder === undefined) break // an image filter (pdfjs decodes no image to read text), or one pdfjs lacks
      const last = i === filters.length - 1 || DECODERS[filters[i + 1]!] === undefined
      const output = new Output(maxBytes, !last)
      try {
        decoder(data, output, dictionary)
      } catch (error) {
        if (error instanceof InflateLimitExceeded) {
          return maxBytes === limits.maxStreamBytes ? "stream" : "total"
        }
        // Damaged data: pdfjs stops where it breaks too, having produced what was counted.
      }
      if (last) {
        total += output.size
        break
      }
      data = output.bytes()
    }
  }
}
