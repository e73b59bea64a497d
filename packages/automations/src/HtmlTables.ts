/**
 * The tables and links of an HTML page, for `run_web_scrape`: a small tokenizer rather than a
 * browser-grade parser, because all a scrape needs is the text of each table cell and the
 * links, and the pages it reads are the school's own (department sites, exported reports).
 *
 * What it understands: tags in any case, attributes quoted or not, comments, doctype,
 * `<script>`/`<style>` contents skipped, character references (named, decimal, hex),
 * implied end tags (`<td>` after `<td>`, `<tr>` after `<tr>`, `</table>` closing what is
 * open), tables inside tables (each is a table of its own; the outer cell does not get the
 * inner table's text), `colspan` and `rowspan`, and text in nested tags (`<td><b>Ja</b>ne`
 * is "Jane"; `<br>` and block tags separate words). Whitespace in a cell is collapsed.
 *
 * The header of a table: the rows of its `<thead>`, else its leading rows made only of
 * `<th>` cells, else its first row. Several header rows are joined per column ("Term 1" over
 * "Score" is "Term 1 Score"). `<tfoot>` rows (totals) are left out, as are empty rows and body
 * rows repeating the header. Pure: no I/O, the same page always gives the same tables.
 */

export interface HtmlTable {
  /** position on the page (0 is the first `<table>`), nested tables counted in document order */
  readonly index: number
  readonly id: string | undefined
  readonly caption: string | undefined
  /** the column names: unique, never empty (`column_3` for a column without a header) */
  readonly columns: ReadonlyArray<string>
  /** the data rows, each exactly as long as `columns` */
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
  /** another table is inside this one (a layout table rather than data) */
  readonly hasNestedTable: boolean
}

export interface HtmlLink {
  /** the `href` as written (references decoded), not resolved */
  readonly href: string
  readonly text: string
  /** the `type` attribute, lower case, when there is one */
  readonly type: string | undefined
}

export interface HtmlPage {
  readonly tables: ReadonlyArray<HtmlTable>
  readonly links: ReadonlyArray<HtmlLink>
  /** the first `<base href>`, which relative links resolve against */
  readonly baseHref: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Character references

/** The named references pages actually use (the full list has over 2,000). */
const NAMED: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  ensp: "\u2002",
  emsp: "\u2003",
  thinsp: "\u2009",
  shy: "\u00ad",
  copy: "©",
  reg: "®",
  trade: "™",
  deg: "°",
  plusmn: "±",
  times: "×",
  divide: "÷",
  micro: "µ",
  middot: "·",
  para: "¶",
  sect: "§",
  laquo: "«",
  raquo: "»",
  lsquo: "\u2018",
  rsquo: "\u2019",
  sbquo: "\u201a",
  ldquo: "\u201c",
  rdquo: "\u201d",
  bdquo: "\u201e",
  ndash: "\u2013",
  mdash: "\u2014",
  hellip: "\u2026",
  bull: "\u2022",
  prime: "\u2032",
  dagger: "\u2020",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  curren: "¤",
  frac12: "½",
  frac14: "¼",
  frac34: "¾",
  sup1: "¹",
  sup2: "²",
  sup3: "³",
  ordf: "ª",
  ordm: "º",
  iexcl: "¡",
  iquest: "¿",
  szlig: "ß",
  agrave: "à",
  aacute: "á",
  acirc: "â",
  atilde: "ã",
  auml: "ä",
  aring: "å",
  aelig: "æ",
  ccedil: "ç",
  egrave: "è",
  eacute: "é",
  ecirc: "ê",
  euml: "ë",
  igrave: "ì",
  iacute: "í",
  icirc: "î",
  iuml: "ï",
  eth: "ð",
  ntilde: "ñ",
  ograve: "ò",
  oacute: "ó",
  ocirc: "ô",
  otilde: "õ",
  ouml: "ö",
  oslash: "ø",
  ugrave: "ù",
  uacute: "ú",
  ucirc: "û",
  uuml: "ü",
  yacute: "ý",
  yuml: "ÿ",
  thorn: "þ",
  Agrave: "À",
  Aacute: "Á",
  Acirc: "Â",
  Atilde: "Ã",
  Auml: "Ä",
  Aring: "Å",
  AElig: "Æ",
  Ccedil: "Ç",
  Egrave: "È",
  Eacute: "É",
  Ecirc: "Ê",
  Euml: "Ë",
  Igrave: "Ì",
  Iacute: "Í",
  Icirc: "Î",
  Iuml: "Ï",
  ETH: "Ð",
  Ntilde: "Ñ",
  Ograve: "Ò",
  Oacute: "Ó",
  Ocirc: "Ô",
  Otilde: "Õ",
  Ouml: "Ö",
  Oslash: "Ø",
  Ugrave: "Ù",
  Uacute: "Ú",
  Ucirc: "Û",
  Uuml: "Ü",
  Yacute: "Ý",
  THORN: "Þ",
  OElig: "Œ",
  oelig: "œ",
  Scaron: "Š",
  scaron: "š",
  Yuml: "Ÿ",
  zwj: "\u200d",
  zwnj: "\u200c",
  lrm: "\u200e",
  rlm: "\u200f",
}

