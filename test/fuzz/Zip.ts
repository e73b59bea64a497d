/**
 * A small ZIP reader and writer for the fuzzer: it takes the workbooks SheetJS writes apart
 * into their entries and puts them back together, optionally lying in the headers (sizes,
 * checksums, methods, counts), which no ZIP library will do on request.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib"

export interface ZipPart {
  readonly name: string
  /** 0 stored, 8 deflated (or any number, to lie) */
  method: number
  flags: number
  crc: number
  /** the entry's data as stored (compressed for method 8) */
  data: Uint8Array
  uncompressedSize: number
  /** sizes written to the local header and the central directory; the true ones when undefined */
  localSizes?: { compressed: number; uncompressed: number }
  centralSizes?: { compressed: number; uncompressed: number }
}

export interface ZipLies {
  /** entry count written in the end-of-directory record */
  readonly count?: number
  /** added to the directory's offset in the end-of-directory record */
  readonly offsetShift?: number
  /** comment length written in the end-of-directory record (no comment follows) */
  readonly commentLength?: number
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export const crc32 = (bytes: Uint8Array): number => {
  let crc = 0xffffffff
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** The entries of a well-formed ZIP (one this fuzzer generated), read through its central directory. */
export const readZip = (bytes: Uint8Array): Array<ZipPart> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let end = bytes.length - 22
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--
  if (end < 0) throw new Error("not a ZIP file")
  const count = view.getUint16(end + 10, true)
  let at = view.getUint32(end + 16, true)
  const parts: Array<ZipPart> = []
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint16(at + 28, true)
    const local = view.getUint32(at + 42, true)
    const compressed = view.getUint32(at + 20, true)
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true)
    parts.push({
      name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      flags: view.getUint16(at + 8, true) & ~0x8, // sizes are written in the headers, not after the data
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      data: bytes.slice(dataStart, dataStart + compressed),
      uncompressedSize: view.getUint32(at + 24, true),
    })
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true)
  }
  return parts
}

/** A ZIP of the entries, in order, with whatever lies they and `lies` carry. */
export const writeZip = (parts: ReadonlyArray<ZipPart>, lies: ZipLies = {}): Uint8Array => {
  const chunks: Array<Uint8Array> = []
  const directory: Array<Uint8Array> = []
  let offset = 0
  for (const part of parts) {
    const name = new TextEncoder().encode(part.name)
    const local = part.localSizes ?? { compressed: part.data.length, uncompressed: part.uncompressedSize }
    const central = part.centralSizes ?? { compressed: part.data.length, uncompressed: part.uncompressedSize }
    const header = new DataView(new ArrayBuffer(30))
    header.setUint32(0, 0x04034b50, true)
    header.setUint16(4, 20, true)
    header.setUint16(6, part.flags, true)
    header.setUint16(8, part.method, true)
    header.setUint16(12, 0x21, true) // 1980-01-01: the same bytes on every run
    header.setUint32(14, part.crc, true)
    header.setUint32(18, local.compressed >>> 0, true)
    header.setUint32(22, local.uncompressed >>> 0, true)
    header.setUint16(26, name.length, true)
    const entry = new DataView(new ArrayBuffer(46))
    entry.setUint32(0, 0x02014b50, true)
    entry.setUint16(4, 20, true)
    entry.setUint16(6, 20, true)
    entry.setUint16(8, part.flags, true)
    entry.setUint16(10, part.method, true)
    entry.setUint16(14, 0x21, true)
    entry.setUint32(16, part.crc, true)
    entry.setUint32(20, central.compressed >>> 0, true)
    entry.setUint32(24, central.uncompressed >>> 0, true)
    entry.setUint16(28, name.length, true)
    entry.setUint32(42, offset, true)
    chunks.push(new Uint8Array(header.buffer), name, part.data)
    directory.push(new Uint8Array(entry.buffer), name)
    offset += 30 + name.length + part.data.length
  }
  const size = directory.reduce((sum, chunk) => sum + chunk.length, 0)
  const end = new DataView(new ArrayBuffer(22))
  end.setUint32(0, 0x06054b50, true)
  end.setUint16(8, parts.length, true)
  end.setUint16(10, (lies.count ?? parts.length) & 0xffff, true)
  end.setUint32(12, size, true)
  end.setUint32(16, (offset + (lies.offsetShift ?? 0)) >>> 0, true)
  end.setUint16(20, (lies.commentLength ?? 0) & 0xffff, true)
  return new Uint8Array(Buffer.concat([...chunks, ...directory, new Uint8Array(end.buffer)]))
}

/** An entry holding `content`, deflated or stored, with true sizes and checksum. */
export const zipPart = (name: string, content: Uint8Array, deflate: boolean): ZipPart => ({
  name,
  method: deflate ? 8 : 0,
  flags: 0,
  crc: crc32(content),
  data: deflate ? new Uint8Array(deflateRawSync(content)) : content,
  uncompressedSize: content.length,
})

/** The content of an entry this fuzzer wrote (stored or deflated). */
export const partContent = (part: ZipPart): Uint8Array =>
  part.method === 8 ? new Uint8Array(inflateRawSync(part.data)) : part.data
