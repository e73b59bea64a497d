/**
 * Streaming reader of OpenDocument spreadsheets (.ods): `content.xml` holds every sheet
 * (`<table:table>`) one after another; it is inflated and scanned a piece at a time, a row
 * once complete. Values come from the cell's typed attributes (`office:value`,
 * `office:date-value`), not from the text the application displayed, except the digits of a
 * zero-padded whole number.
 */
import {
  attribute,
  decodeXml,
  findTag,
  MAX_ROW_CHARS,
  SheetProblem,
  type SheetRow,
  type SheetRows,
  type TextSource,
  tagEnd,
} from "./SheetXml.js"
import { ERROR_VALUES, isoDateText, plainNumber } from "./WorkbookCells.js"
import { MAX_COLUMNS, MAX_ROWS } from "./XlsxSheets.js"

export interface OdsTable {
  readonly name: string
  readonly hidden: boolean
}

const TABLE = "<table:table"
const TABLE_END = "</table:table>"
const ROW = "<table:table-row"
const ROW_END = "</table:table-row>"
const STYLE = "<style:style"

/** A cell's text: its paragraphs joined by line breaks, spaces (`<text:s text:c="3"/>`) and tabs written out, annotations left out. */
const cellText = (body: string): string => {
  const kept = body.replace(/<office:annotation[\s\S]*?<\/office:annotation>/g, "")
  const paragraphs: Array<string> = []
  for (const match of kept.matchAll(/<text:(p|h)\b[^>]*?(?:\/>|>([\s\S]*?)<\/text:\1>)/g)) {
    paragraphs.push(
      (match[2] ?? "")
        .replace(/<text:s\b[^>]*?(?:text:c="(\d+)")?[^>]*\/>/g, (_, n: string | undefined) =>
          " ".repeat(Math.min(Number(n ?? 1), 1000)),
        )
        .replace(/<text:tab\b[^>]*\/>/g, "\t")
        .replace(/<text:line-break\b[^>]*\/>/g, "\n")
        .replace(/<[^>]*>/g, ""),
    )
  }
  return decodeXml(paragraphs.join("\n"))
}

const repeat = (tag: string, name: string, limit: number): number => {
  const value = Number(attribute(tag, name) ?? 1)
  return Number.isInteger(value) && value >= 1 ? Math.min(value, limit) : 1
}

/** A cell's value as the record's text, null when empty, or `error` for an error value. */
const cellValue = (tag: string, body: string): string | null | "error" => {
  if (attribute(tag, "calcext:value-type") === "error") return "error"
  const type = attribute(tag, "office:value-type")
  switch (type) {
    case "float":
    case "currency": {
      const value = Number(attribute(tag, "office:value"))
      if (!Number.isFinite(value)) return cellText(body) || null
      const shown = cellText(body).trim()
      // a whole number shown zero-padded (an identifier such as 000123) keeps its digits
      if (Number.isInteger(value) && value >= 0 && /^0\d+$/.test(shown) && Number(shown) === value) return shown
      return plainNumber(value)
    }
    case "percentage": {
      const value = Number(attribute(tag, "office:value"))
      return Number.isFinite(value) ? plainNumber(value * 100) : cellText(body) || null
    }
    case "date":
      return isoDateText(attribute(tag, "office:date-value") ?? cellText(body))
    case "time": {
      const match = /^-?PT(\d+)H(\d+)M(\d+)(?:\.\d+)?S$/.exec(attribute(tag, "office:time-value") ?? "")
      if (match === null) return cellText(body) || null
      const [, h, m, s] = match
      return `${h!.padStart(2, "0")}:${m!.padStart(2, "0")}:${s!.padStart(2, "0")}`
    }
    case "boolean":
      return attribute(tag, "office:boolean-value") === "true" ? "TRUE" : "FALSE"
    default: {
      if (body === "") return null
      const text = attribute(tag, "office:string-value") ?? cellText(body)
      if (attribute(tag, "table:formula") !== undefined && ERROR_VALUES.has(text.trim())) {
        return "error"
      }
      return text === "" ? null : text
    }
  }
}

/**
 * The sheets of `content.xml` in order: `nextTable()` moves to the next sheet (undefined after
 * the last), then `nextRow()` gives its rows (undefined at the sheet's end).
 */
export class OdsContent implements SheetRows {
  #text = ""
  #at = 0
  #ended = false
  /** the table styles that hide a sheet (`table:display="false"`) */
  readonly #hiddenStyles = new Set<string>()
  #inTable = false
  #lastRow = -1
  /** a row read but repeated (`table:number-rows-repeated`): the copies still to give */
  #repeated: { cells: Array<string | null>; errors: number; left: number } | undefined
  /** empty rows seen and not yet given: given only when a row with cells follows */
  #blank = 0

  constructor(private readonly part: TextSource) {}

  /** Reads on until `test` finds what it needs in the text at hand; false at the end of the part. */
  #fill(test: () => boolean): boolean {
    while (!test()) {
      if (this.#ended) return false
      const piece = this.part.next()
      if (piece === undefined) {
        this.#ended = true
        continue
      }
      this.#text = this.#text.slice(this.#at) + piece
      this.#at = 0
      if (this.#text.length > MAX_ROW_CHARS) {
        throw new SheetProblem(`row ${this.#lastRow + 2} takes more than ${MAX_ROW_CHARS / 1024 / 1024} MB of XML`)
      }
    }
    return true
  }