/** References browsers also accept without the closing `;` (the common ones of the legacy list). */
const LEGACY = new Set(["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "LT", "GT", "QUOT"])

/** Numeric references 0x80–0x9F mean the Windows-1252 characters, as the HTML standard says. */
const WINDOWS_1252: Readonly<Record<number, number>> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x0192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x02c6,
  137: 0x2030,
  138: 0x0160,
  139: 0x2039,
  140: 0x0152,
  142: 0x017d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x02dc,
  153: 0x2122,
  154: 0x0161,
  155: 0x203a,
  156: 0x0153,
  158: 0x017e,
  159: 0x0178,
}

const REFERENCE = /&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}))(;?)/g

const fromCodePoint = (code: number): string => {
  const mapped = WINDOWS_1252[code] ?? code
  if (mapped === 0 || mapped > 0x10ffff || (mapped >= 0xd800 && mapped <= 0xdfff)) return "\ufffd"
  return String.fromCodePoint(mapped)
}

/** Text with its character references replaced; an unknown `&name;` is left as written. */
export const decodeHtmlEntities = (text: string): string =>
  text.includes("&")
    ? text.replace(REFERENCE, (whole, decimal?: string, hex?: string, name?: string, semicolon?: string) => {
        if (decimal !== undefined) return fromCodePoint(Number.parseInt(decimal, 10))
        if (hex !== undefined) return fromCodePoint(Number.parseInt(hex, 16))
        const named = NAMED[name!] ?? (LEGACY.has(name!) ? NAMED[name!.toLowerCase()] : undefined)
        if (named === undefined) return whole
        return semicolon === ";" || LEGACY.has(name!) ? named : whole
      })
    : text

/** Whitespace collapsed to single spaces (no-break spaces included), trimmed. */
const collapse = (text: string): string => text.replace(/[\s\u00a0]+/g, " ").trim()

// ---------------------------------------------------------------------------------------------
// Tokenizer and tree-light builder

/** Tags that separate the words on either side (`Smith<br>Jane` is "Smith Jane"). */
const SEPARATING = new Set([
  "br",
  "p",
  "div",
  "li",
  "ul",
  "ol",
  "dl",
  "dt",
  "dd",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "pre",
  "blockquote",
  "section",
  "article",
  "header",
  "footer",
  "address",
  "img",
  "table",
])

/** Elements whose contents are not text of the page. */
// (`<noscript>` is read: a scraper runs no scripts, so it sees what a browser without them shows)
const RAW_TEXT = new Set(["script", "style", "template", "title", "textarea"])

type Section = "thead" | "tbody" | "tfoot" | undefined

interface CellBuilder {
  text: string
  readonly header: boolean
  readonly colspan: number
  readonly rowspan: number
}

interface RowBuilder {
  readonly section: Section
  readonly cells: Array<CellBuilder>
}

interface TableBuilder {
  readonly index: number
  readonly id: string | undefined
  caption: string | undefined
  inCaption: boolean
  section: Section
  readonly rows: Array<RowBuilder>
  row: RowBuilder | undefined
  cell: CellBuilder | undefined
  hasNestedTable: boolean
}

interface LinkBuilder {
  readonly href: string
  readonly type: string | undefined
  text: string
}

