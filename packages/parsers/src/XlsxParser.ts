/**
 * Workbooks: Excel .xlsx/.xlsm and OpenDocument .ods streamed (the sheet's ZIP part is
 * inflated and its XML scanned as it arrives, rows handed on in chunks), legacy Excel 97-2003
 * .xls and binary .xlsb read whole with SheetJS. The sheet read is the first visible one that
 * holds a table; cells follow WorkbookCells. What must be held (shared strings, styles, the
 * workbook's lists, a whole .xlsb) is inflated within ParserLimits' expanded-bytes limit; a
 * streamed sheet within the expansion-ratio limit.
 */
import { type FileParser, type FileSource, type ParsedFile, ParseError, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"
import type * as SheetJS from "xlsx"
import { BoundedInflate, InflateLimitExceeded } from "./BoundedInflate.js"
import { describeBinary, isOle2, isZip } from "./Detect.js"
import { libraryErrorText } from "./internal/libraryError.js"
import { OdsContent } from "./OdsSheets.js"
import { count, megabytes, type ParserLimits, parserLimits, resourceLimit } from "./ParserLimits.js"
import { sheetJSRows } from "./SheetJSRows.js"
import { type SheetContent, SheetRecords, sheetContent, streamRecords } from "./SheetRecords.js"
import { SheetProblem, type SheetRows, type TextSource } from "./SheetXml.js"
import { readBook, readStyles, SharedStrings, XlsxSheetRows } from "./XlsxSheets.js"
import { entryData, readZipDirectory, type ZipBytes, type ZipEntry, zipBytes, zipFile } from "./ZipDirectory.js"
import { inflatePart, PartLimitExceeded, PartProblem, PartText, streamPart } from "./ZipParts.js"

type WorkbookFormat = "xlsx" | "xls" | "ods"

const PASSWORD_PROTECTED = "the workbook is password-protected; ask the department for an unprotected copy"

const fail = (message: string) => new ParseError({ message, parser: "xlsx" })

const damaged = (detail: string) => fail(`the workbook is damaged or truncated: ${detail}`)

const tooLarge = (limits: ParserLimits, detail = "") =>
  fail(
    `the workbook's shared text, styles and lists expand to more than ${megabytes(limits.maxExpandedBytes)}${detail} ` +
      `${resourceLimit("maxExpandedBytes")}; send the table as CSV instead`,
  )

const bomb = (part: string, limits: ParserLimits) =>
  fail(
    `the workbook's part ${part} expands more than ${count(limits.maxExpansionRatio)} times its ` +
      `compressed size, as a compression bomb does ${resourceLimit("maxExpansionRatio")}`,
  )

/** A failure thrown while a sheet is read, as the ParseError the department sees. */
const readFailure = (error: unknown, sheet: string, limits: ParserLimits): ParseError => {
  if (error instanceof ParseError) return error
  if (error instanceof PartLimitExceeded) return error.limit === "ratio" ? bomb(error.part, limits) : tooLarge(limits)
  if (error instanceof PartProblem) return damaged(error.message)
  const where = sheet === "" ? "" : `the sheet "${sheet}" cannot be read: `
  if (error instanceof SheetProblem) return fail(`${where}${error.message}`)
  return damaged(`${where}${libraryErrorText(error)}`)
}

const textIncludes = (bytes: Uint8Array, text: string, encoding: "latin1" | "utf16le") =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from(text, encoding))

/**
 * A sheet as the picker sees it: a name, whether it is hidden, and its rows, read afresh on
 * each call (looked at synchronously, only as far as asked). A streamed sheet also says how
 * its rows are read from its part's text as it inflates.
 */
interface Sheet {
  readonly name: string
  readonly hidden: boolean
  readonly rows: () => SheetRows
  readonly streamed?: { readonly part: string; readonly rows: (text: TextSource) => SheetRows }
}

interface Picked {
  readonly sheet: Sheet
  /** the visible sheets passed over because they hold notes rather than a table */
  readonly skipped: ReadonlyArray<string>
}

/**
 * The first visible sheet that holds a table (a header of at least two cells and a data row);
 * hidden sheets and sheets of notes are passed over. Fails, naming them, when none does.
 */
