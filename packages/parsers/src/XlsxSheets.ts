/**
 * Streaming reader of Office Open XML workbooks (.xlsx, .xlsm): the workbook's sheet list, the
 * shared strings and the number formats are read first and held; a sheet's XML is then
 * inflated and scanned a piece at a time, one row after another, never held whole.
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
import {
  builtinKind,
  ERROR_VALUES,
  formatKind,
  isoDateText,
  type NumberKind,
  numberText,
  percentOfDecimal,
} from "./WorkbookCells.js"

/** The most rows and columns a sheet can have (Excel's limits, which LibreOffice shares). */
export const MAX_ROWS = 1_048_576
export const MAX_COLUMNS = 16_384

export interface XlsxSheet {
  readonly name: string
  readonly hidden: boolean
  /** the ZIP part of its XML, or undefined when the workbook points nowhere */
  readonly part: string | undefined
}

export interface XlsxBook {
  readonly sheets: ReadonlyArray<XlsxSheet>
  readonly date1904: boolean
  /** the parts of the shared strings and the styles, when the workbook has them */
  readonly sharedStrings: string | undefined
  readonly styles: string | undefined
}

/** Each start tag `<name ...>` in an XML text, in order. */
const startTags = function* (xml: string, name: string): Generator<string> {
  for (let at = findTag(xml, `<${name}`, 0); at >= 0; at = findTag(xml, `<${name}`, at + 1)) {
    const end = tagEnd(xml, at)
    if (end < 0) return
    yield xml.slice(at, end + 1)
  }
}

/** A relationship's target as a ZIP part name: relative to the `xl/` folder, or absolute from the root. */
const partName = (target: string): string => {
  if (target.startsWith("/")) return target.slice(1)
  const parts: Array<string> = ["xl"]
  for (const piece of target.split("/")) {
    if (piece === "..") parts.pop()
    else if (piece !== "." && piece !== "") parts.push(piece)
  }
  return parts.join("/")
}

/** The sheets, date system and parts of a workbook, from `xl/workbook.xml` and its relationships. */
export const readBook = (workbookXml: string, relsXml: string | undefined, names: ReadonlySet<string>): XlsxBook => {
  const targets = new Map<string, string>()
  let sharedStrings: string | undefined
  let styles: string | undefined
  for (const tag of startTags(relsXml ?? "", "Relationship")) {
    const id = attribute(tag, "Id")
    const target = attribute(tag, "Target")
    const type = attribute(tag, "Type") ?? ""
    if (id === undefined || target === undefined || attribute(tag, "TargetMode") === "External") continue
    targets.set(id, partName(target))
    if (type.endsWith("/sharedStrings")) sharedStrings = partName(target)
    if (type.endsWith("/styles")) styles = partName(target)
  }
  sharedStrings ??= names.has("xl/sharedStrings.xml") ? "xl/sharedStrings.xml" : undefined
  styles ??= names.has("xl/styles.xml") ? "xl/styles.xml" : undefined
  const sheets: Array<XlsxSheet> = []
  let index = 0
  for (const tag of startTags(workbookXml, "sheet")) {
    index += 1
    const id = /\s[\w]+:id="([^"]*)"/.exec(tag)?.[1]
    const fallback = `xl/worksheets/sheet${index}.xml`
    const part =
      (id === undefined ? undefined : targets.get(decodeXml(id))) ?? (names.has(fallback) ? fallback : undefined)
    const state = attribute(tag, "state")
    sheets.push({
      name: attribute(tag, "name") ?? `Sheet${index}`,
      hidden: state === "hidden" || state === "veryHidden",
      part,
    })
  }
  const properties = [...startTags(workbookXml, "workbookPr")][0]
  const date1904 = properties !== undefined && /^(1|true)$/.test(attribute(properties, "date1904") ?? "")
  return { sheets, date1904, sharedStrings, styles }
}