const TAG_NAME = /([A-Za-z][^\s/>]*)/y
const ATTRIBUTE_NAME = /[^\s/>=]+/y
const UNQUOTED_VALUE = /[^\s>]*/y

interface Tag {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string>
  /** where the text after the tag starts */
  readonly end: number
}

/** The start tag at `at` (just after its `<`), or undefined when `<` does not open one. */
const readStartTag = (html: string, at: number): Tag | undefined => {
  TAG_NAME.lastIndex = at
  const name = TAG_NAME.exec(html)
  if (name === null) return undefined
  const attributes = new Map<string, string>()
  let i = at + name[1]!.length
  const length = html.length
  while (i < length) {
    const char = html[i]!
    if (char === ">") return { name: name[1]!.toLowerCase(), attributes, end: i + 1 }
    if (char === "/" || /\s/.test(char)) {
      i++
      continue
    }
    ATTRIBUTE_NAME.lastIndex = i
    const attribute = ATTRIBUTE_NAME.exec(html)
    if (attribute === null) {
      i++
      continue
    }
    i += attribute[0].length
    while (i < length && /\s/.test(html[i]!)) i++
    let value = ""
    if (html[i] === "=") {
      i++
      while (i < length && /\s/.test(html[i]!)) i++
      const quote = html[i]
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1)
        value = html.slice(i + 1, close < 0 ? length : close)
        i = close < 0 ? length : close + 1
      } else {
        UNQUOTED_VALUE.lastIndex = i
        value = UNQUOTED_VALUE.exec(html)![0]
        i += value.length
      }
    }
    const key = attribute[0].toLowerCase()
    if (!attributes.has(key)) attributes.set(key, decodeHtmlEntities(value))
  }
  return { name: name[1]!.toLowerCase(), attributes, end: length }
}

const span = (value: string | undefined, max: number): number => {
  const number = value === undefined ? Number.NaN : Number.parseInt(value.trim(), 10)
  return Number.isFinite(number) && number >= 1 ? Math.min(number, max) : 1
}