  nextTable(): OdsTable | undefined {
    // the rest of the current sheet is skipped
    while (this.#inTable && this.nextRow() !== undefined) {}
    let table: OdsTable | undefined
    this.#fill(() => {
      const text = this.#text
      while (true) {
        const style = findTag(text, STYLE, this.#at)
        const open = findTag(text, TABLE, this.#at)
        if (style >= 0 && (open < 0 || style < open)) {
          // a table style that hides its sheets (`table:display="false"`), remembered before the sheets come
          const end = text.indexOf(">", style)
          const close = end < 0 ? -1 : text.indexOf("</style:style>", end)
          if (end < 0 || (text.charCodeAt(end - 1) !== 47 && close < 0)) {
            this.#at = style
            return false
          }
          const name = attribute(text.slice(style, end + 1), "style:name")
          const block = text.slice(style, text.charCodeAt(end - 1) === 47 ? end + 1 : close)
          if (name !== undefined && block.includes('table:display="false"')) this.#hiddenStyles.add(name)
          this.#at = end + 1
          continue
        }
        if (open < 0) {
          this.#at = Math.max(this.#at, text.length - 20)
          return false
        }
        const end = tagEnd(text, open)
        if (end < 0) {
          this.#at = open
          return false
        }
        const tag = text.slice(open, end + 1)
        const styleName = attribute(tag, "table:style-name")
        table = {
          name: attribute(tag, "table:name") ?? "",
          hidden: styleName !== undefined && this.#hiddenStyles.has(styleName),
        }
        this.#at = end + 1
        this.#inTable = text.charCodeAt(end - 1) !== 47
        this.#lastRow = -1
        this.#repeated = undefined
        this.#blank = 0
        return true
      }
    })
    return table
  }

  nextRow(): SheetRow | undefined {
    while (this.#inTable) {
      const repeated = this.#repeated
      if (repeated !== undefined) {
        repeated.left -= 1
        if (repeated.left <= 0) this.#repeated = undefined
        this.#lastRow += 1
        return { index: this.#lastRow, cells: [...repeated.cells], errors: repeated.errors }
      }
      const row = this.#readRow()
      if (row === undefined) return undefined
      if (row.cells.length === 0 && row.errors === 0) {
        // empty rows (often a million repeated ones closing the sheet) count only once a row with cells follows
        this.#blank += row.count
        continue
      }
      this.#lastRow += this.#blank
      this.#blank = 0
      if (this.#lastRow + row.count >= MAX_ROWS) {
        throw new SheetProblem(`it has more than ${MAX_ROWS.toLocaleString("en-US")} rows`)
      }
      if (row.count > 1) this.#repeated = { cells: row.cells, errors: row.errors, left: row.count - 1 }
      this.#lastRow += 1
      return { index: this.#lastRow, cells: row.cells, errors: row.errors }
    }
    return undefined
  }

  /** The next `<table:table-row>` of the sheet (with how many times it repeats), or undefined at the sheet's end. */
  #readRow(): { cells: Array<string | null>; errors: number; count: number } | undefined {
    let found: { cells: Array<string | null>; errors: number; count: number } | undefined
    const ok = this.#fill(() => {
      const text = this.#text
      const open = findTag(text, ROW, this.#at)
      const tableEnd = text.indexOf(TABLE_END, this.#at)
      if (tableEnd >= 0 && (open < 0 || tableEnd < open)) {
        this.#at = tableEnd + TABLE_END.length
        this.#inTable = false
        return true
      }
      if (open < 0) {
        this.#at = Math.max(this.#at, text.length - 20)
        return false
      }
      const end = tagEnd(text, open)
      if (end < 0) {
        this.#at = open
        return false
      }
      const tag = text.slice(open, end + 1)
      let body = ""
      if (text.charCodeAt(end - 1) === 47) {
        this.#at = end + 1
      } else {
        const close = text.indexOf(ROW_END, end)
        if (close < 0) {
          this.#at = open
          return false
        }
        body = text.slice(end + 1, close)
        this.#at = close + ROW_END.length
      }
      found = { ...rowCells(body), count: repeat(tag, "table:number-rows-repeated", MAX_ROWS) }
      return true
    })
    if (!ok) this.#inTable = false
    return found
  }
}

const CELL = /<table:(?:covered-)?table-cell\b/g

/** A row's cells, repeated cells written out, trailing empty ones left out. */
const rowCells = (body: string): { cells: Array<string | null>; errors: number } => {
  const cells: Array<string | null> = []
  let errors = 0
  let pendingEmpty = 0
  CELL.lastIndex = 0
  for (let match = CELL.exec(body); match !== null; match = CELL.exec(body)) {
    const open = match.index
    const end = tagEnd(body, open)
    if (end < 0) break
    const tag = body.slice(open, end + 1)
    let content = ""
    if (body.charCodeAt(end - 1) !== 47) {
      const covered = tag.startsWith("<table:covered")
      const closeTag = covered ? "</table:covered-table-cell>" : "</table:table-cell>"
      const close = body.indexOf(closeTag, end)
      if (close < 0) break
      content = body.slice(end + 1, close)
      CELL.lastIndex = close + closeTag.length
    } else {
      CELL.lastIndex = end + 1
    }
    const count = repeat(tag, "table:number-columns-repeated", MAX_COLUMNS)
    const value = cellValue(tag, content)
    if (value === null) {
      pendingEmpty += count
      continue
    }
    for (; pendingEmpty > 0 && cells.length < MAX_COLUMNS; pendingEmpty--) cells.push(null)
    pendingEmpty = 0
    for (let i = 0; i < count && cells.length < MAX_COLUMNS; i++) {
      if (value === "error") {
        errors += 1
        cells.push(null)
      } else {
        cells.push(value)
      }
    }
  }
  return { cells, errors }
}
