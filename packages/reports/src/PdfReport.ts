/**
 * The PDF report of a run: what was processed and how, the summary table or the first rows of
 * the dataset, the warnings and the operator's note, on numbered pages. Drawn with pdfkit and an
 * embedded Unicode font (see Fonts.ts), so names in any script of the font read as written.
 */
import type { Cell, Problem, PublishRequest, PublishResult, Row } from "@batchops/core"
import { SUMMARY_COLUMNS } from "@batchops/core"
import { formatNumber } from "./CsvFormat.js"
import {
  type Face,
  type FontWeight,
  type GlyphCoverage,
  type ParsedFont,
  parsedFonts,
  type Run,
  splitRuns,
} from "./Fonts.js"

/** Everything a report shows: the request that opened the publishing session and its result. */
export type ReportDocument = PublishRequest & PublishResult

/** How many problems the report lists (the count of all of them is shown too). */
export const MAX_LISTED_PROBLEMS = 50
/** How many preview rows the report shows at most. */
export const MAX_PREVIEW_ROWS = 500

const A4: [number, number] = [595.28, 841.89]
const MARGIN = 42
const TOP = 56
const BOTTOM = 54
const BAND_HEIGHT = 88
const CELL_PAD = 5
const MIN_COLUMN_WIDTH = 44
const MAX_NATURAL_WIDTH = 170

const COLOR = {
  band: "#1F3A5F",
  bandMuted: "#B9C9DD",
  heading: "#1F3A5F",
  text: "#1F2933",
  muted: "#5F6B7A",
  rule: "#C9D2DC",
  headerFill: "#E6ECF3",
  zebra: "#F4F7FA",
  boxFill: "#F8FAFC",
  warning: "#9A5B00",
} as const

/** The ISO 8601 time in UTC, or "unknown" for an invalid date. */
export const isoTime = (date: Date): string => (Number.isNaN(date.getTime()) ? "unknown" : date.toISOString())

/** A problem as one line of the report, e.g. "row 4, score: 'abc' is not a number". */
export const problemLine = (problem: Problem): string => {
  const where: Array<string> = []
  if (problem.row !== undefined) where.push(`row ${problem.row}`)
  if (problem.column !== undefined && problem.column !== "") where.push(problem.column)
  return where.length > 0 ? `${where.join(", ")}: ${problem.message}` : problem.message
}

/** A cell's text in the report: numbers as in the CSV files, missing cells empty, on one line. */
const cellText = (cell: Cell): string => {
  if (cell === undefined) return ""
  if (typeof cell === "number") return formatNumber(cell)
  return oneLine(cell)
}

const oneLine = (text: string): string => text.replace(/[\r\n\t]+/g, " ")
const clean = (text: string): string => text.normalize("NFC")

type Align = "left" | "right"

interface Column {
  readonly title: string
  readonly align: Align
}

interface TextStyle {
  readonly weight?: FontWeight
  readonly size: number
  readonly color?: string
}

const FACE_NAMES: Record<FontWeight, string> = { regular: "BatchOps-Regular", bold: "BatchOps-Bold" }

/** The drawing state of one report: the pdfkit document, its fonts and where the next line goes. */
class ReportWriter {
  y = TOP
  private readonly faces: Record<FontWeight, ReadonlyArray<Face>>
  private readonly segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" })

  constructor(
    readonly doc: PDFKit.PDFDocument,
    fonts: Record<FontWeight, ParsedFont>,
  ) {
    this.faces = { regular: this.registerFace("regular", fonts.regular), bold: this.registerFace("bold", fonts.bold) }
  }

  private registerFace(weight: FontWeight, font: ParsedFont): ReadonlyArray<Face> {
    const name = FACE_NAMES[weight]
    // pdfkit takes a parsed font where it takes a font file (anything with `layout`)
    this.doc.registerFont(name, font as unknown as Uint8Array)
    this.doc.font(name)
    // pdfkit keeps the fontkit font of an embedded font as `font`; it answers glyph coverage.
    const embedded = (this.doc as unknown as { _font?: { font?: Partial<GlyphCoverage> } })._font?.font
    const has = embedded?.hasGlyphForCodePoint
    const coverage: GlyphCoverage =
      typeof has === "function"
        ? { hasGlyphForCodePoint: (cp) => has.call(embedded, cp) }
        : { hasGlyphForCodePoint: () => true }
    return [{ name, coverage }]
  }

