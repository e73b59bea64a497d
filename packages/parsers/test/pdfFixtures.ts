/**
 * PDF fixtures drawn with pdfkit: a gradebook report whose table runs over several pages,
 * with a title, page headers and footers, a header row repeated on each page, and cells
 * whose text wraps onto a second line.
 */
import PDFDocument from "pdfkit"

export type Draw = (doc: PDFKit.PDFDocument) => void

/** The bytes of a PDF drawn by `draw`. */
export const pdfBytes = (draw: Draw, options: PDFKit.PDFDocumentOptions = {}): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: "A4", margin: 40, ...options })
    const chunks: Array<Uint8Array> = []
    doc.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))))
    doc.on("error", reject)
    draw(doc)
    doc.end()
  })

export interface Student {
  readonly id: string
  readonly name: string
  readonly score: string
  readonly grade: string
  readonly comment: string
}

export const HEADER = ["Student ID", "Name", "Score", "Grade", "Comment"]

/** 120 students; a few ids and names wrap inside their cell, a few comments are empty. */
export const STUDENTS: ReadonlyArray<Student> = Array.from({ length: 120 }, (_, i) => ({
  id: `STU-2024-${String(i + 1).padStart(4, "0")}`,
  name: i === 40 ? "Maria del Carmen Rodriguez" : `Student ${String.fromCharCode(65 + (i % 26))}. Number${i + 1}`,
  score: String(40 + ((i * 7) % 61)),
  grade: ["A", "B", "C", "D"][i % 4]!,
  comment: i % 9 === 4 ? "" : i % 2 === 0 ? "Steady progress" : "Needs practice",
}))

/** Rows whose student id is drawn as "STU-2024-" on one line and the number on the next. */
export const SPLIT_IDS = new Set([16, 33, 64, 99, 119]) // STU-2024-0017, -0034, -0065, -0100, -0120

const COLUMNS = { id: 40, name: 150, score: 330, grade: 390, comment: 440 }
const PITCH = 16
const WRAP = 10

/** The gradebook report: title on page 1, page header and "Page n of m" footer on each page. */
export const drawGradebook: Draw = (doc) => {
  const pages: Array<() => void> = []
  let y = 0
  let page = 0
  const startPage = () => {
    if (page > 0) doc.addPage()
    page += 1
    doc.font("Helvetica").fontSize(8)
    doc.text("Westfield High School", 40, 28, { lineBreak: false })
    doc.text("Printed 2024-03-01", 480, 28, { lineBreak: false })
    y = 60
    if (page === 1) {
      doc.fontSize(16).text("Gradebook - Period 3 Mathematics", 40, 52, { lineBreak: false })
      y = 90
    }
    doc.fontSize(9)
    row(HEADER)
    const n = page
    pages.push(() => {
      doc.switchToPage(n - 1)
      doc.fontSize(8).text(`Page ${n} of ${pagesTotal()}`, 270, 790, { lineBreak: false })
    })
  }
  const pagesTotal = () => pages.length
  const row = (cells: ReadonlyArray<string>) => {
    const [id, name, score, grade, comment] = cells as [string, string, string, string, string]
    doc.text(id, COLUMNS.id, y, { lineBreak: false })
    doc.text(name, COLUMNS.name, y, { lineBreak: false })
    doc.text(score, COLUMNS.score, y, { width: 30, align: "right", lineBreak: false })
    doc.text(grade, COLUMNS.grade, y, { lineBreak: false })
    if (comment !== "") doc.text(comment, COLUMNS.comment, y, { lineBreak: false })
    y += PITCH
  }
  startPage()
  STUDENTS.forEach((student, i) => {
    if (y > 760) startPage()
    const splitId = SPLIT_IDS.has(i)
    const wrapName = student.name.length > 24
    row([
      splitId ? "STU-2024-" : student.id,
      wrapName ? "Maria del Carmen" : student.name,
      student.score,
      student.grade,
      student.comment,
    ])
    if (splitId || wrapName) {
      const below = y - PITCH + WRAP
      if (splitId) doc.text(student.id.slice("STU-2024-".length), COLUMNS.id, below, { lineBreak: false })
      if (wrapName) doc.text("Rodriguez", COLUMNS.name, below, { lineBreak: false })
      y += WRAP
    }
  })
  for (const footer of pages) footer()
}