/** What each cell style (`s="3"`) makes of a number, from `styles.xml`. */
export const readStyles = (stylesXml: string): ReadonlyArray<NumberKind> => {
  const formats = new Map<number, string>()
  for (const tag of startTags(stylesXml, "numFmt")) {
    const id = Number(attribute(tag, "numFmtId"))
    const code = attribute(tag, "formatCode")
    if (Number.isInteger(id) && code !== undefined) formats.set(id, code)
  }
  const start = stylesXml.indexOf("<cellXfs")
  const end = stylesXml.indexOf("</cellXfs>", start)
  if (start < 0) return []
  const kinds: Array<NumberKind> = []
  for (const tag of startTags(stylesXml.slice(start, end < 0 ? undefined : end), "xf")) {
    const id = Number(attribute(tag, "numFmtId") ?? 0)
    const code = formats.get(id)
    kinds.push(code !== undefined ? formatKind(code) : (builtinKind(id) ?? { kind: "number" }))
  }
  return kinds
}

/** The text of one `<si>` or `<is>`: its `<t>` runs joined, phonetic guides (`<rPh>`) left out. */
const richText = (xml: string): string => {
  let text = ""
  let at = 0
  while (true) {
    const open = findTag(xml, "<t", at)
    if (open < 0) break
    const phonetic = xml.lastIndexOf("<rPh", open)
    if (phonetic >= at && xml.indexOf("</rPh>", phonetic) > open) {
      at = xml.indexOf("</rPh>", phonetic) + 6
      continue
    }
    const end = tagEnd(xml, open)
    if (end < 0) break
    if (xml.charCodeAt(end - 1) === 47) {
      at = end + 1
      continue
    }
    const close = xml.indexOf("</t>", end)
    if (close < 0) break
    text += xml.slice(end + 1, close)
    at = close + 4
  }
  return decodeXml(text)
}

const T_PLAIN = Buffer.from("<t>")
const T_PRESERVE = Buffer.from('<t xml:space="preserve">')
const T_CLOSE = Buffer.from("</t>")

/** Slots of the cache of decoded shared strings (names and classes repeat on every row). */
const CACHE_SLOTS = 8192

/**
 * The shared strings table, held as its UTF-8 bytes end to end (markup dropped) and decoded
 * when a cell asks: a workbook of a million rows has millions of them, and as JavaScript
 * strings they would take twice the memory.
 */
export class SharedStrings {
  readonly #bytes: Buffer
  readonly #ends: Uint32Array
  readonly size: number
  readonly #cacheKeys = new Int32Array(CACHE_SLOTS).fill(-1)
  readonly #cacheValues: Array<string> = new Array(CACHE_SLOTS)

  constructor(bytes: Buffer, ends: Uint32Array, size: number) {
    this.#bytes = bytes
    this.#ends = ends
    this.size = size
  }

  static readonly empty = new SharedStrings(Buffer.alloc(0), new Uint32Array(0), 0)

  /**
   * Reads `sharedStrings.xml` from its inflated bytes, compacting it in place (each string's
   * text moves left over the markup before it), then keeps a copy of just the text.
   */
  static read(xml: Uint8Array): SharedStrings {
    const bytes = Buffer.from(xml.buffer, xml.byteOffset, xml.byteLength)
    let ends = new Uint32Array(1024)
    let size = 0
    let written = 0
    const length = bytes.length
    // scanned byte by byte: a workbook of a million rows has millions of <si> elements
    for (let at = 0; at < length; at++) {
      if (bytes[at] !== 0x3c || bytes[at + 1] !== 0x73 || bytes[at + 2] !== 0x69) continue
      const next = bytes[at + 3]
      if (next === 0x2f) {
        at += 4 // <si/>
      } else if (next === 0x3e || next === 0x20) {
        let contentStart = at + 3
        while (contentStart < length && bytes[contentStart] !== 0x3e) contentStart++
        contentStart += 1
        const close = closingSi(bytes, contentStart)
        if (close < 0) break
        written += copyText(bytes, contentStart, close, written)
        at = close + 4
      } else continue
      if (size === ends.length) {
        const grown = new Uint32Array(ends.length * 2)
        grown.set(ends)
        ends = grown
      }
      ends[size++] = written
    }
    // a copy of just the text: the inflated part it was compacted in is let go
    return new SharedStrings(Buffer.from(bytes.subarray(0, written)), ends.slice(0, size), size)
  }