/** Reads the tables and links of an HTML page. */
export const parseHtmlPage = (html: string): HtmlPage => {
  const finished: Array<{ index: number; table: HtmlTable }> = []
  const open: Array<TableBuilder> = []
  const links: Array<HtmlLink> = []
  let link: LinkBuilder | undefined
  let baseHref: string | undefined
  let tables = 0

  const text = (raw: string) => {
    if (raw === "") return
    const decoded = decodeHtmlEntities(raw)
    if (link !== undefined) link.text += decoded
    const table = open.at(-1)
    if (table === undefined) return
    if (table.cell !== undefined) table.cell.text += decoded
    else if (table.inCaption) table.caption = (table.caption ?? "") + decoded
  }
  const separate = () => text(" ")

  const closeCell = (table: TableBuilder) => {
    table.cell = undefined
  }
  const closeRow = (table: TableBuilder) => {
    closeCell(table)
    table.row = undefined
  }
  const openRow = (table: TableBuilder) => {
    closeRow(table)
    table.row = { section: table.section, cells: [] }
    table.rows.push(table.row)
  }
  const closeLink = () => {
    if (link === undefined) return
    links.push({ href: link.href, text: collapse(link.text), type: link.type })
    link = undefined
  }

  const startTag = (tag: Tag) => {
    const table = open.at(-1)
    switch (tag.name) {
      case "table": {
        if (table !== undefined) {
          table.hasNestedTable = true
          separate()
        }
        open.push({
          index: tables++,
          id: tag.attributes.get("id"),
          caption: undefined,
          inCaption: false,
          section: undefined,
          rows: [],
          row: undefined,
          cell: undefined,
          hasNestedTable: false,
        })
        return
      }
      case "caption":
        if (table !== undefined) {
          closeRow(table)
          table.inCaption = true
        }
        return
      case "thead":
      case "tbody":
      case "tfoot":
        if (table !== undefined) {
          closeRow(table)
          table.inCaption = false
          table.section = tag.name
        }
        return
      case "tr":
        if (table !== undefined) {
          table.inCaption = false
          openRow(table)
        }
        return
      case "td":
      case "th":
        if (table !== undefined) {
          table.inCaption = false
          if (table.row === undefined) openRow(table)
          table.cell = {
            text: "",
            header: tag.name === "th",
            colspan: span(tag.attributes.get("colspan"), 1000),
            rowspan: span(tag.attributes.get("rowspan"), 65534),
          }
          table.row!.cells.push(table.cell)
        }
        return
      case "a": {
        closeLink()
        const href = tag.attributes.get("href")
        if (href !== undefined) link = { href: href.trim(), type: tag.attributes.get("type")?.toLowerCase(), text: "" }
        return
      }
      case "base":
        if (baseHref === undefined && tag.attributes.has("href")) baseHref = tag.attributes.get("href")!.trim()
        return
      default:
        if (SEPARATING.has(tag.name)) separate()
    }
  }

  const endTag = (name: string) => {
    const table = open.at(-1)
    switch (name) {
      case "table":
        if (table !== undefined) {
          open.pop()
          finished.push({ index: table.index, table: finishTable(table) })
          separate()
        }
        return
      case "caption":
        if (table !== undefined) table.inCaption = false
        return
      case "thead":
      case "tbody":
      case "tfoot":
        if (table !== undefined) {
          closeRow(table)
          table.section = undefined
        }
        return
      case "tr":
        if (table !== undefined) closeRow(table)
        return
      case "td":
      case "th":
        if (table !== undefined) closeCell(table)
        return
      case "a":
        closeLink()
        return
      default:
        if (SEPARATING.has(name)) separate()
    }
  }

  const length = html.length
  let i = 0
  while (i < length) {
    const lt = html.indexOf("<", i)
    if (lt < 0) {
      text(html.slice(i))
      break
    }
    text(html.slice(i, lt))
    if (html.startsWith("<!--", lt)) {
      const close = html.indexOf("-->", lt + 4)
      i = close < 0 ? length : close + 3
      continue
    }
    if (html.startsWith("<![CDATA[", lt)) {
      const close = html.indexOf("]]>", lt + 9)
      text(html.slice(lt + 9, close < 0 ? length : close))
      i = close < 0 ? length : close + 3
      continue
    }
    const next = html[lt + 1]
    if (next === "!" || next === "?") {
      const close = html.indexOf(">", lt + 2)
      i = close < 0 ? length : close + 1
      continue
    }
    if (next === "/") {
      TAG_NAME.lastIndex = lt + 2
      const name = TAG_NAME.exec(html)
      if (name === null) {
        // `</>` or `</ x>`: a bogus comment up to the next `>`
        const close = html.indexOf(">", lt + 2)
        i = close < 0 ? length : close + 1
        continue
      }
      const close = html.indexOf(">", lt + 2 + name[1]!.length)
      endTag(name[1]!.toLowerCase())
      i = close < 0 ? length : close + 1
      continue
    }
    const tag = readStartTag(html, lt + 1)
    if (tag === undefined) {
      text("<")
      i = lt + 1
      continue
    }
    i = tag.end
    if (RAW_TEXT.has(tag.name)) {
      const closing = new RegExp(`</${tag.name}[\\s/>]`, "gi")
      closing.lastIndex = i
      const found = closing.exec(html)
      if (found === null) i = length
      else {
        const close = html.indexOf(">", found.index)
        i = close < 0 ? length : close + 1
      }
      continue
    }
    startTag(tag)
  }
  // a page cut short: whatever is still open is finished as it stands
  closeLink()
  while (open.length > 0) {
    const table = open.pop()!
    finished.push({ index: table.index, table: finishTable(table) })
  }
  finished.sort((a, b) => a.index - b.index)
  return { tables: finished.map((entry) => entry.table), links, baseHref }
}

// ---------------------------------------------------------------------------------------------
// From rows of cells to a table

interface GridCell {
  readonly text: string
  /** a copy made by `colspan` (kept in the header, blank in the data) */
  readonly spanned: boolean
}

interface GridRow {
  readonly section: Section
  readonly allHeader: boolean
  readonly cells: Array<GridCell>
}

/**
 * Columns kept per table: far beyond a real table, and a bound on what a page of
 * `<td colspan="1000">` cells can make the grid cost.
 */
export const MAX_COLUMNS = 1000

