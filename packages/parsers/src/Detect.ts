/**
 * Sniffing helpers: what the leading bytes of a file are. They never look at the file name,
 * only at the bytes (at most the first 64 KiB core passes to `detect`).
 */

/** "xlsx", "xls", "ods", "pdf", "csv", or a phrase naming a file BatchOps does not read ("a PNG image"). */
export type DetectedFormat = "xlsx" | "xls" | "ods" | "pdf" | "csv" | (string & {})

/** Byte encodings a text file can be recognized by before it is decoded. */
export type TextEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "windows-1252"

const startsWith = (head: Uint8Array, bytes: ReadonlyArray<number>, at = 0): boolean => {
  if (head.length < at + bytes.length) return false
  for (let i = 0; i < bytes.length; i++) {
    if (head[at + i] !== bytes[i]) return false
  }
  return true
}

const ascii = (text: string): ReadonlyArray<number> => Array.from(text, (char) => char.charCodeAt(0))

const utf16le = (text: string): ReadonlyArray<number> => Array.from(text).flatMap((char) => [char.charCodeAt(0), 0])

/** Index of `needle` in `head`, or -1. */
const indexOf = (head: Uint8Array, needle: ReadonlyArray<number>, from = 0, to = head.length): number => {
  const first = needle[0]
  const last = Math.min(to, head.length) - needle.length
  for (let i = from; i <= last; i++) {
    if (head[i] === first && startsWith(head, needle, i)) return i
  }
  return -1
}

const ZIP = [0x50, 0x4b, 0x03, 0x04]
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06]
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]
const PDF = ascii("%PDF-")
const UTF8_BOM = [0xef, 0xbb, 0xbf]
const UTF16LE_BOM = [0xff, 0xfe]
const UTF16BE_BOM = [0xfe, 0xff]

/** True for a ZIP container (XLSX, ODS, DOCX... are all ZIP files). */
export const isZip = (head: Uint8Array): boolean => startsWith(head, ZIP)

/** True for an OLE2 compound file: legacy .xls/.doc, and password-protected XLSX. */
export const isOle2 = (head: Uint8Array): boolean => startsWith(head, OLE2)

/** True when `%PDF-` appears within the first KiB (some producers put junk before it). */
export const isPdf = (head: Uint8Array): boolean => indexOf(head, PDF, 0, 1024) >= 0

/** The encoding a byte order mark declares, if the file starts with one. */
export const bomEncoding = (head: Uint8Array): "utf-8-bom" | "utf-16le" | "utf-16be" | undefined => {
  if (startsWith(head, UTF8_BOM)) return "utf-8-bom"
  if (startsWith(head, UTF16LE_BOM)) return "utf-16le"
  if (startsWith(head, UTF16BE_BOM)) return "utf-16be"
  return undefined
}

/**
 * UTF-16 without a byte order mark: text that is mostly ASCII has a NUL in every other byte
 * (the high byte, second in little-endian, first in big-endian).
 */
export const sniffUtf16 = (head: Uint8Array): "utf-16le" | "utf-16be" | undefined => {
  const pairs = Math.min(head.length, 4096) >> 1
  if (pairs < 8) return undefined
  let evenNul = 0
  let oddNul = 0
  let textLike = 0
  for (let i = 0; i < pairs; i++) {
    const even = head[2 * i]!
    const odd = head[2 * i + 1]!
    if (even === 0) {
      evenNul++
      if (isTextByte(odd)) textLike++
    }
    if (odd === 0) {
      oddNul++
      if (isTextByte(even)) textLike++
    }
  }
  if (textLike < (evenNul + oddNul) * 0.95) return undefined
  if (oddNul >= pairs * 0.3 && evenNul <= pairs * 0.02) return "utf-16le"
  if (evenNul >= pairs * 0.3 && oddNul <= pairs * 0.02) return "utf-16be"
  return undefined
}

/** A byte that is printable ASCII/Latin-1 or a tab or line break (the low byte of a UTF-16 text character). */
const isTextByte = (byte: number) => byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d

/**
 * True when the bytes read as text: a UTF-16 byte order mark or UTF-16 pattern, or no NUL
 * bytes and few other control characters. An empty head is text (an empty CSV).
 */
export const looksLikeText = (head: Uint8Array): boolean => {
  const bom = bomEncoding(head)
  if (bom === "utf-16le" || bom === "utf-16be") return true
  if (sniffUtf16(head) !== undefined) return true
  let control = 0
  for (let i = 0; i < head.length; i++) {
    const byte = head[i]!
    if (byte === 0) return false
    // Tab, LF, VT, FF, CR and ESC appear in real text files; other C0 controls rarely do.
    if (byte < 0x20 && (byte < 0x09 || byte > 0x0d) && byte !== 0x1b) control++
  }
  return control <= head.length * 0.05
}

/** The first bytes as Latin-1 text, for looking for ASCII names inside binary containers. */
const latin1 = (head: Uint8Array): string =>
  Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString("latin1")