  get(index: number): string | undefined {
    if (index >= this.size) return undefined
    const slot = index & (CACHE_SLOTS - 1)
    if (this.#cacheKeys[slot] === index) return this.#cacheValues[slot]
    const text = this.#bytes.toString("utf8", index === 0 ? 0 : this.#ends[index - 1], this.#ends[index])
    this.#cacheKeys[slot] = index
    this.#cacheValues[slot] = text
    return text
  }
}

/** Where the `</si>` after `from` starts, or -1. */
const closingSi = (bytes: Buffer, from: number): number => {
  for (let at = from; at + 4 < bytes.length; at++) {
    if (bytes[at] === 0x3c && bytes[at + 1] === 0x2f && bytes[at + 2] === 0x73 && bytes[at + 3] === 0x69) return at
  }
  return -1
}

/** The length of `prefix` when bytes[at...] starts with it, else 0. */
const startsWith = (bytes: Buffer, at: number, prefix: Buffer): number => {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return 0
  return prefix.length
}

/**
 * Writes the text of one `<si>` (bytes[from, to)) at `target`, which is never past `from`:
 * a plain `<t>` run is copied as it is; anything else (entities, rich text runs, phonetic
 * guides) is decoded as XML and written back as UTF-8, never longer than its markup. Returns
 * the bytes written.
 */
const copyText = (bytes: Buffer, from: number, to: number, target: number): number => {
  const open = startsWith(bytes, from, T_PLAIN) || startsWith(bytes, from, T_PRESERVE)
  if (open > 0 && startsWith(bytes, to - 4, T_CLOSE) > 0) {
    let plain = true
    for (let at = from + open; at < to - 4; at++) {
      const c = bytes[at]
      // markup, an entity or an _xHHHH_ escape: read as XML
      if (c === 0x3c || c === 0x26 || (c === 0x5f && bytes[at + 1] === 0x78)) {
        plain = false
        break
      }
    }
    if (plain) {
      bytes.copy(bytes, target, from + open, to - 4)
      return to - 4 - from - open
    }
  }
  const text = richText(bytes.toString("utf8", from, to))
  return bytes.write(text, target, "utf8")
}

const NUMBER_KIND: NumberKind = { kind: "number" }

/** Cell types (`t="..."`), by the code the scanner gives them. */
enum CellType {
  Number,
  Shared,
  Inline,
  Formula,
  Boolean,
  Error,
  Date,
}

const CELL_TYPES: Record<string, CellType> = {
  n: CellType.Number,
  s: CellType.Shared,
  inlineStr: CellType.Inline,
  str: CellType.Formula,
  b: CellType.Boolean,
  e: CellType.Error,
  d: CellType.Date,
}

/**
 * A sheet's rows, scanned from its XML as it is inflated: each `<row>` is read once complete,
 * then dropped. The scanner walks the text by character code (it runs over every byte of the
 * sheet); values follow WorkbookCells, and a cell that cannot be read is the row's problem.
 */
export class XlsxSheetRows implements SheetRows {
  #text = ""
  #at = 0
  #ended = false
  #lastRow = -1

  constructor(
    private readonly part: TextSource,
    private readonly strings: SharedStrings,
    private readonly styles: ReadonlyArray<NumberKind>,
    private readonly date1904: boolean,
  ) {}

