/** Header and cell normalization rules of `standardize_results` (see docs/pipeline.md). */

/**
 * Clean a cell: zero-width spaces (U+200B) and byte-order marks (U+FEFF) go, the text is
 * normalized to Unicode NFC, every run of whitespace (no-break spaces U+00A0, U+2007 and
 * U+202F included) becomes one space, and the ends are trimmed; an empty result is missing.
 */
export const cleanCell = (value: string | null | undefined): string | undefined => {
  if (value === null || value === undefined || value.length === 0) return undefined
  if (!needsCleaning(value)) return value
  let text = ZERO_WIDTH.test(value) ? value.replace(ZERO_WIDTHS, "") : value
  if (BEYOND_LATIN.test(text)) text = text.normalize("NFC")
  return text.replace(/\s+/g, " ").trim() || undefined
}

const ZERO_WIDTH = /[\u200b\ufeff]/
const ZERO_WIDTHS = /[\u200b\ufeff]/g

/** A character at or above U+0300: below it, every text is already NFC. */
const BEYOND_LATIN = /[^\u0000-\u02ff]/

/**
 * True when a text is in Unicode NFC. Cheap for the usual cell or chunk: a text without a
 * character at or above U+0300 is NFC without asking ICU.
 */
export const isNfc = (text: string): boolean => !BEYOND_LATIN.test(text) || text.normalize("NFC") === text

/** The characters above ASCII that `\s` matches. */
const isUnicodeSpace = (c: number): boolean =>
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff

/**
 * True when a cell has whitespace to trim or collapse, a zero-width space to remove, or text
 * that is not NFC. Scanned by character code: it runs for every cell of a file, and almost
 * every cell is already clean.
 */
const needsCleaning = (text: string): boolean => {
  let previousSpace = true // a space at the start needs trimming
  let beyondLatin = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 32) {
      if (previousSpace) return true
      previousSpace = true
    } else if (c < 32 ? c >= 9 && c <= 13 : c >= 160 && (isUnicodeSpace(c) || c === 0x200b)) {
      return true
    } else {
      previousSpace = false
      if (c >= 0x300) beyondLatin = true
    }
  }
  // a space at the end needs trimming
  return previousSpace || (beyondLatin && text.normalize("NFC") !== text)
}

/**
 * A column name in canonical form: lower case, every run of characters outside a-z0-9
 * becomes one `_`, leading and trailing `_` removed ("Student ID" -> "student_id",
 * "Score (%)" -> "score"). A name with no letter or digit becomes "" (normalizeHeader
 * then names the column `column_<n>`).
 */
export const normalizeName = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")

/**
 * Normalize a whole header: names as above, an empty name becomes `column_<n>`, and a
 * repeated name gets `_2`, `_3`, ... in order of appearance.
 */
export const normalizeHeader = (names: ReadonlyArray<string | undefined>): Array<string> => {
  const seen = new Set<string>()
  const counts = new Map<string, number>()
  return names.map((raw, index) => {
    const base = normalizeName(raw ?? "") || `column_${index + 1}`
    let name = base
    let n = counts.get(base) ?? 1
    while (seen.has(name)) {
      n += 1
      name = `${base}_${n}`
    }
    counts.set(base, n)
    seen.add(name)
    return name
  })
}

/**
 * Rename columns that are aliases of a canonical name. The first alias present wins; an
 * alias is not renamed when its canonical name is already a column.
 */
export const applyAliases = (
  columns: ReadonlyArray<string>,
  aliases: Readonly<Record<string, ReadonlyArray<string>>>,
): { readonly columns: Array<string>; readonly renamed: Record<string, string> } => {
  const result = [...columns]
  const renamed: Record<string, string> = {}
  for (const [canonical, names] of Object.entries(aliases)) {
    if (result.includes(canonical)) continue
    for (const alias of names) {
      const index = result.indexOf(alias)
      if (index >= 0) {
        result[index] = canonical
        renamed[alias] = canonical
        break
      }
    }
  }
  return { columns: result, renamed }
}

/** Identifier columns are never numeric: the profile's keys and `id` / `*_id` / `*_no` / `*_number` / `*_code`. */
export const isIdentifierName = (column: string, keys: ReadonlyArray<string> = []): boolean =>
  keys.includes(column) || column === "id" || /_(id|no|number|code)$/.test(column)