  get pageWidth(): number {
    return this.doc.page.width
  }
  get pageHeight(): number {
    return this.doc.page.height
  }
  get left(): number {
    return MARGIN
  }
  get contentWidth(): number {
    return this.pageWidth - 2 * MARGIN
  }
  get bottom(): number {
    return this.pageHeight - BOTTOM
  }

  runs(text: string, weight: FontWeight = "regular"): ReadonlyArray<Run> {
    return splitRuns(text, this.faces[weight])
  }

  /** Width of a single line of text in a style. */
  measure(text: string, style: TextStyle): number {
    let width = 0
    this.doc.fontSize(style.size)
    for (const run of this.runs(text, style.weight)) {
      width += this.doc.font(run.face).widthOfString(run.text)
    }
    return width
  }

  lineHeight(style: TextStyle): number {
    this.doc.font(FACE_NAMES[style.weight ?? "regular"]).fontSize(style.size)
    return this.doc.currentLineHeight(false)
  }

  /** The text cut to fit a width, ending with an ellipsis when it was cut. */
  fit(text: string, width: number, style: TextStyle): string {
    if (this.measure(text, style) <= width) return text
    const parts = Array.from(this.segmenter.segment(text), (s) => s.segment)
    let lo = 0
    let hi = parts.length
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (this.measure(parts.slice(0, mid).join("").trimEnd() + "…", style) <= width) lo = mid
      else hi = mid - 1
    }
    return lo === 0 ? (this.measure("…", style) <= width ? "…" : "") : parts.slice(0, lo).join("").trimEnd() + "…"
  }

  /** Draws one line of text (never wrapped), cut to `width` when given. */
  line(
    text: string,
    x: number,
    y: number,
    style: TextStyle & { readonly width?: number; readonly align?: Align },
  ): void {
    const shown = style.width === undefined ? text : this.fit(text, style.width, style)
    if (shown === "") return
    let cursor = x
    if (style.align === "right" && style.width !== undefined) cursor = x + style.width - this.measure(shown, style)
    this.doc.fillColor(style.color ?? COLOR.text).fontSize(style.size)
    for (const run of this.runs(shown, style.weight)) {
      this.doc.font(run.face)
      this.doc.text(run.text, cursor, y, { lineBreak: false })
      cursor += this.doc.widthOfString(run.text)
    }
  }

  /** Draws wrapped text at the current position; pages break as needed. */
  paragraph(text: string, style: TextStyle & { readonly indent?: number; readonly gapAfter?: number }): void {
    const runs = this.runs(text, style.weight)
    if (runs.length === 0) return
    const indent = style.indent ?? 0
    this.ensure(this.lineHeight(style) + 2)
    this.doc.fillColor(style.color ?? COLOR.text).fontSize(style.size)
    // The font's line gap is large; tighten lines to about 1.3 times the size.
    const options = { width: this.contentWidth - indent, lineGap: -0.2 * style.size }
    runs.forEach((run, i) => {
      this.doc.font(run.face)
      const continued = i < runs.length - 1
      if (i === 0) this.doc.text(run.text, this.left + indent, this.y, { ...options, continued })
      else this.doc.text(run.text, { ...options, continued })
    })
    this.y = this.doc.y + (style.gapAfter ?? 0)
  }

  newPage(): void {
    this.doc.addPage()
    this.y = TOP
  }

  /** Starts a new page unless `height` still fits on this one. */
  ensure(height: number): boolean {
    if (this.y + height <= this.bottom) return false
    this.newPage()
    return true
  }

  heading(text: string): void {
    this.ensure(64)
    this.y += 16
    this.line(text, this.left, this.y, { weight: "bold", size: 12.5, color: COLOR.heading })
    this.y += this.lineHeight({ weight: "bold", size: 12.5 }) + 3
    this.doc
      .moveTo(this.left, this.y)
      .lineTo(this.left + this.contentWidth, this.y)
      .lineWidth(0.6)
      .strokeColor(COLOR.rule)
      .stroke()
    this.y += 8
  }

  /** Column widths that fit the page: natural widths, shrunk fairly when they do not fit, stretched when they do. */
  columnWidths(
    columns: ReadonlyArray<Column>,
    rows: ReadonlyArray<ReadonlyArray<string>>,
    size: number,
  ): Array<number> {
    const natural = columns.map((column, c) => {
      let width = this.measure(column.title, { weight: "bold", size })
      for (const row of rows) width = Math.max(width, this.measure(row[c] ?? "", { size }))
      return Math.min(width + 2 * CELL_PAD, MAX_NATURAL_WIDTH)
    })
    return fitWidths(natural, this.contentWidth, MIN_COLUMN_WIDTH)
  }

  /** Draws a table with a ruled header row repeated on each page and shaded alternate rows. */
  table(columns: ReadonlyArray<Column>, rows: ReadonlyArray<ReadonlyArray<string>>, size = 8): void {
    const widths = this.columnWidths(columns, rows, size)
    const tableWidth = widths.reduce((a, b) => a + b, 0)
    const textHeight = this.lineHeight({ size })
    const rowHeight = Math.ceil(textHeight + 6)
    const headerHeight = rowHeight + 3
    const drawHeader = () => {
      const top = this.y
      this.doc.rect(this.left, top, tableWidth, headerHeight).fill(COLOR.headerFill)
      this.rule(top, tableWidth, 1, COLOR.band)
      this.rule(top + headerHeight, tableWidth, 1, COLOR.band)
      let x = this.left
      columns.forEach((column, c) => {
        const width = widths[c] ?? 0
        this.line(column.title, x + CELL_PAD, top + (headerHeight - textHeight) / 2, {
          weight: "bold",
          size,
          color: COLOR.heading,
          width: width - 2 * CELL_PAD,
          align: column.align,
        })
        x += width
      })
      this.y = top + headerHeight
    }
    this.ensure(headerHeight + rowHeight)
    drawHeader()
    rows.forEach((row, r) => {
      if (this.ensure(rowHeight)) drawHeader()
      const top = this.y
      if (r % 2 === 1) this.doc.rect(this.left, top, tableWidth, rowHeight).fill(COLOR.zebra)
      let x = this.left
      columns.forEach((column, c) => {
        const width = widths[c] ?? 0
        this.line(row[c] ?? "", x + CELL_PAD, top + (rowHeight - textHeight) / 2, {
          size,
          width: width - 2 * CELL_PAD,
          align: column.align,
        })
        x += width
      })
      this.y = top + rowHeight
    })
    this.rule(this.y, tableWidth, 0.6, COLOR.rule)
    this.y += 6
  }

  rule(y: number, width: number, lineWidth: number, color: string): void {
    this.doc
      .moveTo(this.left, y)
      .lineTo(this.left + width, y)
      .lineWidth(lineWidth)
      .strokeColor(color)
      .stroke()
  }
}

