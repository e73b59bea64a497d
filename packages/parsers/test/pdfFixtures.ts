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
