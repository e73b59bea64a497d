/**
 * Excel workbooks (XLSX, XLSM, XLSB) and OpenDocument spreadsheets (ODS) with SheetJS.
 * Cells are read as the department sees them (the formatted text Excel shows, never a
 * recalculated formula), from the first sheet that has data. The ZIP's parts are inflated
 * here, within ParserLimits, and SheetJS reads them already inflated.
 */
import { type FileParser, type FileSource, type ParsedFile, ParseError, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"
import type * as SheetJS from "xlsx"
import { BoundedInflate, InflateLimitExceeded } from "./BoundedInflate.js"
import { isOle2, isZip } from "./Detect.js"
import { libraryErrorText } from "./internal/libraryError.js"
import { count, megabytes, type ParserLimits, parserLimits, resourceLimit } from "./ParserLimits.js"
import { entryData, readZipDirectory, type ZipEntry } from "./ZipDirectory.js"

/** Records per emitted chunk. */
const BATCH = 4096

const PASSWORD_PROTECTED = "the workbook is password-protected; ask the department for an unprotected copy"

const fail = (message: string) => new ParseError({ message, parser: "xlsx" })

const tooLarge = (limits: ParserLimits, detail = "") =>
  fail(
    `the workbook expands to more than ${megabytes(limits.maxExpandedBytes)}${detail} ` +
      `${resourceLimit("maxExpandedBytes")}; send the table as CSV instead`,
  )

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

interface CheckedZip {
  readonly format: "xlsx" | "ods"
  readonly entries: ReadonlyArray<ZipEntry>
}

/**
 * Checks the ZIP directory: complete, not encrypted, a spreadsheet, not more parts than the
 * limit, and not declaring more than the limit (a declared size is believed only when it
 * refuses: what a part really expands to is counted as it is inflated).
 */
const checkZip = (bytes: Uint8Array, limits: ParserLimits): CheckedZip | ParseError => {
  const directory = readZipDirectory(bytes)
  if (!directory.ok) return fail(`the workbook is damaged or truncated: ${directory.problem}`)
  const { entries } = directory
  const names = new Set(entries.map((entry) => entry.name))
  if (entries.some((entry) => entry.encrypted)) return fail(PASSWORD_PROTECTED)
  let format: "xlsx" | "ods" | undefined
  if (names.has("xl/workbook.xml") || names.has("xl/workbook.bin")) format = "xlsx"
  else if (names.has("content.xml") && textIncludes(bytes, "application/vnd.oasis.opendocument.spreadsheet", "latin1"))
    format = "ods"
  if (format === undefined) return fail(`the file is ${describeZip(names)}, not a format BatchOps reads`)
  if (entries.length > limits.maxZipEntries) {
    return fail(
      `the workbook has ${count(entries.length)} parts, more than ${count(limits.maxZipEntries)} ` +
        resourceLimit("maxZipEntries"),
    )
  }
  const declared = entries.reduce((total, entry) => total + entry.size, 0)
  if (declared > limits.maxExpandedBytes) return tooLarge(limits, `: its directory says ${megabytes(declared)}`)
  return { format, entries }
}

interface Part {
  readonly name: string
  readonly content: Uint8Array
}

/**
 * Inflates every part, counting what really comes out: the whole workbook may expand to
 * `maxExpandedBytes`, and a part past 8 MB to `maxExpansionRatio` times its compressed size,
 * whatever the directory declares.
 */
const inflateParts = (
  bytes: Uint8Array,
  entries: ReadonlyArray<ZipEntry>,
  limits: ParserLimits,
): Array<Part> | ParseError => {
  const parts: Array<Part> = []
  let total = 0
  for (const entry of entries) {
    const data = entryData(bytes, entry)
    if (typeof data === "string") return fail(`the workbook is damaged or truncated: ${data}`)
    let content: Uint8Array
    if (entry.method === 0) {
      content = data
    } else if (entry.method === 8) {
      const chunks: Array<Uint8Array> = []
      const inflater = new BoundedInflate(
        { maxBytes: limits.maxExpandedBytes - total, maxRatio: limits.maxExpansionRatio },
        (chunk) => chunks.push(chunk),
      )
      try {
        inflater.push(data, true)
      } catch (error) {
        if (!(error instanceof InflateLimitExceeded)) {
          return fail(
            `the workbook is damaged or truncated: its part ${entry.name} cannot be inflated: ${libraryErrorText(error)}`,
          )
        }
        if (error.limit === "bytes") return tooLarge(limits)
        return fail(
          `the workbook's part ${entry.name} expands more than ${count(limits.maxExpansionRatio)} times its ` +
            `compressed size, as a compression bomb does ${resourceLimit("maxExpansionRatio")}`,
        )
      }
      content = Buffer.concat(chunks)
    } else {
      return fail(
        `the workbook is damaged or truncated: its part ${entry.name} uses ZIP compression method ${entry.method}`,
      )
    }
    total += content.length
    if (total > limits.maxExpandedBytes) return tooLarge(limits)
    parts.push({ name: entry.name, content })
  }
  return parts
}

/** The parts as the container SheetJS reads workbooks from, added as its own ZIP reader adds them. */
const container = (parts: ReadonlyArray<Part>): unknown => {
  const { utils } = sheetjs().CFB
  const opened = utils.cfb_new()
  for (const { name, content } of parts) utils.cfb_add(opened, name, content, { unsafe: true })
  return opened
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

/** SheetJS as BatchOps uses it: its reader of an already opened ZIP container is not in its type declarations. */
type SheetJSLibrary = typeof SheetJS & {
  parse_zip: (container: unknown, options: SheetJS.ParsingOptions) => SheetJS.WorkBook
}

/** SheetJS is large: it is loaded the first time a workbook is read, not when BatchOps starts. */
let loaded: SheetJSLibrary | undefined
const loadSheetJS = Effect.promise(async () => {
  loaded ??= (await import("xlsx")) as unknown as SheetJSLibrary
})
const sheetjs = (): SheetJSLibrary => loaded!

const parse = Effect.fn("XlsxParser.parse")(function* (source: FileSource, limits: ParserLimits) {
  const bytes = yield* source.bytes()
  if (bytes.length === 0) return yield* fail("the file is empty")
  if (isOle2(bytes)) return yield* ole2Failure(bytes)
  if (!isZip(bytes)) return yield* fail("the file is not an Excel workbook (it does not start like an XLSX file)")
  const zip = checkZip(bytes, limits)
  if (zip instanceof ParseError) return yield* zip
  const { format } = zip

  // Inflated within the limits before SheetJS is even loaded: a bomb never costs its import.
  const parts = inflateParts(bytes, zip.entries, limits)
  if (parts instanceof ParseError) return yield* parts
  yield* loadSheetJS
  const workbook = yield* Effect.try({
    try: () => sheetjs().parse_zip(container(parts), { ...READ_OPTIONS }),
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
 * Excel workbooks, read within `limits` (each defaults to DEFAULT_PARSER_LIMITS'). Also claims
 * OLE2 files (legacy .xls, password-protected .xlsx) so they fail with a message that says
 * what they are.
 */
export const makeXlsxParser = (limits: Partial<ParserLimits> = {}): FileParser => {
  const resolved = parserLimits(limits)
  return {
    name: "xlsx",
    detect: (head) => isZip(head) || isOle2(head),
    parse: (source) => parse(source, resolved),
  }
}

/** Excel workbooks, with the default limits. */
export const XlsxParser: FileParser = makeXlsxParser()