/**
 * Fits column widths into `available`: when the natural widths fit, the spare room is shared in
 * proportion; otherwise every column is capped at one common width (never below `minWidth`, or
 * its natural width when that is smaller) so narrow columns keep their size and wide ones shrink.
 */
export const fitWidths = (natural: ReadonlyArray<number>, available: number, minWidth: number): Array<number> => {
  const total = natural.reduce((a, b) => a + b, 0)
  if (total <= 0) return natural.map(() => available / Math.max(1, natural.length))
  if (total <= available) return natural.map((w) => w + ((available - total) * w) / total)
  const floors = natural.map((w) => Math.min(w, minWidth))
  const capped = (cap: number) => natural.map((w, i) => Math.max(Math.min(w, cap), floors[i] ?? 0))
  let lo = 0
  let hi = Math.max(...natural)
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2
    if (capped(mid).reduce((a, b) => a + b, 0) <= available) lo = mid
    else hi = mid
  }
  return capped(lo)
}

/** How many columns of the preview are shown: all that fit at the smallest width. */
const visibleColumnCount = (available: number, columns: number): number =>
  Math.max(1, Math.min(columns, Math.floor(available / MIN_COLUMN_WIDTH)))

const drawTitleBand = (w: ReportWriter, report: ReportDocument): void => {
  const { doc } = w
  doc.rect(0, 0, w.pageWidth, BAND_HEIGHT).fill(COLOR.band)
  doc.rect(0, BAND_HEIGHT, w.pageWidth, 3).fill("#2F6DB5")
  w.line("BatchOps report", w.left, 22, { size: 10, color: COLOR.bandMuted, weight: "bold" })
  w.line(clean(oneLine(report.fileName)), w.left, 40, {
    size: 20,
    weight: "bold",
    color: "#FFFFFF",
    width: w.contentWidth,
  })
  const right = `${report.plan.mode} plan · ${report.profile} profile`
  w.line(clean(oneLine(right)), w.left, 22, {
    size: 9,
    color: COLOR.bandMuted,
    width: w.contentWidth,
    align: "right",
  })
  w.y = BAND_HEIGHT + 22
}