const pickSheet = (sheets: Iterable<Sheet>, total: number | undefined, limits: ParserLimits): Picked | ParseError => {
  const notes: Array<string> = []
  let hidden = 0
  let seen = 0
  for (const sheet of sheets) {
    seen += 1
    if (sheet.hidden) {
      hidden += 1
      continue
    }
    let content: SheetContent
    try {
      content = sheetContent(sheet.rows())
    } catch (error) {
      return readFailure(error, sheet.name, limits)
    }
    if (content.kind === "table") return { sheet, skipped: notes }
    if (content.kind === "error-header") {
      return fail(
        `the sheet "${sheet.name}" has only formula errors (such as #REF! or #N/A) in its header row (row ${content.row}): ` +
          "correct the formulas that make the column names, or type the names in, and send the workbook again",
      )
    }
    if (content.kind === "notes") notes.push(sheet.name)
  }
  const sheetCount = total ?? seen
  if (sheetCount === 0) return fail("the workbook has no sheets")
  const hiddenNote =
    hidden > 0 ? ` (${hidden === 1 ? "1 hidden sheet is" : `${hidden} hidden sheets are`} not read)` : ""
  if (notes.length === 0) {
    return fail(
      (sheetCount === 1 ? "the workbook's only sheet is empty" : `all ${sheetCount} sheets of the workbook are empty`) +
        hiddenNote,
    )
  }
  const names = notes.map((name) => `"${name}"`).join(", ")
  return fail(
    `no visible sheet of the workbook holds a table (a header row of at least two columns with data rows below it): ` +
      `${notes.length === 1 ? `the sheet ${names} holds` : `the sheets ${names} hold`} only notes or single values${hiddenNote}; ` +
      "put the table on a visible sheet, or send it as CSV",
  )
}

/** The parsed file: the picked sheet's records, read once more from its first row, in chunks. */
const parsedFile = (
  format: WorkbookFormat,
  picked: Picked,
  total: number | undefined,
  limits: ParserLimits,
  held?: HeldParts,
): ParsedFile => {
  const { sheet } = picked
  const streamed = sheet.streamed
  const records: Stream.Stream<ReadonlyArray<RawRecord>, ParseError> = streamed !== undefined && held !== undefined
    ? Stream.suspend(() =>
        Stream.fromAsyncIterable(streamRecords(held.stream(streamed.part), streamed.rows), (error) =>
          readFailure(error, sheet.name, limits),
        ),
      )
    : Stream.suspend(() =>
        Stream.unfold(new SheetRecords(sheet.rows()), (reader) =>
          Effect.try({
            try: (): readonly [ReadonlyArray<RawRecord>, SheetRecords] | undefined => {
              const chunk = reader.next()
              return chunk === undefined ? undefined : [chunk, reader]
            },
            catch: (error) => readFailure(error, sheet.name, limits),
          }),
        ),
      )
  return {
    format,
    records,
    details: {
      sheet: sheet.name,
      ...(total === undefined ? {} : { sheets: total }),
      ...(picked.skipped.length > 0 ? { skippedSheets: picked.skipped } : {}),
    },
  }
}

interface CheckedZip {
  readonly format: "xlsx" | "xlsb" | "ods"
  readonly entries: ReadonlyMap<string, ZipEntry>
}

const ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

/** Whether the `mimetype` part names an OpenDocument spreadsheet (a few bytes, read within a tight bound). */
const odsMimetype = (bytes: ZipBytes, entry: ZipEntry | undefined): boolean => {
  if (entry === undefined) return false
  try {
    return new TextDecoder().decode(inflatePart(bytes, entry, { maxBytes: 1024, maxRatio: 1 })).trim() === ODS_MIMETYPE
  } catch {
    return false
  }
}

const describeZip = (names: ReadonlySet<string>): string => {
  if (names.has("word/document.xml")) return "a Word document (.docx)"
  if (names.has("ppt/presentation.xml")) return "a PowerPoint presentation (.pptx)"
  if (names.has("Index/Document.iwa")) return "an Apple Numbers document (export it as .xlsx or CSV)"
  if (names.has("content.xml")) return "an OpenDocument file that is not a spreadsheet"
  return "a ZIP archive"
}

/** The parts held whole (everything but the sheets themselves, which stream). */
const isHeld = (name: string): boolean => !/^xl\/(worksheets|chartsheets|media|drawings)\//.test(name)

/**
 * Checks the ZIP directory: complete, not encrypted, a spreadsheet, not more parts than the
 * limit, and the parts held whole not declaring more than the limit (a declared size is
 * believed only when it refuses: what a part really expands to is counted as it is inflated).
 */