  nextRow(): SheetRow | undefined {
    while (true) {
      const row = this.#scan()
      if (row !== undefined) return row
      if (this.#ended) return undefined
      // a source that must wait for more text throws here, before anything changed: the next call goes on
      const piece = this.part.next()
      if (piece === undefined) {
        this.#ended = true
        return undefined
      }
      this.#text = this.#at < this.#text.length ? this.#text.slice(this.#at) + piece : piece
      this.#at = 0
      if (this.#text.length > MAX_ROW_CHARS) {
        throw new SheetProblem(`row ${this.#lastRow + 2} takes more than ${MAX_ROW_CHARS / 1024 / 1024} MB of XML`)
      }
    }
  }

  /** The next complete row in the text at hand, or undefined when more text is needed. */
  #scan(): SheetRow | undefined {
    const text = this.#text
    const open = findTag(text, "<row", this.#at)
    if (open < 0) {
      // keep a few characters: "<ro" may be cut by the end of the piece
      this.#at = Math.max(this.#at, text.length - 4)
      return undefined
    }
    const end = tagEnd(text, open)
    if (end < 0) {
      this.#at = open
      return undefined
    }
    if (text.charCodeAt(end - 1) === 47) {
      this.#at = end + 1
      return this.#row(text.slice(open, end + 1), text, end, end)
    }
    const close = text.indexOf("</row>", end)
    if (close < 0) {
      this.#at = open
      return undefined
    }
    this.#at = close + 6
    return this.#row(text.slice(open, end + 1), text, end + 1, close)
  }

  #row(tag: string, text: string, from: number, to: number): SheetRow {
    const numbered = attribute(tag, "r")
    let index = numbered === undefined ? this.#lastRow + 1 : Number(numbered) - 1
    let problem: string | undefined
    if (!Number.isInteger(index) || index <= this.#lastRow || index >= MAX_ROWS) {
      problem = `the row numbered "${numbered}" is out of order or outside the sheet; it is read as row ${this.#lastRow + 2}`
      index = this.#lastRow + 1
    }
    this.#lastRow = index
    const cells: Array<string | null> = []
    let errors = 0
    let at = from
    while (true) {
      const open = text.indexOf("<c", at)
      if (open < 0 || open >= to) break
      const boundary = text.charCodeAt(open + 2)
      if (
        boundary !== 32 &&
        boundary !== 62 &&
        boundary !== 47 &&
        boundary !== 9 &&
        boundary !== 10 &&
        boundary !== 13
      ) {
        at = open + 2
        continue
      }
      // the start tag's attributes: r (column), t (type), s (style); others are passed over
      let i = open + 2
      let column = -1
      let type = CellType.Number
      let typeName: string | undefined
      let style = -1
      let empty = false
      let closed = false
      while (i < to) {
        const c = text.charCodeAt(i)
        if (c === 62) {
          i += 1
          closed = true
          break
        }
        if (c === 47 && text.charCodeAt(i + 1) === 62) {
          i += 2
          empty = true
          closed = true
          break
        }
        if (c === 32 || c === 9 || c === 10 || c === 13) {
          i += 1
          continue
        }
        const nameStart = i
        while (i < to && text.charCodeAt(i) !== 61) i++
        const quote = text.charCodeAt(i + 1)
        const valueStart = i + 2
        const valueEnd = quote === 34 || quote === 39 ? text.indexOf(quote === 34 ? '"' : "'", valueStart) : -1
        if (valueEnd < 0 || valueEnd >= to) break
        if (i - nameStart === 1) {
          const name = text.charCodeAt(nameStart)
          if (name === 114) column = columnAt(text, valueStart, valueEnd)
          else if (name === 116) {
            typeName = text.slice(valueStart, valueEnd)
            type = CELL_TYPES[typeName] ?? CellType.Number
          } else if (name === 115) style = digitsAt(text, valueStart, valueEnd)
        }
        i = valueEnd + 1
      }
      if (!closed) {
        problem ??= `a cell after column ${cells.length} is cut off`
        break
      }
      if (column < 0) column = cells.length
      else if (column < cells.length || column >= MAX_COLUMNS) {
        problem ??= `a cell in column ${column + 1} is out of order or outside the sheet`
        column = cells.length
      }
      let bodyEnd = i
      if (!empty) {
        bodyEnd = text.indexOf("</c>", i)
        if (bodyEnd < 0 || bodyEnd > to) {
          problem ??= `the cell in column ${column + 1} is not closed`
          break
        }
        at = bodyEnd + 4
      } else {
        at = i
      }
      while (cells.length < column) cells.push(null)
      if (empty) {
        cells.push(null)
        continue
      }
      let value: string | null
      if (type === CellType.Inline) {
        value = bodyEnd > i ? richText(text.slice(i, bodyEnd)) : null
      } else {
        // the value: <v> first, or after a formula (<f>...</f><v>...</v>)
        let v = -1
        if (text.startsWith("<v>", i)) v = i + 3
        else {
          const found = text.indexOf("<v>", i)
          if (found >= 0 && found < bodyEnd) v = found + 3
        }
        const vEnd = v >= 0 && v < bodyEnd ? text.indexOf("</v>", v) : -1
        if (vEnd < 0 || vEnd > bodyEnd) {
          cells.push(null)
          continue
        }
        switch (type) {
          case CellType.Shared: {
            const index = digitsAt(text, v, vEnd)
            const shared = index < 0 ? undefined : this.strings.get(index)
            if (shared === undefined) {
              problem ??= `the cell in column ${column + 1} refers to text the workbook does not hold`
              value = null
            } else value = shared
            break
          }
          case CellType.Error:
            errors += 1
            value = null
            break
          case CellType.Boolean: {
            const raw = text.slice(v, vEnd)
            value = raw === "1" ? "TRUE" : raw === "0" ? "FALSE" : decodeXml(raw)
            break
          }
          case CellType.Formula: {
            const raw = decodeXml(text.slice(v, vEnd))
            if (ERROR_VALUES.has(raw.trim())) {
              errors += 1
              value = null
            } else value = raw
            break
          }
          case CellType.Date:
            value = isoDateText(decodeXml(text.slice(v, vEnd)))
            break
          default: {
            const raw = text.slice(v, vEnd)
            const kind = style < 0 ? NUMBER_KIND : (this.styles[style] ?? NUMBER_KIND)
            // the stored text of a short plain number is already what it shows (most cells of a sheet)
            if (kind.kind === "number" && isPlainDecimal(raw)) {
              value = raw
              break
            }
            if (kind.kind === "percent" && isPlainDecimal(raw)) {
              value = percentOfDecimal(raw)
              break
            }
            const number = Number(raw)
            if (raw.trim() === "" || !Number.isFinite(number)) {
              value = decodeXml(raw)
              problem ??= `the cell in column ${column + 1} holds "${value.slice(0, 40)}" where a number belongs`
              break
            }
            value = numberText(number, kind, this.date1904)
          }
        }
      }
      cells.push(value)
    }
    return { index, cells, errors, problem }
  }
}

/** The 0-based column of a cell reference ("BC12" -> 54) in text[from, to), or -1 when it is not one. */
const columnAt = (text: string, from: number, to: number): number => {
  let column = 0
  let i = from
  for (; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c >= 65 && c <= 90) column = column * 26 + (c - 64)
    else if (c >= 97 && c <= 122) column = column * 26 + (c - 96)
    else break
  }
  return i === from ? -1 : column - 1
}

/** The whole number written in text[from, to), or -1 when it is not digits. */
const digitsAt = (text: string, from: number, to: number): number => {
  if (to <= from || to - from > 15) return -1
  let value = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    value = value * 10 + (c - 48)
  }
  return value
}

/** Whether a number's stored text is short decimal digits ("87.5", "-3"): at most 15 characters, so at most 15 significant digits. */
const isPlainDecimal = (text: string): boolean => {
  const length = text.length
  if (length === 0 || length > 15) return false
  const first = text.charCodeAt(0) === 45 ? 1 : 0
  if (first === length) return false
  let dot = -1
  for (let i = first; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) continue
    if (c !== 46 || dot >= 0) return false
    dot = i
  }
  // "007", ".5" and "1." are not how a number is stored: read them as numbers
  if (dot === first || dot === length - 1) return false
  return !(text.charCodeAt(first) === 48 && length - first > 1 && dot !== first + 1)
}