const drawDetails = (w: ReportWriter, report: ReportDocument): void => {
  const pairs: Array<[string, string]> = [
    ["Source file", report.fileName],
    ["Format", report.format],
    ["Plan", report.plan.mode],
    ["Profile", report.profile],
    ["Started", isoTime(report.startedAt)],
    ["Finished", isoTime(report.finishedAt)],
    ["Rows", String(report.datasetRows)],
    ["Columns", String(report.columns.length)],
  ]
  const { doc } = w
  const labelSize = 7.5
  const valueSize = 10
  const labelHeight = w.lineHeight({ size: labelSize })
  const valueHeight = w.lineHeight({ size: valueSize })
  const cellHeight = labelHeight + valueHeight + 11
  const rows = Math.ceil(pairs.length / 2)
  const boxHeight = rows * cellHeight + 14
  const half = w.contentWidth / 2
  w.ensure(boxHeight)
  const top = w.y
  doc.roundedRect(w.left, top, w.contentWidth, boxHeight, 4).fillAndStroke(COLOR.boxFill, COLOR.rule)
  doc.lineWidth(0.6)
  pairs.forEach(([label, value], i) => {
    const x = w.left + 12 + (i % 2) * half
    const y = top + 10 + Math.floor(i / 2) * cellHeight
    w.line(label.toUpperCase(), x, y, { size: labelSize, color: COLOR.muted, weight: "bold" })
    w.line(clean(oneLine(value)), x, y + labelHeight + 1, { size: valueSize, width: half - 24 })
  })
  w.y = top + boxHeight + 4
}

const drawSummary = (w: ReportWriter, report: ReportDocument): void => {
  w.heading("Summary statistics")
  const numeric = report.summary.numeric
  w.paragraph(
    `${report.summary.rows} rows and ${report.summary.columns} columns summarized; ${numeric.length} numeric ${numeric.length === 1 ? "column" : "columns"}.`,
    { size: 9, color: COLOR.muted, gapAfter: 6 },
  )
  if (numeric.length === 0) {
    w.paragraph("No numeric columns to summarize.", { size: 9.5 })
    return
  }
  const columns: Array<Column> = SUMMARY_COLUMNS.map((title, i) => ({ title, align: i === 0 ? "left" : "right" }))
  const rows = numeric.map((s) => [
    clean(oneLine(s.column)),
    ...[s.count, s.missing, s.mean, s.std, s.min, s.p25, s.median, s.p75, s.max].map((v) =>
      v === undefined ? "" : formatNumber(v),
    ),
  ])
  w.table(columns, rows, 8)
}

const drawPreview = (w: ReportWriter, report: ReportDocument, shownColumns: number): void => {
  w.heading("Data preview")
  const preview: ReadonlyArray<Row> = report.preview.slice(0, MAX_PREVIEW_ROWS)
  const total = report.columns.length
  let note = `showing ${preview.length} of ${report.datasetRows} rows`
  if (shownColumns < total) note += ` and ${shownColumns} of ${total} columns`
  w.paragraph(`The first rows of the processed dataset, ${note}.`, { size: 9, color: COLOR.muted, gapAfter: 6 })
  if (preview.length === 0) {
    w.paragraph(report.datasetRows === 0 ? "The dataset has no rows." : "No rows to preview.", { size: 9.5 })
    return
  }
  const names = report.columns.slice(0, shownColumns)
  const columns: Array<Column> = [
    { title: "Row", align: "right" },
    ...names.map((title, c) => ({
      title: clean(oneLine(title)),
      align: (preview.every((row) => row.cells[c] === undefined || typeof row.cells[c] === "number")
        ? "right"
        : "left") as Align,
    })),
  ]
  const rows = preview.map((row) => [String(row.number), ...names.map((_, c) => clean(cellText(row.cells[c])))])
  w.table(columns, rows, 7.5)
}

const drawWarnings = (w: ReportWriter, report: ReportDocument): void => {
  w.heading("Warnings")
  const count = report.problemCount
  if (count === 0 && report.problems.length === 0) {
    w.paragraph("No problems found.", { size: 9.5 })
    return
  }
  const listed = report.problems.slice(0, MAX_LISTED_PROBLEMS)
  const total = Math.max(count, report.problems.length)
  let intro = `${total} ${total === 1 ? "problem" : "problems"} found.`
  if (listed.length < total) intro += ` The first ${listed.length} are listed.`
  w.paragraph(intro, { size: 9.5, color: COLOR.warning, weight: "bold", gapAfter: 5 })
  for (const problem of listed) {
    w.paragraph(`•  ${clean(problemLine(problem))}`, { size: 8.5, indent: 4, gapAfter: 1.5 })
  }
}

