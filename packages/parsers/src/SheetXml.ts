/**
 * The little XML a workbook reader needs, written for speed over sheet XML that arrives in
 * pieces: attribute values from a start tag, text with its entities decoded, and the rows of a
 * sheet as the common shape the workbook formats share (SheetRow).
 */

/** One row of a sheet as read: its 0-based index, its cells by column, and what could not be read. */
export interface SheetRow {
  readonly index: number
  readonly cells: Array<string | null>
  /** cells that hold an error value (`#REF!`): missing in the record, counted to recognize a header of errors */
  readonly errors: number
  /** why some of the row could not be read (the rest of it is kept) */
  readonly problem?: string | undefined
}

/** A sheet's rows in order: `nextRow()` is undefined after the last. Throws for a sheet that cannot be read on. */
export interface SheetRows {
  nextRow(): SheetRow | undefined
}

/** A sheet's text, a piece at a time. */
export interface TextSource {
  /** the next piece of text, or undefined at the end (a streamed source may throw NEED_MORE instead: see SheetRecords) */
  next(): string | undefined
}

/** A sheet that cannot be read on, in words for the department (which row, what is wrong). */
export class SheetProblem extends Error {}

/** The most XML one row may take (a row is held whole until it closes): far beyond a real row of 16,384 cells. */
export const MAX_ROW_CHARS = 64 * 1024 * 1024

/** The value of attribute `name` in a start tag (`<c r="A1" t="s">`), decoded, or undefined. */
export const attribute = (tag: string, name: string): string | undefined => {
  let at = tag.indexOf(` ${name}=`)
  if (at < 0) {
    // attributes may be separated by line breaks or tabs as well as spaces
    if (!/[\t\n\r]/.test(tag)) return undefined
    at = tag.search(new RegExp(`\\s${name.replace(/[.:]/g, "\\$&")}=`))
    if (at < 0) return undefined
  }
  const quote = tag[at + name.length + 2]
  if (quote !== '"' && quote !== "'") return undefined
  const start = at + name.length + 3
  const end = tag.indexOf(quote, start)
  if (end < 0) return undefined
  const value = tag.slice(start, end)
  return value.includes("&") || value.includes("_x") ? decodeXml(value) : value
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }

/** Character references, the five named entities and Excel's `_xHHHH_` escapes, decoded. */
export const decodeXml = (text: string): string => {
  let decoded = text
  if (decoded.includes("&")) {
    decoded = decoded.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
      if (name.startsWith("#")) {
        const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10)
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole
      }
      return ENTITIES[name] ?? whole
    })
  }
  if (decoded.includes("_x")) {
    decoded = decoded.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
  }
  return decoded
}

/** The end of the start tag that opens at `from` (the index of its `>`), or -1 when it is not complete yet. */
export const tagEnd = (text: string, from: number): number => {
  // a quoted attribute value may hold ">": scanned by hand, as tags are short and this runs for every cell
  let quote = 0
  for (let at = from; at < text.length; at++) {
    const c = text.charCodeAt(at)
    if (quote !== 0) {
      if (c === quote) quote = 0
    } else if (c === 62) {
      return at
    } else if (c === 34 || c === 39) {
      quote = c
    }
  }
  return -1
}

/** Whether the element named at `at` (`<c`, `<row`) is exactly that name: followed by a space, `>` or `/`. */
export const isTag = (text: string, at: number, length: number): boolean => {
  const next = text.charCodeAt(at + length)
  return next === 32 || next === 62 || next === 47 || next === 9 || next === 10 || next === 13
}

/** The index of the next `<name` element (exactly that name) at or after `from`, or -1. */
export const findTag = (text: string, open: string, from: number): number => {
  let at = text.indexOf(open, from)
  while (at >= 0 && at + open.length < text.length && !isTag(text, at, open.length)) {
    at = text.indexOf(open, at + 1)
  }
  // a name cut by the end of the text cannot be told yet
  return at >= 0 && at + open.length >= text.length ? -2 : at
}