/** Lays the cells out on a grid, `colspan` and `rowspan` taken into account. */
const layOut = (rows: ReadonlyArray<RowBuilder>): Array<GridRow> => {
  const grid: Array<GridRow> = []
  /** cells reaching down from rows above, by column */
  let pending = new Map<number, { cell: GridCell; remaining: number }>()
  let section: Section | null = null
  for (const row of rows) {
    // a rowspan does not reach across a header, body or footer boundary
    if (row.section !== section) pending = new Map()
    section = row.section
    const cells: Array<GridCell> = []
    const fromAbove = (column: number): boolean => {
      const above = pending.get(column)
      if (above === undefined) return false
      cells[column] = above.cell
      if (--above.remaining === 0) pending.delete(column)
      return true
    }
    let column = 0
    for (const cell of row.cells) {
      while (fromAbove(column)) column++
      if (column >= MAX_COLUMNS) break
      const value = collapse(cell.text)
      for (let offset = 0; offset < cell.colspan && column < MAX_COLUMNS; offset++) {
        const placed: GridCell = { text: value, spanned: offset > 0 }
        cells[column] = placed
        if (cell.rowspan > 1) pending.set(column, { cell: placed, remaining: cell.rowspan - 1 })
        column++
      }
    }
    const reach = Math.max(column, ...[...pending.keys()].map((key) => key + 1))
    for (; column < reach; column++) {
      if (!fromAbove(column)) cells[column] = { text: "", spanned: false }
    }
    grid.push({
      section: row.section,
      allHeader: row.cells.length > 0 && row.cells.every((cell) => cell.header),
      cells: Array.from({ length: cells.length }, (_, index) => cells[index] ?? { text: "", spanned: false }),
    })
  }
  return grid
}

/** Column names from raw header texts: trimmed, never empty (`column_3`), unique (`Score_2`). */
export const columnNames = (header: ReadonlyArray<string>, width = header.length): Array<string> => {
  const names: Array<string> = []
  const seen = new Set<string>()
  for (let index = 0; index < Math.max(width, header.length); index++) {
    const base = collapse(header[index] ?? "") || `column_${index + 1}`
    let name = base
    for (let copy = 2; seen.has(name.toLowerCase()); copy++) name = `${base}_${copy}`
    seen.add(name.toLowerCase())
    names.push(name)
  }
  return names
}