const drawNote = (w: ReportWriter, note: string): void => {
  w.heading("Operator note")
  for (const paragraph of clean(note).split(/\r?\n/)) {
    if (paragraph.trim() === "") {
      w.y += 6
      continue
    }
    w.paragraph(paragraph, { size: 10, gapAfter: 3 })
  }
}

const drawPageFrames = (w: ReportWriter, report: ReportDocument): void => {
  const { doc } = w
  const range = doc.bufferedPageRange()
  const name = clean(oneLine(report.fileName))
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i)
    const margins = doc.page.margins
    const bottom = margins.bottom
    // Drawing in the margin must not start a new page.
    margins.bottom = 0
    if (i > 0) {
      w.line(`BatchOps report · ${name}`, w.left, 26, { size: 8, color: COLOR.muted, width: w.contentWidth })
      w.rule(40, w.contentWidth, 0.6, COLOR.rule)
    }
    const footerY = w.pageHeight - 36
    w.rule(footerY - 6, w.contentWidth, 0.6, COLOR.rule)
    w.line(`BatchOps · ${name} · finished ${isoTime(report.finishedAt)}`, w.left, footerY, {
      size: 7.5,
      color: COLOR.muted,
      width: w.contentWidth - 90,
    })
    w.line(`Page ${i + 1} of ${range.count}`, w.left, footerY, {
      size: 7.5,
      color: COLOR.muted,
      width: w.contentWidth,
      align: "right",
    })
    margins.bottom = bottom
  }
}

/** Whether the preview needs a landscape page: its columns do not fit a portrait one. */
const wantsLandscape = (w: ReportWriter, report: ReportDocument): boolean => {
  if (report.output !== "dataset" || report.columns.length <= 4) return false
  const portraitWidth = A4[0] - 2 * MARGIN
  const size = 7.5
  const preview = report.preview.slice(0, MAX_PREVIEW_ROWS)
  // The row-number column takes about 40 points.
  let total = 40
  for (const [c, title] of report.columns.entries()) {
    let width = w.measure(title, { weight: "bold", size })
    for (const row of preview) width = Math.max(width, w.measure(cellText(row.cells[c]), { size }))
    total += Math.min(width + 2 * CELL_PAD, MAX_NATURAL_WIDTH)
    if (total > portraitWidth) return true
  }
  return false
}

/** Renders the PDF report of a run. Rejects when the fonts cannot be loaded or pdfkit fails. */
export const renderPdf = async (report: ReportDocument): Promise<Uint8Array> => {
  // pdfkit and its font engine are large: loaded when the first report is rendered, not at start.
  const [{ default: PDFDocument }, fonts] = await Promise.all([import("pdfkit"), parsedFonts()])
  const finished = Number.isNaN(report.finishedAt.getTime()) ? undefined : report.finishedAt
  const doc = new PDFDocument({
    size: A4,
    margins: { top: TOP, bottom: BOTTOM, left: MARGIN, right: MARGIN },
    autoFirstPage: false,
    bufferPages: true,
    displayTitle: true,
    lang: "en",
    info: {
      Title: `BatchOps report: ${report.fileName}`,
      Subject: `${report.plan.mode} plan, ${report.profile} profile, ${report.format} file`,
      Creator: "BatchOps",
      Producer: "BatchOps",
      ...(finished === undefined ? {} : { CreationDate: finished, ModDate: finished }),
    },
  })
  const chunks: Array<Uint8Array> = []
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("data", (chunk: Uint8Array) => chunks.push(chunk))
    doc.on("end", () => resolve(Buffer.concat(chunks)))
    doc.on("error", reject)
  })
  const w = new ReportWriter(doc, fonts)
  if (wantsLandscape(w, report)) doc.options.layout = "landscape"
  w.newPage()
  drawTitleBand(w, report)
  drawDetails(w, report)
  if (report.output === "summary") {
    drawSummary(w, report)
  } else {
    drawPreview(w, report, visibleColumnCount(w.contentWidth - 40, report.columns.length))
  }
  drawWarnings(w, report)
  if (report.note !== undefined && report.note.trim() !== "") drawNote(w, report.note)
  drawPageFrames(w, report)
  doc.end()
  return done
}