const checkZip = (bytes: ZipBytes, limits: ParserLimits): CheckedZip | ParseError => {
  const directory = readZipDirectory(bytes)
  if (!directory.ok) return damaged(directory.problem)
  const entries = new Map(directory.entries.map((entry) => [entry.name, entry]))
  const names = new Set(entries.keys())
  if (directory.entries.some((entry) => entry.encrypted)) return fail(PASSWORD_PROTECTED)
  let format: CheckedZip["format"] | undefined
  if (names.has("xl/workbook.xml")) format = "xlsx"
  else if (names.has("xl/workbook.bin")) format = "xlsb"
  else if (odsMimetype(bytes, entries.get("mimetype"))) format = "ods"
  if (format === undefined) return fail(`the file is ${describeZip(names)}, not a format BatchOps reads`)
  if (format === "ods" && !names.has("content.xml")) {
    return fail(
      "the OpenDocument spreadsheet has no content.xml, the part that holds its sheets: the file is damaged; " +
        "open it in LibreOffice or Excel and save it again, or send the table as CSV",
    )
  }
  if (directory.entries.length > limits.maxZipEntries) {
    return fail(
      `the workbook has ${count(directory.entries.length)} parts, more than ${count(limits.maxZipEntries)} ` +
        resourceLimit("maxZipEntries"),
    )
  }
  const declared = directory.entries.reduce((total, entry) => total + (isHeld(entry.name) ? entry.size : 0), 0)
  if (declared > limits.maxExpandedBytes) return tooLarge(limits, `: its directory says ${megabytes(declared)}`)
  return { format, entries }
}

/** A workbook's parts: those held whole read within what is left of the expanded-bytes limit, sheets streamed within the ratio limit. */
class HeldParts {
  #used = 0
  constructor(
    private readonly bytes: ZipBytes,
    private readonly entries: ReadonlyMap<string, ZipEntry>,
    private readonly limits: ParserLimits,
  ) {}

  #entry(name: string): ZipEntry {
    const entry = this.entries.get(name)
    if (entry === undefined) throw new PartProblem(`its part ${name} is missing`)
    return entry
  }

  /** A held part's bytes, counted against the limit, or undefined when the workbook has no such part. */
  content(name: string | undefined): Uint8Array | undefined {
    if (name === undefined || !this.entries.has(name)) return undefined
    const content = inflatePart(this.bytes, this.#entry(name), {
      maxBytes: this.limits.maxExpandedBytes - this.#used,
      maxRatio: this.limits.maxExpansionRatio,
    })
    this.#used += content.length
    return content
  }

  /** A held part's text, or undefined when the workbook has no such part. */
  text(name: string | undefined): string | undefined {
    const content = this.content(name)
    return content === undefined ? undefined : new TextDecoder().decode(content)
  }

  /** A streamed part's first pieces of text, inflated only as far as they are asked for. */
  look(name: string): PartText {
    return new PartText(this.bytes, this.#entry(name), {
      maxBytes: Number.POSITIVE_INFINITY,
      maxRatio: this.limits.maxExpansionRatio,
    })
  }

  /** A streamed part's text as it inflates: its size bounded by the ratio limit and the work limits, not by memory. */
  stream(name: string): AsyncIterable<string> {
    return streamPart(this.bytes, this.#entry(name), this.limits.maxExpansionRatio)
  }
}

const NO_ROWS: SheetRows = { nextRow: () => undefined }

/** An .xlsx: its sheets stream from their parts. */
const openXlsx = (held: HeldParts, names: ReadonlySet<string>) => {
  const book = readBook(held.text("xl/workbook.xml") ?? "", held.text("xl/_rels/workbook.xml.rels"), names)
  const stylesText = held.text(book.styles)
  const styles = stylesText === undefined ? [] : readStyles(stylesText)
  const sharedStrings = held.content(book.sharedStrings)
  const strings = sharedStrings === undefined ? SharedStrings.empty : SharedStrings.read(sharedStrings)
  const sheets: Array<Sheet> = book.sheets.map((sheet) => {
    const part = sheet.part
    if (part === undefined || !names.has(part)) return { name: sheet.name, hidden: sheet.hidden, rows: () => NO_ROWS }
    const rows = (text: TextSource) => new XlsxSheetRows(text, strings, styles, book.date1904)
    return { name: sheet.name, hidden: sheet.hidden, rows: () => rows(held.look(part)), streamed: { part, rows } }
  })
  return { sheets, total: sheets.length }
}

/** The rows of the `index`-th sheet of an .ods content.xml, reached by reading past the sheets before it. */
const odsSheetRows = (text: TextSource, index: number): SheetRows => {
  const content = new OdsContent(text)
  let opened = 0
  return {
    nextRow: () => {
      // each step may wait for more text (NEED_MORE) and is taken again: `opened` counts only those done
      while (opened <= index) {
        content.nextTable()
        opened += 1
      }
      return content.nextRow()
    },
  }
}

