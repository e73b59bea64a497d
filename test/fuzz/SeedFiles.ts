/**
 * Valid files for the fuzzer to start from, made in code: a gradebook table drawn from the
 * case's random stream, written as CSV (several dialects and encodings), XLSX and ODS (with
 * SheetJS) or a PDF report (with pdfkit). Each is a file BatchOps publishes as it is.
 */
import PDFDocument from "pdfkit"
import * as XLSX from "xlsx"
import type { Random } from "./Random.js"
import { partContent, readZip, writeZip, zipPart } from "./Zip.js"

export type SeedFormat = "csv" | "xlsx" | "ods" | "pdf"

export const SEED_FORMATS: ReadonlyArray<SeedFormat> = ["csv", "xlsx", "ods", "pdf"]

/** A table: a header and rows of text or numbers (null for an empty cell). */
export type Table = ReadonlyArray<ReadonlyArray<string | number | null>>

const FIRST = ["Amara", "José", "Chloé", "Olivia", "Mateo", "Sofia", "Liam", "Aisha", "Noah", "Zoë", "Nguyễn", "李华"]
const LAST = ["Smith", "Brown", "Martin", "Li", "O'Neil", "García", "Novák", "Müller", "Okafor", "Dubois"]
const ID_HEADERS = ["Student ID", "student_no", "Roll No", "Admission No", "ID"]
const SUBJECTS = ["Math", "English", "Science", "History", "Art", "Music", "PE"]

/** A gradebook of 3 to 60 students: an id column, names, a class and 1 to 4 subjects with a few blanks. */
export const gradebook = (random: Random, latinOnly = false): Table => {
  const subjects = SUBJECTS.slice(0, random.int(1, 4))
  const first = latinOnly ? FIRST.filter((name) => /^[\x20-\xff]+$/.test(name)) : FIRST
  const header = [random.pick(ID_HEADERS), "First Name", "Last Name", "Class", ...subjects]
  const rows = Array.from({ length: random.int(3, 60) }, (_, i) => [
    `STU-2024-${String(i + 1).padStart(4, "0")}`,
    random.pick(first),
    random.pick(LAST),
    `${random.int(7, 12)}${random.pick(["A", "B", "C"])}`,
    ...subjects.map(() => (random.chance(0.05) ? null : Math.round(random.next() * 1000) / 10)),
  ])
  return [header, ...rows]
}

const quoteCell = (cell: string, delimiter: string, always: boolean) =>
  always || cell.includes(delimiter) || cell.includes('"') || cell.includes("\n")
    ? `"${cell.replaceAll('"', '""')}"`
    : cell

/** The table as delimited text, in a dialect and encoding drawn from `random`. */
export const csvBytes = (random: Random, table: Table): Uint8Array => {
  const delimiter = random.pick([",", ",", ";", "\t", "|"])
  const newline = random.pick(["\n", "\r\n", "\r"])
  const quoteAll = random.chance(0.2)
  const text =
    table
      .map((row) =>
        row.map((cell) => quoteCell(cell === null ? "" : String(cell), delimiter, quoteAll)).join(delimiter),
      )
      .join(newline) + (random.chance(0.7) ? newline : "")
  switch (random.pick(["utf-8", "utf-8", "utf-8-bom", "utf-16le", "windows-1252"] as const)) {
    case "utf-8":
      return new Uint8Array(Buffer.from(text, "utf8"))
    case "utf-8-bom":
      return new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]))
    case "utf-16le":
      return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))
    case "windows-1252":
      return new Uint8Array(Buffer.from(text, "latin1"))
  }
}

/**
 * The table as a workbook (XLSX or ODS), sometimes after an empty sheet, its entries stored
 * or deflated. SheetJS's ZIP is rewritten by the fuzzer's own writer, so the bytes are the
 * same on every run.
 */
export const workbookBytes = (random: Random, table: Table, bookType: "xlsx" | "ods"): Uint8Array => {
  const workbook = XLSX.utils.book_new()
  if (random.chance(0.2)) XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet([]), "Notes")
  XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet(table as Array<Array<unknown>>), "Grades")
  const written = new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType }))
  const deflate = random.chance(0.6)
  // ODS keeps its `mimetype` entry first and stored, as the format asks.
  return writeZip(
    readZip(written).map((part) => zipPart(part.name, partContent(part), deflate && part.name !== "mimetype")),
  )
}

const PAGE_ROWS = 40

/** The table drawn as a PDF report: a title, then rows at fixed columns, over as many pages as it needs. */
export const pdfBytes = (random: Random, table: Table): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: "A4",
      margin: 40,
      compress: random.chance(0.5),
      info: { CreationDate: new Date(Date.UTC(2024, 2, 1)) },
    })
    const chunks: Array<Uint8Array> = []
    doc.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))))
    doc.on("error", reject)
    const [header, ...rows] = table
    const width = 515 / header!.length
    const line = (cells: ReadonlyArray<string | number | null>, y: number) =>
      cells.forEach((cell, i) => {
        if (cell !== null) doc.text(String(cell), 40 + i * width, y, { lineBreak: false })
      })
    doc.font("Helvetica").fontSize(14).text("Gradebook - Westfield High School", 40, 40, { lineBreak: false })
    doc.fontSize(8)
    rows.forEach((row, i) => {
      const onPage = i % PAGE_ROWS
      if (i > 0 && onPage === 0) doc.addPage()
      if (onPage === 0) line(header!, 80)
      line(row, 96 + onPage * 16)
    })
    doc.end()
  })

/** A valid file of the format, drawn from `random`. */
export const seedFile = (random: Random, format: SeedFormat): Promise<Uint8Array> => {
  switch (format) {
    case "csv":
      return Promise.resolve(csvBytes(random, gradebook(random)))
    case "xlsx":
    case "ods":
      return Promise.resolve(workbookBytes(random, gradebook(random), format))
    case "pdf":
      // the standard PDF fonts draw Latin-1 only
      return pdfBytes(random, gradebook(random, true))
  }
}
