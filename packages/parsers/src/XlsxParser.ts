/**
 * Excel workbooks (XLSX, XLSM, XLSB) and OpenDocument spreadsheets (ODS) with SheetJS.
 * Cells are read as the department sees them (the formatted text Excel shows, never a
 * recalculated formula), from the first sheet that has data.
 */
import { type FileParser, type FileSource, type ParsedFile, ParseError, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"
import type * as SheetJS from "xlsx"
import { isOle2, isZip } from "./Detect.js"
import { libraryErrorText } from "./internal/libraryError.js"
import { readZipDirectory, type ZipEntry } from "./ZipDirectory.js"

/** Records per emitted chunk. */
const BATCH = 4096

/** The most a workbook may expand to in memory, and the most one part of it may. */
const MAX_EXPANDED_BYTES = 1024 * 1024 * 1024
const MAX_PART_BYTES = 400 * 1024 * 1024

const PASSWORD_PROTECTED = "the workbook is password-protected; ask the department for an unprotected copy"

const fail = (message: string) => new ParseError({ message, parser: "xlsx" })

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024)).toLocaleString("en-US")} MB`

/** Reading options: values only, no formulas, styles, macros or HTML; dates as the text Excel shows. */
const READ_OPTIONS: SheetJS.ParsingOptions = {
  type: "array",
  dense: true,
  cellFormula: false,
  cellHTML: false,
  cellNF: false,
  cellStyles: false,
  cellText: true,
  cellDates: false,
  sheetStubs: false,
  bookVBA: false,
  bookDeps: false,
  bookFiles: false,
  bookProps: false,
  WTF: false,
}

const textIncludes = (bytes: Uint8Array, text: string, encoding: "latin1" | "utf16le") =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(text, encoding))

/** What an OLE2 compound file is, as a failure: an encrypted workbook, or a legacy Office file. */
const ole2Failure = (bytes: Uint8Array): ParseError => {
  if (textIncludes(bytes, "EncryptedPackage", "utf16le") || textIncludes(bytes, "EncryptionInfo", "utf16le")) {
    return fail(PASSWORD_PROTECTED)
  }
  if (textIncludes(bytes, "WordDocument", "utf16le")) {
    return fail("the file is a legacy Word 97-2003 .doc document, not a format BatchOps reads")
  }
  return fail(
    "the file is a legacy Excel 97-2003 .xls workbook, not a format BatchOps reads; " +
      "ask the department to save it as .xlsx or CSV",
  )
}

/** Checks the ZIP directory: complete, not encrypted, a spreadsheet, and of a size memory can hold. Returns the format. */
const checkZip = (bytes: Uint8Array): "xlsx" | "ods" | ParseError => {
  const directory = readZipDirectory(bytes)
  if (!directory.ok) return fail(`the workbook is damaged or truncated: ${directory.problem}`)
  const names = new Set(directory.entries.map((entry) => entry.name))
  if (directory.entries.some((entry) => entry.encrypted)) return fail(PASSWORD_PROTECTED)
  let format: "xlsx" | "ods" | undefined
  if (names.has("xl/workbook.xml") || names.has("xl/workbook.bin")) format = "xlsx"
  else if (names.has("content.xml") && textIncludes(bytes, "application/vnd.oasis.opendocument.spreadsheet", "latin1"))
    format = "ods"
  if (format === undefined) return fail(`the file is ${describeZip(names)}, not a format BatchOps reads`)
  let total = 0
  let largest: ZipEntry | undefined
  for (const entry of directory.entries) {
    total += entry.size
    if (largest === undefined || entry.size > largest.size) largest = entry
  }
  if (largest !== undefined && largest.size > MAX_PART_BYTES) {
    return fail(
      `the workbook is too large to read: its part ${largest.name} expands to ${megabytes(largest.size)} ` +
        `(at most ${megabytes(MAX_PART_BYTES)}); send the table as CSV instead`,
    )
  }
  if (total > MAX_EXPANDED_BYTES) {
    return fail(
      `the workbook is too large to read: it expands to ${megabytes(total)} ` +
        `(at most ${megabytes(MAX_EXPANDED_BYTES)}); send the table as CSV instead`,
    )
  }
  return format
}

const describeZip = (names: ReadonlySet<string>): string => {
  if (names.has("word/document.xml")) return "a Word document (.docx)"
  if (names.has("ppt/presentation.xml")) return "a PowerPoint presentation (.pptx)"
  if (names.has("Index/Document.iwa")) return "an Apple Numbers document (export it as .xlsx or CSV)"
  if (names.has("content.xml")) return "an OpenDocument file that is not a spreadsheet"
  return "a ZIP archive"
}

/** The most cells (rows times columns from A1) a sheet may span. */
const MAX_CELLS = 40_000_000

interface Extent {
  /** index of the last row with a cell that shows text */
  readonly lastRow: number
  /** index of the last column with a cell that shows text */
  readonly lastColumn: number
}

const shown = (cell: SheetJS.CellObject | undefined | null): boolean => {
  if (cell === undefined || cell === null) return false
  const text = cell.w ?? (cell.v === undefined || cell.v === null ? "" : String(cell.v))
  return text.trim() !== ""
}

/**
 * Where the cells that show text end, or undefined for a sheet without any. Computed from
 * the cells themselves: the dimension a file declares can be far larger than its data.
 */
const dataExtent = (sheet: SheetJS.WorkSheet): Extent | undefined => {
  let lastRow = -1
  let lastColumn = -1
  const rows = sheet["!data"]
  if (rows !== undefined) {
    // Only the rows and cells present: one cell far down or across (row 4,294,967,295) leaves
    // a sparse array, and forEach would visit each of its billions of holes.
    for (const r of Object.keys(rows)) {
      const row = rows[Number(r)]
      if (row === undefined || row === null) continue
      for (const c of Object.keys(row)) {
        if (!shown(row[Number(c)])) continue
        lastRow = Number(r)
        if (Number(c) > lastColumn) lastColumn = Number(c)
      }
    }
  } else {
    for (const key of Object.keys(sheet)) {
      if (key.startsWith("!") || !shown(sheet[key] as SheetJS.CellObject)) continue
      const { r, c } = sheetjs().utils.decode_cell(key)
      if (r > lastRow) lastRow = r
      if (c > lastColumn) lastColumn = c
    }
  }
  return lastRow < 0 ? undefined : { lastRow, lastColumn }
}

interface Picked {
  readonly name: string
  readonly sheet: SheetJS.WorkSheet
  readonly extent: Extent
}

/** The sheet to read: the first visible sheet with data, else the first hidden one with data. */
const pickSheet = (workbook: SheetJS.WorkBook): Picked | undefined => {
  const visible: Array<Picked> = []
  const hidden: Array<Picked> = []
  workbook.SheetNames.forEach((name, index) => {
    // Own properties only: a sheet named "constructor" or "__proto__" must not resolve to Object's.
    const sheet = Object.hasOwn(workbook.Sheets, name) ? workbook.Sheets[name] : undefined
    const extent = sheet === undefined ? undefined : dataExtent(sheet)
    if (sheet === undefined || extent === undefined) return
    const isHidden = (workbook.Workbook?.Sheets?.[index]?.Hidden ?? 0) !== 0
    ;(isHidden ? hidden : visible).push({ name, sheet, extent })
  })
  return visible[0] ?? hidden[0]
}

/** Every row of the sheet from A1 to its last cell with data (blank rows and columns before the table kept, as in a CSV export). */
const sheetRecords = (sheet: SheetJS.WorkSheet, extent: Extent): Array<RawRecord> => {
  const rows = sheetjs().utils.sheet_to_json<Array<unknown>>(sheet, {
    header: 1,
    raw: false,
    defval: null,
    blankrows: true,
    range: { s: { r: 0, c: 0 }, e: { r: extent.lastRow, c: extent.lastColumn } },
  })
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const cell = row[i]
      if (cell !== null && typeof cell !== "string") row[i] = cell === undefined ? null : String(cell)
    }
  }
  return rows as Array<Array<string | null>>
}

/** SheetJS is large: it is loaded the first time a workbook is read, not when BatchOps starts. */
let loaded: typeof SheetJS | undefined
const loadSheetJS = Effect.promise(async () => {
  loaded ??= await import("xlsx")
})
const sheetjs = (): typeof SheetJS => loaded!

const parse = Effect.fn("XlsxParser.parse")(function* (source: FileSource) {
  const bytes = yield* source.bytes()
  if (bytes.length === 0) return yield* fail("the file is empty")
  if (isOle2(bytes)) return yield* ole2Failure(bytes)
  if (!isZip(bytes)) return yield* fail("the file is not an Excel workbook (it does not start like an XLSX file)")
  const format = checkZip(bytes)
  if (format instanceof ParseError) return yield* format

  yield* loadSheetJS
  const workbook = yield* Effect.try({
    try: () => sheetjs().read(bytes, READ_OPTIONS),
    catch: (error) => fail(`the workbook is damaged or truncated: ${libraryErrorText(error)}`),
  })
  const sheets = workbook.SheetNames.length
  if (sheets === 0) return yield* fail("the workbook has no sheets")
  const picked = pickSheet(workbook)
  if (picked === undefined) {
    return yield* fail(
      sheets === 1 ? "the workbook's only sheet is empty" : `all ${sheets} sheets of the workbook are empty`,
    )
  }
  const { lastRow, lastColumn } = picked.extent
  if ((lastRow + 1) * (lastColumn + 1) > MAX_CELLS) {
    return yield* fail(
      `the sheet "${picked.name}" is too large to read: it spans ${(lastRow + 1).toLocaleString("en-US")} rows ` +
        `and ${(lastColumn + 1).toLocaleString("en-US")} columns; send the table as CSV instead`,
    )
  }
  const records = yield* Effect.try({
    try: () => sheetRecords(picked.sheet, picked.extent),
    catch: (error) => fail(`the sheet "${picked.name}" could not be read: ${libraryErrorText(error)}`),
  })
  const batches: Array<ReadonlyArray<RawRecord>> = []
  for (let i = 0; i < records.length; i += BATCH) batches.push(records.slice(i, i + BATCH))
  const parsed: ParsedFile = {
    format,
    records: Stream.fromIterable(batches),
    details: { sheet: picked.name, sheets },
  }
  return parsed
})

/**
 * Excel workbooks. Also claims OLE2 files (legacy .xls, password-protected .xlsx) so they
 * fail with a message that says what they are.
 */
export const XlsxParser: FileParser = {
  name: "xlsx",
  detect: (head) => isZip(head) || isOle2(head),
  parse: (source) => parse(source),
}