/** An .ods: its sheets follow one another in content.xml, streamed; each is reached by reading past those before it. */
const openOds = (held: HeldParts) => {
  const sheets = function* (): Generator<Sheet> {
    const content = new OdsContent(held.look("content.xml"))
    for (let index = 0, table = content.nextTable(); table !== undefined; index++, table = content.nextTable()) {
      const position = index
      const rows = (text: TextSource) => odsSheetRows(text, position)
      // looking at it goes on with this pass over content.xml; reading it opens content.xml again
      yield { name: table.name, hidden: table.hidden, rows: () => content, streamed: { part: "content.xml", rows } }
    }
  }
  return { sheets: sheets(), total: undefined }
}

/** SheetJS as BatchOps uses it: its reader of an already opened ZIP container is not in its type declarations. */
type SheetJSLibrary = typeof SheetJS & {
  parse_zip: (container: unknown, options: SheetJS.ParsingOptions) => SheetJS.WorkBook
}

/** SheetJS is large: it is loaded the first time a legacy or binary workbook is read, not when BatchOps starts. */
let loaded: SheetJSLibrary | undefined
const loadSheetJS = Effect.promise(async () => {
  loaded ??= (await import("xlsx")) as unknown as SheetJSLibrary
  return loaded
})

/** Reading options for SheetJS: values and number formats only, no formulas, styles, macros or HTML. */
const READ_OPTIONS: SheetJS.ParsingOptions = {
  type: "array",
  dense: true,
  cellFormula: false,
  cellHTML: false,
  cellNF: true,
  cellStyles: false,
  cellText: false,
  cellDates: false,
  sheetStubs: false,
  bookVBA: false,
  bookDeps: false,
  bookFiles: false,
  bookProps: false,
  WTF: false,
}

/** The sheets of a workbook SheetJS has read whole. */
const sheetJSSheets = (workbook: SheetJS.WorkBook): Array<Sheet> => {
  const date1904 = workbook.Workbook?.WBProps?.date1904 === true
  return workbook.SheetNames.map((name, index) => {
    // Own properties only: a sheet named "constructor" or "__proto__" must not resolve to Object's.
    const sheet = Object.hasOwn(workbook.Sheets, name) ? workbook.Sheets[name] : undefined
    return {
      name,
      hidden: (workbook.Workbook?.Sheets?.[index]?.Hidden ?? 0) !== 0,
      rows: () => (sheet === undefined ? { nextRow: () => undefined } : sheetJSRows(sheet, date1904)),
    }
  })
}

/** An OLE2 compound file: a legacy .xls read whole, or a failure saying what else it is. */
const readLegacy = Effect.fn("XlsxParser.readLegacy")(function* (bytes: Uint8Array, limits: ParserLimits) {
  if (textIncludes(bytes, "EncryptedPackage", "utf16le") || textIncludes(bytes, "EncryptionInfo", "utf16le")) {
    return yield* fail(PASSWORD_PROTECTED)
  }
  if (textIncludes(bytes, "WordDocument", "utf16le")) {
    return yield* fail("the file is a legacy Word 97-2003 .doc document, not a format BatchOps reads")
  }
  if (textIncludes(bytes, "PowerPoint Document", "utf16le")) {
    return yield* fail("the file is a legacy PowerPoint 97-2003 .ppt presentation, not a format BatchOps reads")
  }
  const sheetjs = yield* loadSheetJS
  const workbook = yield* Effect.try({
    try: () => sheetjs.read(bytes, { ...READ_OPTIONS }),
    catch: (error) =>
      /password|encrypt/i.test(libraryErrorText(error))
        ? fail(PASSWORD_PROTECTED)
        : fail(`the .xls workbook is damaged or cannot be read: ${libraryErrorText(error)}`),
  })
  const sheets = sheetJSSheets(workbook)
  const picked = pickSheet(sheets, sheets.length, limits)
  if (picked instanceof ParseError) return yield* picked
  return parsedFile("xls", picked, sheets.length, limits)
})