/** What kind of ZIP archive: undefined for a spreadsheet (XLSX, XLSM, XLSB, ODS). */
const describeZip = (head: Uint8Array): string | undefined => {
  const text = latin1(head)
  if (text.includes("xl/") || text.includes(OPEN_DOCUMENT_SPREADSHEET)) return undefined
  if (text.includes("word/")) return "a Word document (.docx)"
  if (text.includes("ppt/")) return "a PowerPoint presentation (.pptx)"
  if (text.includes("application/vnd.oasis.opendocument.text")) return "an OpenDocument text document (.odt)"
  if (text.includes("[Content_Types].xml")) return undefined // an Office file whose parts come later
  return "a ZIP archive"
}

/**
 * What kind of OLE2 compound file: undefined for a legacy Excel .xls workbook (what any other
 * compound file is taken for), else a password-protected Office 2007+ document or a legacy
 * Word or PowerPoint file.
 */
const describeOle2 = (head: Uint8Array): string | undefined => {
  if (indexOf(head, utf16le("EncryptedPackage")) >= 0) return "a password-protected Office document"
  if (indexOf(head, utf16le("WordDocument")) >= 0) return "a legacy Word 97-2003 .doc document"
  if (indexOf(head, utf16le("PowerPoint Document")) >= 0) return "a legacy PowerPoint 97-2003 .ppt presentation"
  return undefined
}

const OPEN_DOCUMENT_SPREADSHEET = "application/vnd.oasis.opendocument.spreadsheet"

/** Leading text of an ASCII-compatible head, without a UTF-8 BOM and leading whitespace, lower-cased. */
const leadingText = (head: Uint8Array): string => {
  const start = startsWith(head, UTF8_BOM) ? 3 : 0
  return latin1(head.subarray(start, start + 512))
    .trimStart()
    .slice(0, 200)
    .toLowerCase()
}

const MAGIC: ReadonlyArray<readonly [string, ReadonlyArray<number>, number?]> = [
  ["a PNG image", [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ["a JPEG image", [0xff, 0xd8, 0xff]],
  ["a GIF image", ascii("GIF87a")],
  ["a GIF image", ascii("GIF89a")],
  ["a TIFF image", [0x49, 0x49, 0x2a, 0x00]],
  ["a TIFF image", [0x4d, 0x4d, 0x00, 0x2a]],
  ["a gzip-compressed file", [0x1f, 0x8b]],
  ["a 7-Zip archive", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ["a RAR archive", ascii("Rar!\x1a\x07")],
  ["a ZIP archive", EMPTY_ZIP],
  ["an SQLite database", ascii("SQLite format 3\x00")],
  ["a program (ELF executable)", [0x7f, 0x45, 0x4c, 0x46]],
  ["a Rich Text (RTF) document", ascii("{\\rtf")],
]

/**
 * A few words naming a file BatchOps does not read, e.g. "a PNG image", or undefined for
 * text, workbooks, PDFs and binary data it does not recognize.
 */
export const describeBinary = (head: Uint8Array): string | undefined => {
  if (isZip(head)) return describeZip(head)
  if (isOle2(head)) return describeOle2(head)
  for (const [name, magic, at] of MAGIC) {
    if (startsWith(head, magic, at ?? 0)) return name
  }
  if (startsWith(head, ascii("RIFF")) && startsWith(head, ascii("WEBP"), 8)) return "a WebP image"
  if (startsWith(head, ascii("ftyp"), 4)) {
    const brand = latin1(head.subarray(8, 12))
    return /^(heic|heix|hevc|mif1|msf1|avif)$/.test(brand) ? "a HEIC/AVIF photo" : "a video or audio file (MP4/MOV)"
  }
  const text = leadingText(head)
  if (text.startsWith("<!doctype html") || text.startsWith("<html")) return "an HTML page"
  if (text.startsWith("<?xml")) {
    return text.includes("urn:schemas-microsoft-com:office:spreadsheet") || latin1(head).includes("<Workbook")
      ? "an Excel 2003 XML spreadsheet (save it as .xlsx or CSV)"
      : "an XML document"
  }
  return undefined
}

/**
 * The format the leading bytes call for: "ods" for a ZIP whose mimetype says OpenDocument
 * spreadsheet, "xlsx" for any other ZIP container (a ZIP that is not a workbook is explained by
 * the workbook parser), "xls" for an OLE2 compound file that is not another Office document,
 * "pdf", "csv" for text, else a phrase naming the file ("a PNG image") or "binary data" when
 * the bytes are not recognized.
 */
export const detectFormat = (head: Uint8Array): DetectedFormat => {
  if (isZip(head)) return latin1(head.subarray(0, 1024)).includes(OPEN_DOCUMENT_SPREADSHEET) ? "ods" : "xlsx"
  if (isOle2(head)) return describeOle2(head) ?? "xls"
  if (isPdf(head)) return "pdf"
  const known = describeBinary(head)
  if (known !== undefined) return known
  return looksLikeText(head) ? "csv" : "binary data"
}
