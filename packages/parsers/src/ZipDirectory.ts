/**
 * Reads the central directory of a ZIP file (the list of parts at its end) without
 * decompressing anything: enough to tell a truncated file, an encrypted one or a ZIP that is
 * not a workbook, and where each part's compressed data lies. The sizes it declares are only
 * claims: what a part expands to is counted while it is inflated (BoundedInflate).
 */

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

export const readZipDirectory = (bytes: Uint8Array): ZipDirectory => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u16 = (at: number) => view.getUint16(at, true)
  const u32 = (at: number) => view.getUint32(at, true)
  const u64 = (at: number) => Number(view.getBigUint64(at, true))

  // The end-of-directory record is the last 22 bytes, followed by an optional comment.
  let end = -1
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - MAX_COMMENT); at--) {
    if (u32(at) === END_OF_DIRECTORY && at + 22 + u16(at + 20) <= bytes.length) {
      end = at
      break
    }
  }
  if (end < 0) return problem("the end of its ZIP directory is missing")

  let count = u16(end + 10)
  let size = u32(end + 12)
  let offset = u32(end + 16)
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) return problem("its ZIP64 directory locator is missing")
    const zip64 = u64(locator + 8)
    if (zip64 + 56 > bytes.length || u32(zip64) !== ZIP64_END_OF_DIRECTORY) {
      return problem("its ZIP64 directory is missing")
    }
    count = u64(zip64 + 32)
    size = u64(zip64 + 40)
    offset = u64(zip64 + 48)
  }
  if (offset + size > bytes.length) return problem("its ZIP directory is cut off")

  const entries: Array<ZipEntry> = []
  let at = offset
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

/** An entry's compressed data, found through its local header, or what is wrong with it. */
export const entryData = (bytes: Uint8Array, entry: ZipEntry): Uint8Array | string => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const at = entry.offset
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_HEADER) {
    return `the local header of its part ${entry.name} is missing`
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true)
  if (start + entry.compressedSize > bytes.length) return `its part ${entry.name} is cut off`
  return bytes.subarray(start, start + entry.compressedSize)
}