/** A binary .xlsb: every part inflated within the limits, then read whole by SheetJS. */
const readXlsb = Effect.fn("XlsxParser.readXlsb")(function* (
  bytes: ZipBytes,
  entries: ReadonlyMap<string, ZipEntry>,
  limits: ParserLimits,
) {
  let total = 0
  const parts: Array<{ name: string; content: Uint8Array }> = []
  for (const entry of entries.values()) {
    const data = entryData(bytes, entry)
    if (typeof data === "string") return yield* damaged(data)
    if (entry.method !== 0 && entry.method !== 8) {
      return yield* damaged(`its part ${entry.name} uses ZIP compression method ${entry.method}`)
    }
    const chunks: Array<Uint8Array> = []
    if (entry.method === 0) chunks.push(data)
    else {
      const inflater = new BoundedInflate(
        { maxBytes: limits.maxExpandedBytes - total, maxRatio: limits.maxExpansionRatio },
        (chunk) => chunks.push(chunk),
      )
      try {
        inflater.push(data, true)
      } catch (error) {
        if (!(error instanceof InflateLimitExceeded)) {
          return yield* damaged(`its part ${entry.name} cannot be inflated: ${libraryErrorText(error)}`)
        }
        return yield* error.limit === "bytes" ? tooLarge(limits) : bomb(entry.name, limits)
      }
    }
    const content = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
    total += content.length
    if (total > limits.maxExpandedBytes) return yield* tooLarge(limits)
    parts.push({ name: entry.name, content })
  }
  const sheetjs = yield* loadSheetJS
  const workbook = yield* Effect.try({
    try: () => {
      const container = sheetjs.CFB.utils.cfb_new()
      for (const { name, content } of parts) sheetjs.CFB.utils.cfb_add(container, name, content, { unsafe: true })
      return sheetjs.parse_zip(container, { ...READ_OPTIONS })
    },
    catch: (error) => damaged(libraryErrorText(error)),
  })
  const sheets = sheetJSSheets(workbook)
  const picked = pickSheet(sheets, sheets.length, limits)
  if (picked instanceof ParseError) return yield* picked
  return parsedFile("xlsx", picked, sheets.length, limits)
})

/** A web page saved under an Excel name, as some school systems export their tables. */
const htmlFailure = (name: string) =>
  fail(
    `the file is a web page (HTML), not a workbook${/\.xlsx?$/i.test(name) ? ", although its name ends in .xls" : ""}: ` +
      "BatchOps does not read HTML tables; open the file in Excel or LibreOffice and save it as .xlsx or CSV",
  )

const parse = Effect.fn("XlsxParser.parse")(function* (source: FileSource, limits: ParserLimits) {
  const head = yield* source.head(1024)
  if (head.length === 0) return yield* fail("the file is empty")
  if (isOle2(head)) return yield* readLegacy(yield* source.bytes(), limits)
  if (!isZip(head)) {
    if (describeBinary(head) === "an HTML page") return yield* htmlFailure(source.name)
    return yield* fail("the file is not an Excel workbook (it does not start like an XLSX file)")
  }
  // a file on disk is read where it lies, a range at a time: its sheet streams without the file held
  const bytes = source.path === undefined ? zipBytes(yield* source.bytes()) : zipFile(source.path, source.size)
  const zip = yield* Effect.try({
    try: () => checkZip(bytes, limits),
    catch: (error) => readFailure(error, "", limits),
  })
  if (zip instanceof ParseError) return yield* zip
  if (zip.format === "xlsb") return yield* readXlsb(bytes, zip.entries, limits)

  const held = new HeldParts(bytes, zip.entries, limits)
  const names = new Set(zip.entries.keys())
  return yield* Effect.try({
    try: () => {
      const { sheets, total } = zip.format === "ods" ? openOds(held) : openXlsx(held, names)
      const picked = pickSheet(sheets, total, limits)
      if (picked instanceof ParseError) throw picked
      return parsedFile(zip.format === "ods" ? "ods" : "xlsx", picked, total, limits, held)
    },
    catch: (error) => readFailure(error, "", limits),
  })
})

/**
 * Workbooks, read within `limits` (each defaults to DEFAULT_PARSER_LIMITS'). Claims ZIP and
 * OLE2 files (.xlsx, .ods, .xls, and password-protected or other Office files, so they fail
 * with a message that says what they are) and HTML pages (an HTML table saved as .xls).
 */
export const makeXlsxParser = (limits: Partial<ParserLimits> = {}): FileParser => {
  const resolved = parserLimits(limits)
  return {
    name: "xlsx",
    detect: (head) => isZip(head) || isOle2(head) || describeBinary(head.subarray(0, 1024)) === "an HTML page",
    parse: (source) => parse(source, resolved),
  }
}

/** Workbooks, with the default limits. */
export const XlsxParser: FileParser = makeXlsxParser()
