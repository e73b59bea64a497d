/**
 * The CSV text rules shared by the parser and the thread that splits large files: whether a
 * text's cells need cleaning, and the split of text without quotes into records by cell-end
 * offsets. Node built-ins only: the splitting thread loads this and nothing else.
 */

/** How the text is laid out. */
export interface Dialect {
  readonly delimiter: "," | ";" | "\t" | "|"
  /** "\r" for old Mac files whose lines end in a lone CR; otherwise "\n" */
  readonly newline: "\n" | "\r"
  /** lines end in "\r\n": a trailing "\r" is removed from each record's last cell (so mixed line ends work too) */
  readonly crlf: boolean
}

/** The slots of the counters the parser shares with the thread that splits a large file (see CsvThread). */
export const TAKEN = 0
export const STOP = 1
export const WAITING = 2

/** Whitespace other than a plain space (what `\s` matches), a tab excepted, and the zero-width space cleaning removes. */
const OTHER_SPACE = /[\v\f\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/

/**
 * A character that NFC might change or combine with the one before it: one outside the
 * ranges below U+0300, Latin Extended Additional (Vietnamese), the CJK ideographs and the
 * Hangul syllables, which are all unchanged by NFC and never the second of a composed pair.
 * Text made of those ranges only is NFC without asking ICU.
 */
const MAYBE_NOT_NFC = /[^\u0000-\u02ff\u1e00-\u1eff\u4e00-\u9fff\uac00-\ud7a3]/

/** Either of the two above (the other spaces from U+1680 on are outside the NFC ranges). */
const OTHER_SPACE_OR_MAYBE_NOT_NFC = /[\v\f\u00a0]|[^\u0000-\u02ff\u1e00-\u1eff\u4e00-\u9fff\uac00-\ud7a3]/

const isSpaceCode = (code: number) => code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code > 0x1000

/**
 * Whether every cell parsed from this text is already trimmed and collapsed: no whitespace
 * next to a delimiter or a line end, no two spaces, no whitespace but plain spaces (tabs only
 * as the delimiter), no lone carriage return, no quote (a quoted cell may hold anything), and
 * text already in Unicode NFC (the rule of core's `cleanCell`).
 * Plain substring searches rather than one pattern: they run over every byte of the file.
 */
export const isCleanText = (text: string, dialect: Dialect): boolean => {
  if (dialect.newline === "\r" || text.length === 0) return false
  const d = dialect.delimiter
  if (isSpaceCode(text.charCodeAt(0)) || isSpaceCode(text.charCodeAt(text.length - 1))) return false
  if (text.includes('"') || text.includes("  ") || text.includes(` ${d}`) || text.includes(`${d} `)) return false
  if (text.includes(" \n") || text.includes(" \r") || text.includes("\n ")) return false
  if (d !== "\t" && text.includes("\t")) return false
  // one search for the usual text, with neither kind of character; the two apart only when it has one
  if (OTHER_SPACE_OR_MAYBE_NOT_NFC.test(text)) {
    if (OTHER_SPACE.test(text)) return false
    if (MAYBE_NOT_NFC.test(text) && text.normalize("NFC") !== text) return false
  }
  // a carriage return is only a line end's first half
  return dialect.crlf ? !/\r(?!\n)/.test(text) : !text.includes("\r")
}

/**
 * Splits text without quotes at line feeds and delimiters, as papaparse does such text: each
 * cell's end offset goes into `ends`, a record's last cell as the bitwise complement of its
 * line feed's offset. Only records ended by a line feed are taken unless `final`, when the
 * text after the last line feed is one more record (if there is any). Returns how many
 * offsets were written and how much of the text the records take (up to and including the
 * last line feed taken). `ends` must have room for `text.length + 1` offsets.
 */
export const splitRecords = (
  text: string,
  delimiter: string,
  final: boolean,
  ends: Int32Array,
): { readonly count: number; readonly consumed: number } => {
  let count = 0
  let start = 0
  // the next delimiter is searched for once per delimiter, never again per line: a file
  // without delimiters after some point costs one search, not one per line
  let cell = text.indexOf(delimiter)
  for (let line = text.indexOf("\n"); line !== -1; line = text.indexOf("\n", start)) {
    while (cell !== -1 && cell < line) {
      ends[count++] = cell
      cell = text.indexOf(delimiter, cell + 1)
    }
    ends[count++] = ~line
    start = line + 1
  }
  if (final && start < text.length) {
    while (cell !== -1) {
      ends[count++] = cell
      cell = text.indexOf(delimiter, cell + 1)
    }
    ends[count++] = ~text.length
    start = text.length
  }
  return { count, consumed: start }
}

/**
 * The records that `splitRecords` found in `text`: each cell a slice of it. With `crlf`, a
 * carriage return ending a record's last cell is removed (papaparse leaves it there).
 */
export const recordsFromEnds = (text: string, ends: Int32Array, count: number, crlf: boolean): Array<Array<string>> => {
  const records: Array<Array<string>> = []
  let start = 0
  let k = 0
  while (k < count) {
    // each record's array made at its length: growing it cell by cell cost half as much again
    let last = k
    while (ends[last]! >= 0) last++
    const record = new Array<string>(last - k + 1)
    for (let cell = 0; k < last; cell++, k++) {
      const end = ends[k]!
      record[cell] = text.slice(start, end)
      start = end + 1
    }
    const line = ~ends[k++]!
    record[record.length - 1] = text.slice(
      start,
      crlf && line > start && text.charCodeAt(line - 1) === 13 ? line - 1 : line,
    )
    records.push(record)
    start = line + 1
  }
  return records
}
