/**
 * Tables in PDF reports, read from the text layer with pdfjs-dist (the legacy build, which
 * runs in Node without a worker thread). Nothing is fetched: no fonts, no CMaps, no WASM.
 * What its streams expand to is measured before pdfjs reads the file; pages and pieces of
 * text are counted as they are read (ParserLimits).
 */
import { type FileParser, type FileSource, type ParsedFile, ParseError, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"
import type { PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs"
import { isPdf } from "./Detect.js"
import { libraryErrorText } from "./internal/libraryError.js"
import { count, megabytes, type ParserLimits, parserLimits, resourceLimit } from "./ParserLimits.js"
import { measureStreams } from "./PdfStreams.js"
import { extractTable, type TextPiece } from "./PdfTable.js"

/** Records per emitted chunk. */
const BATCH = 4096

const fail = (message: string) => new ParseError({ message, parser: "pdf" })

/** A failure while reading the PDF, turned into a ParseError at the Effect boundary. */
class PdfProblem extends Error {}

const PASSWORD_PROTECTED = "the PDF is password-protected; ask the department for an unprotected copy"

const toParseError = (error: unknown): ParseError => {
  if (error instanceof PdfProblem) return fail(error.message)
  const name = (error as { name?: unknown } | null)?.name
  if (name === "PasswordException") return fail(PASSWORD_PROTECTED)
  return fail(`the PDF could not be read: ${libraryErrorText(error)}`)
}

interface PdfText {
  readonly pages: number
  /** each page's upright text */
  readonly text: ReadonlyArray<ReadonlyArray<TextPiece>>
  /** text items in the PDF, in any orientation */
  readonly textItems: number
}

/** How many quarter turns counterclockwise text with this direction (a, b) is drawn at, or undefined when slanted. */
const quarterTurns = (a: number, b: number): 0 | 1 | 2 | 3 | undefined => {
  const degrees = (Math.atan2(b, a) * 180) / Math.PI
  const quarters = Math.round(degrees / 90)
  if (Math.abs(degrees - quarters * 90) > 2) return undefined
  return (((quarters % 4) + 4) % 4) as 0 | 1 | 2 | 3
}

/** A point in the frame where text drawn at `quarter` turns reads left to right, top to bottom. */
const turn = (quarter: 0 | 1 | 2 | 3, x: number, y: number): readonly [number, number] =>
  quarter === 0 ? [x, y] : quarter === 1 ? [y, -x] : quarter === 2 ? [-x, -y] : [-y, x]

type Page = Awaited<ReturnType<PDFDocumentProxy["getPage"]>>
type TextItem = Awaited<ReturnType<Page["getTextContent"]>>["items"][number]

/**
 * A page's text items as pdfjs produces them, batch by batch. A loop that leaves early only
 * releases the stream: pdfjs answers a cancelled text stream with errors nobody can catch,
 * and destroying the document ends it.
 */
async function* textItemsOf(page: Page): AsyncGenerator<TextItem> {
  const reader = (page.streamTextContent() as ReadableStream<{ items: Array<TextItem> }>).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield* value.items
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * The text pieces of every page in user-space coordinates, turned upright when the page's
 * text is drawn sideways or upside down. Slanted text (watermarks) is left out.
 */
const readText = async (bytes: Uint8Array, limits: ParserLimits, signal: AbortSignal): Promise<PdfText> => {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs")
  const task = getDocument({
    // pdfjs transfers the buffer to its (in-process) worker: give it a copy (never a Buffer
    // view of a shared pool) so the source's bytes stay intact.
    data: new Uint8Array(bytes),
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    useWasm: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    enableXfa: false,
    stopAtErrors: false,
    verbosity: 0,
  })
  try {
    const pdf = await task.promise
    if (pdf.numPages > limits.maxPdfPages) {
      throw new PdfProblem(
        `the PDF has ${count(pdf.numPages)} pages, more than ${count(limits.maxPdfPages)} ${resourceLimit("maxPdfPages")}`,
      )
    }
    const text: Array<Array<TextPiece>> = []
    let textItems = 0
    for (let number = 1; number <= pdf.numPages; number++) {
      if (signal.aborted) throw new PdfProblem("reading the PDF was interrupted")
      const page = await pdf.getPage(number)
      // Text in each of the four upright orientations, turned so it reads left to right.
      const turned: Array<Array<TextPiece>> = [[], [], [], []]
      // Streamed, so a page that draws millions of pieces stops at the limit rather than after.
      for await (const item of textItemsOf(page)) {
        if (!("str" in item) || item.str.trim() === "") continue
        if (++textItems > limits.maxPdfTextItems) {
          throw new PdfProblem(
            `the PDF draws more than ${count(limits.maxPdfTextItems)} pieces of text ${resourceLimit("maxPdfTextItems")}`,
          )
        }
        const [a, b, c, d, x, y] = item.transform as [number, number, number, number, number, number]
        // a damaged text matrix places the text nowhere
        if (![a, b, c, d, x, y].every(Number.isFinite)) continue
        const quarter = quarterTurns(a, b)
        if (quarter === undefined) continue // slanted text: a watermark or a stamp
        const [ux, uy] = turn(quarter, x, y)
        const size = item.height > 0 ? item.height : Math.hypot(c, d) || 1
        turned[quarter]!.push({ text: item.str, x: ux, y: uy, width: item.width, size })
      }
      // A page's table reads one way: keep the orientation most of its text has.
      const pieces = turned.reduce((most, next) => (next.length > most.length ? next : most))
      text.push(pieces)
      page.cleanup()
    }
    return { pages: pdf.numPages, text, textItems }
  } finally {
    await task.destroy()
  }
}

const parse = Effect.fn("PdfParser.parse")(function* (source: FileSource, limits: ParserLimits) {
  const bytes = yield* source.bytes()
  if (!isPdf(bytes.subarray(0, 1024)))
    return yield* fail("the PDF could not be read: the file does not start like a PDF")
  const passed = measureStreams(bytes, {
    maxStreamBytes: limits.maxPdfStreamBytes,
    maxTotalBytes: limits.maxExpandedBytes,
  })
  if (passed === "stream") {
    return yield* fail(
      `a stream of the PDF expands to more than ${megabytes(limits.maxPdfStreamBytes)} ${resourceLimit("maxPdfStreamBytes")}`,
    )
  }
  if (passed === "total") {
    return yield* fail(
      `the PDF's streams expand to more than ${megabytes(limits.maxExpandedBytes)} ${resourceLimit("maxExpandedBytes")}`,
    )
  }
  const { pages, text, textItems } = yield* Effect.tryPromise({
    try: (signal) => readText(bytes, limits, signal),
    catch: toParseError,
  })
  if (pages === 0) return yield* fail("the PDF could not be read: it has no pages")
  if (textItems === 0) {
    return yield* fail("the PDF has no text layer (a scanned image?), so no table can be read")
  }
  const table = yield* Effect.try({
    try: () => extractTable(text),
    catch: (error) =>
      fail(`no table could be read from the PDF: ${error instanceof Error ? error.message : String(error)}`),
  })
  if (table === undefined) return yield* fail("no table was found in the PDF")
  const batches: Array<ReadonlyArray<RawRecord>> = []
  for (let i = 0; i < table.length; i += BATCH) batches.push(table.slice(i, i + BATCH))
  const parsed: ParsedFile = {
    format: "pdf",
    records: Stream.fromIterable(batches),
    details: { pages, tableRows: table.length },
  }
  return parsed
})

/**
 * Tables in PDF reports: the largest column-aligned block of text, joined across pages. Read
 * within `limits` (each defaults to DEFAULT_PARSER_LIMITS').
 */
export const makePdfParser = (limits: Partial<ParserLimits> = {}): FileParser => {
  const resolved = parserLimits(limits)
  return { name: "pdf", detect: isPdf, parse: (source) => parse(source, resolved) }
}

/** Tables in PDF reports, with the default limits. */
export const PdfParser: FileParser = makePdfParser()
