/**
 * Reads the central directory of a ZIP file (the list of parts at its end) without
 * decompressing anything: enough to tell a truncated file, an encrypted one, a ZIP that is
 * not a workbook, or one that would expand to more than memory can hold, before SheetJS
 * inflates it.
 */

export interface ZipEntry {
  readonly name: string
  /** uncompressed size in bytes */
  readonly size: number
  readonly encrypted: boolean
}

export type ZipDirectory =
  | { readonly ok: true; readonly entries: ReadonlyArray<ZipEntry> }
  | { readonly ok: false; readonly problem: string }

const END_OF_DIRECTORY = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_END_OF_DIRECTORY = 0x06064b50
const DIRECTORY_ENTRY = 0x02014b50
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
    let entrySize = u32(at + 24)
    const nameLength = u16(at + 28)
    const extraLength = u16(at + 30)
    const commentLength = u16(at + 32)
    if (at + 46 + nameLength + extraLength > bytes.length) return problem("its ZIP directory is corrupt")
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength))
    if (entrySize === 0xffffffff) {
      // ZIP64 extended information: the uncompressed size comes first.
      let extra = at + 46 + nameLength
      const extraEnd = extra + extraLength
      while (extra + 4 <= extraEnd) {
        if (u16(extra) === 0x0001 && extra + 12 <= extraEnd) {
          entrySize = u64(extra + 4)
          break
        }
        extra += 4 + u16(extra + 2)
      }
    }
    entries.push({ name, size: entrySize, encrypted: (flags & 0x1) !== 0 })
    at += 46 + nameLength + extraLength + commentLength
  }
  return { ok: true, entries }
}