const finishTable = (table: TableBuilder): HtmlTable => {
  // footer rows (totals) are not data; HTML 4 put <tfoot> before <tbody>, so they go first
  const grid = layOut(table.rows).filter((row) => row.section !== "tfoot" && row.cells.some((cell) => cell.text !== ""))
  const inHead = grid.filter((row) => row.section === "thead")
  let headerRows: Array<GridRow>
  if (inHead.length > 0) headerRows = inHead
  else {
    const leading = grid.findIndex((row) => !row.allHeader)
    headerRows = grid.slice(0, leading < 0 ? grid.length : leading)
    if (headerRows.length === 0 && grid.length > 0) headerRows = [grid[0]!]
  }
  const body = grid.filter((row) => !headerRows.includes(row))
  // a loop, not Math.max(...rows): a spread of many thousand rows overflows the stack
  let width = 0
  for (const row of grid) width = Math.max(width, row.cells.length)
  // several header rows: each column's distinct texts, top to bottom ("Term 1" over "Score")
  const header = Array.from({ length: width }, (_, column) => {
    const parts: Array<string> = []
    for (const row of headerRows) {
      const part = row.cells[column]?.text ?? ""
      if (part !== "" && parts.at(-1) !== part) parts.push(part)
    }
    return parts.join(" ")
  })
  const columns = columnNames(header, width)
  const rows: Array<Array<string>> = []
  for (const row of body) {
    const values = Array.from({ length: width }, (_, column) => {
      const cell = row.cells[column]
      return cell === undefined || cell.spanned ? "" : cell.text
    })
    // a header repeated down a long table is not data
    if (values.every((value, column) => value === header[column])) continue
    rows.push(values)
  }
  const caption = table.caption === undefined ? undefined : collapse(table.caption) || undefined
  return {
    index: table.index,
    id: table.id?.trim() || undefined,
    caption,
    columns,
    rows,
    hasNestedTable: table.hasNestedTable,
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing a table, finding a CSV link

/** How a table is named in messages: `table 2 (#grades, "Term grades")`. */
export const describeTable = (table: HtmlTable): string => {
  const names = [
    table.id === undefined ? undefined : `#${table.id}`,
    table.caption === undefined ? undefined : `"${table.caption}"`,
  ].filter((name) => name !== undefined)
  return `table ${table.index}${names.length > 0 ? ` (${names.join(", ")})` : ""}`
}

/**
 * The table a scrape takes: `selector` a number is the table at that position (0 the first);
 * a text is the table whose id is that text (a leading `#` allowed) or whose caption contains
 * it, case ignored. Without a selector: the first table with data rows and no table inside
 * it (so a layout table around the data is passed over). A string says why none fits.
 */
export const chooseTable = (
  tables: ReadonlyArray<HtmlTable>,
  selector: number | string | undefined,
): HtmlTable | string => {
  if (selector === undefined) {
    const found = tables.find((table) => !table.hasNestedTable && table.rows.length > 0)
    if (found !== undefined) return found
    return tables.length === 0 ? "the page has no table" : `none of the page's ${tables.length} tables has data rows`
  }
  if (typeof selector === "number") {
    const found = tables[selector]
    if (found !== undefined) return found
    return tables.length === 0
      ? "the page has no table"
      : `the page has ${tables.length} table${tables.length === 1 ? "" : "s"}, so there is no table ${selector} (tables count from 0)`
  }
  const wanted = selector.trim().replace(/^#/, "").toLowerCase()
  const found =
    tables.find((table) => table.id?.toLowerCase() === wanted) ??
    tables.find((table) => table.caption?.toLowerCase().includes(wanted))
  if (found !== undefined) return found
  const known = tables.map(describeTable)
  return `no table has the id or a caption with "${selector}" (the page has ${known.length === 0 ? "no table" : known.join(", ")})`
}

const isCsvLink = (link: HtmlLink, resolved: URL): boolean =>
  /\.csv$/i.test(resolved.pathname) || (link.type?.includes("csv") ?? false)

/**
 * The CSV files the page links to, resolved against the page (and its `<base href>`), in
 * page order: links whose address ends in `.csv` or whose `type` says CSV, http(s) only. With
 * `matching`, only the links whose text or address contains it (case ignored).
 */
export const csvLinks = (page: HtmlPage, pageUrl: string, matching?: string): Array<URL> => {
  let base: URL
  try {
    base = page.baseHref === undefined ? new URL(pageUrl) : new URL(page.baseHref, pageUrl)
  } catch {
    base = new URL(pageUrl)
  }
  const wanted = matching?.trim().toLowerCase()
  const found: Array<URL> = []
  for (const link of page.links) {
    if (!URL.canParse(link.href, base.href)) continue
    const resolved = new URL(link.href, base)
    if (resolved.protocol !== "http:" && resolved.protocol !== "https:") continue
    if (!isCsvLink(link, resolved)) continue
    if (
      wanted !== undefined &&
      !link.text.toLowerCase().includes(wanted) &&
      !link.href.toLowerCase().includes(wanted) &&
      !resolved.href.toLowerCase().includes(wanted)
    ) {
      continue
    }
    resolved.hash = ""
    if (!found.some((url) => url.href === resolved.href)) found.push(resolved)
  }
  return found
}

/**
 * The charset an HTML page declares in its first bytes (`<meta charset>` or a
 * `http-equiv="content-type"` meta), read from those bytes decoded as Latin-1, or undefined.
 */
export const declaredHtmlCharset = (head: string): string | undefined => {
  const meta = /<meta\b[^>]*>/gi
  for (let match = meta.exec(head); match !== null; match = meta.exec(head)) {
    const tag = readStartTag(match[0], 1)
    if (tag === undefined) continue
    const charset = tag.attributes.get("charset")
    if (charset !== undefined && charset.trim() !== "") return charset.trim().toLowerCase()
    if (tag.attributes.get("http-equiv")?.toLowerCase() === "content-type") {
      const declared = /charset\s*=\s*["']?([^\s"';]+)/i.exec(tag.attributes.get("content") ?? "")
      if (declared !== null) return declared[1]!.toLowerCase()
    }
  }
  return undefined
}
