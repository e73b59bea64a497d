/**
 * Reads the central directory of a ZIP file (the list of parts at its end) without
 * decompressing anything: enough to tell a truncated file, an encrypted one or a ZIP that is
 * not a workbook, and where each part's compressed data lies. The sizes it declares are only
 * claims: what a part expands to is counted while it is inflated (BoundedInflate). The ZIP is
 * read through ZipBytes: bytes in memory, or a file on disk read where it lies, a range at a time.
 */
import { closeSync, openSync, readSync } from "node:fs"

/** A ZIP's bytes, read a range at a time. */
export interface ZipBytes {
  readonly size: number
  /** up to `length` bytes from `offset` (fewer at the end of the file) */
  read(offset: number, length: number): Uint8Array
}

/** A ZIP in memory. */
export const zipBytes = (bytes: Uint8Array): ZipBytes => ({
  size: bytes.length,
  read: (offset, length) => bytes.subarray(offset, offset + length),
})

/**
 * A ZIP file on disk: each range is read when asked for (the file is opened for it and closed
 * again), so a workbook of 80 MB is never held whole while its sheet streams.
 */
export const zipFile = (path: string, size: number): ZipBytes => ({
  size,
  read: (offset, length) => {
    const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)))
    const fd = openSync(path, "r")
    try {
      let filled = 0
      while (filled < buffer.length) {
        const read = readSync(fd, buffer, filled, buffer.length - filled, offset + filled)
        if (read === 0) break
        filled += read
      }
      return buffer.subarray(0, filled)
    } finally {
      closeSync(fd)
    }
  },
})

export interface ZipEntry {
  readonly name: string
  /** uncompressed size in bytes, as the directory declares it */
  readonly size: number
  /** compressed size in bytes */
  readonly compressedSize: number
  /** 0 stored, 8 deflated */
  readonly method: number
  /** where the part's local header starts */
  readonly offset: number
  readonly encrypted: boolean
}

export type ZipDirectory =
  | { readonly ok: true; readonly entries: ReadonlyArray<ZipEntry> }
  | { readonly ok: false; readonly problem: string }

const END_OF_DIRECTORY = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_END_OF_DIRECTORY = 0x06064b50
const DIRECTORY_ENTRY = 0x02014b50
const LOCAL_HEADER = 0x04034b50
const ZIP64_FIELD = 0xffffffff
const MAX_COMMENT = 0xffff

const problem = (text: string): ZipDirectory => ({ ok: false, problem: text })

export const readZipDirectory = (zip: ZipBytes | Uint8Array): ZipDirectory => {
  const source = zip instanceof Uint8Array ? zipBytes(zip) : zip
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

  // The end-of-directory record is the last 22 bytes, followed by an optional comment.
  const tailStart = Math.max(0, source.size - 22 - MAX_COMMENT)
  const tail = source.read(tailStart, source.size - tailStart)
  const t = view(tail)
  let end = -1
  for (let at = tail.length - 22; at >= 0; at--) {
    if (t.getUint32(at, true) === END_OF_DIRECTORY && at + 22 + t.getUint16(at + 20, true) <= tail.length) {
      end = at
      break
    }
  }
  if (end < 0) return problem("the end of its ZIP directory is missing")

  let count = t.getUint16(end + 10, true)
  let size = t.getUint32(end + 12, true)
  let offset = t.getUint32(end + 16, true)
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = source.read(tailStart + end - 20, 20)
    if (tailStart + end < 20 || locator.length < 20 || view(locator).getUint32(0, true) !== ZIP64_LOCATOR) {
      return problem("its ZIP64 directory locator is missing")
    }
    const zip64 = Number(view(locator).getBigUint64(8, true))
    const record = source.read(zip64, 56)
    if (record.length < 56 || view(record).getUint32(0, true) !== ZIP64_END_OF_DIRECTORY) {
      return problem("its ZIP64 directory is missing")
    }
    count = Number(view(record).getBigUint64(32, true))
    size = Number(view(record).getBigUint64(40, true))
    offset = Number(view(record).getBigUint64(48, true))
  }
  if (offset + size > source.size) return problem("its ZIP directory is cut off")

  const bytes = source.read(offset, size)
  const d = view(bytes)
  const u16 = (at: number) => d.getUint16(at, true)
  const u32 = (at: number) => d.getUint32(at, true)
  const u64 = (at: number) => Number(d.getBigUint64(at, true))
  const entries: Array<ZipEntry> = []
  let at = 0
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(at) !== DIRECTORY_ENTRY) return problem("its ZIP directory is corrupt")
    const flags = u16(at + 8)
    const method = u16(at + 10)
    const sizes = [u32(at + 24), u32(at + 20), u32(at + 42)]
    const nameLength = u16(at + 28)
    const extraLength = u16(at + 30)
    const commentLength = u16(at + 32)
    if (at + 46 + nameLength + extraLength > bytes.length) return problem("its ZIP directory is corrupt")
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength))
    if (sizes.includes(ZIP64_FIELD)) {
      // ZIP64 extended information: 8 bytes for each field the entry marks 0xffffffff, in the
      // order uncompressed size, compressed size, local header offset.
      let extra = at + 46 + nameLength
      const extraEnd = extra + extraLength
      while (extra + 4 <= extraEnd) {
        if (u16(extra) === 0x0001) {
          let field = extra + 4
          const fieldEnd = Math.min(extraEnd, field + u16(extra + 2))
          for (let i = 0; i < sizes.length; i++) {
            if (sizes[i] !== ZIP64_FIELD || field + 8 > fieldEnd) continue
            sizes[i] = u64(field)
            field += 8
          }
          break
        }
        extra += 4 + u16(extra + 2)
      }
    }
    const [size, compressedSize, localOffset] = sizes as [number, number, number]
    entries.push({ name, size, compressedSize, method, offset: localOffset, encrypted: (flags & 0x1) !== 0 })
    at += 46 + nameLength + extraLength + commentLength
  }
  return { ok: true, entries }
}

/** Where an entry's compressed data lies, found through its local header, or what is wrong with it. */
export const entryRange = (zip: ZipBytes, entry: ZipEntry): { start: number; length: number } | string => {
  const header = zip.read(entry.offset, 30)
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
  if (header.length < 30 || view.getUint32(0, true) !== LOCAL_HEADER) {
    return `the local header of its part ${entry.name} is missing`
  }
  const start = entry.offset + 30 + view.getUint16(26, true) + view.getUint16(28, true)
  if (start + entry.compressedSize > zip.size) return `its part ${entry.name} is cut off`
  return { start, length: entry.compressedSize }
}

/** An entry's compressed data, or what is wrong with it. */
export const entryData = (zip: ZipBytes | Uint8Array, entry: ZipEntry): Uint8Array | string => {
  const source = zip instanceof Uint8Array ? zipBytes(zip) : zip
  const range = entryRange(source, entry)
  return typeof range === "string" ? range : source.read(range.start, range.length)
}