/**
 * A PDF written object by object (object i + 1 is `objects[i]`), with its cross-reference
 * table and a trailer whose root is object 1: for files pdfkit would not write.
 */
export const handWrittenPdf = (objects: ReadonlyArray<string | Uint8Array>): Uint8Array => {
  const parts: Array<Buffer> = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")]
  let length = parts[0]!.length
  const offsets: Array<number> = []
  const add = (part: string | Uint8Array) => {
    const buffer = typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part)
    parts.push(buffer)
    length += buffer.length
  }
  objects.forEach((body, i) => {
    offsets.push(length)
    add(`${i + 1} 0 obj\n`)
    add(body)
    add("\nendobj\n")
  })
  const xref = length
  add(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`)
  add(offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join(""))
  add(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`)
  return new Uint8Array(Buffer.concat(parts))
}

/** A stream object: its dictionary entries (besides /Length) and its data. */
export const streamObject = (entries: string, data: Uint8Array): Uint8Array =>
  Buffer.concat([
    Buffer.from(`<< /Length ${data.length} ${entries} >>\nstream\n`, "latin1"),
    data,
    Buffer.from("\nendstream", "latin1"),
  ])

const FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"

/**
 * A PDF of `contents.length` pages, page i drawn by the content stream `contents[i]` (an
 * object: its dictionary entries and data), all pages on one Helvetica font.
 */
export const pagesPdf = (contents: ReadonlyArray<Uint8Array>, pageCount = contents.length): Uint8Array => {
  const firstPage = 4 + contents.length
  const kids = Array.from({ length: pageCount }, (_, i) => `${firstPage + i} 0 R`).join(" ")
  return handWrittenPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Count ${pageCount} /Kids [${kids}] >>`,
    FONT,
    ...contents,
    ...Array.from(
      { length: pageCount },
      (_, i) =>
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${4 + (i % contents.length)} 0 R ` +
        "/Resources << /Font << /F1 3 0 R >> >> >>",
    ),
  ])
}

/** A plain content stream that writes one line of text. */
export const textContent = (text: string): Uint8Array =>
  streamObject("", Buffer.from(`BT /F1 10 Tf 72 720 Td (${text}) Tj ET`, "latin1"))

/**
 * LZWDecode data (codes of 9 to 12 bits, early change) that decodes to `cycles` runs of the
 * byte, each of about 6.8 MB: per run, the codes for 1, 2, 3 ... 3,701 copies of it, which is
 * how LZW encodes a run, then a clear code.
 */
export const lzwRun = (byte: number, cycles: number): Uint8Array => {
  const out: Array<number> = []
  let buffer = 0
  let bits = 0
  const emit = (code: number, width: number) => {
    buffer = (buffer << width) | code
    bits += width
    while (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff)
      bits -= 8
    }
    buffer &= (1 << bits) - 1
  }
  let width = 9
  for (let cycle = 0; cycle < cycles; cycle++) {
    emit(256, width)
    width = 9
    let next = 258
    emit(byte, width)
    for (let code = 258; code < 258 + 3700; code++) {
      next++
      if (next >= 1 << width && width < 12) width++
      emit(code, width)
    }
    next++
    if (next >= 1 << width && width < 12) width++
  }
  emit(257, width)
  if (bits > 0) out.push((buffer << (8 - bits)) & 0xff)
  return Uint8Array.from(out)
}

/** ASCII85Encode: each 4 bytes as 5 characters from "!" to "u" ("z" for four zeros), ending in "~>". */
export const ascii85 = (data: Uint8Array): Uint8Array => {
  let out = ""
  for (let at = 0; at < data.length; at += 4) {
    const group = data.subarray(at, at + 4)
    const padded = Uint8Array.from([0, 1, 2, 3].map((i) => group[i] ?? 0))
    let value = new DataView(padded.buffer).getUint32(0)
    if (value === 0 && group.length === 4) {
      out += "z"
      continue
    }
    const digits: Array<string> = []
    for (let i = 0; i < 5; i++) {
      digits.unshift(String.fromCharCode(33 + (value % 85)))
      value = Math.floor(value / 85)
    }
    out += digits.slice(0, group.length + 1).join("")
  }
  return Buffer.from(`${out}~>`, "latin1")
}
