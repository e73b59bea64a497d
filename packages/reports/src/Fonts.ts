/// <reference path="./fontkit.d.ts" />
/**
 * The fonts embedded in PDF reports. They ship with the npm package `@embedpdf/fonts-sc`
 * (Noto Sans CJK SC, OFL-1.1), whose glyphs cover Latin with every Vietnamese letter, Greek,
 * Cyrillic and the Chinese characters of GB 2312, so "José", "Nguyễn Văn An" and "李华" all
 * render as real glyphs. pdfkit embeds only the glyphs a report uses.
 *
 * Nothing is downloaded at run time: the files are resolved from the installed package, both
 * from the ESM and the CJS build of this package.
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import path from "node:path"

/** The package that ships the font files. */
export const FONT_PACKAGE = "@embedpdf/fonts-sc"

/** A font face as the report uses it: regular text or bold headings. */
export type FontWeight = "regular" | "bold"

/** The font files of each weight. */
export interface FontFiles {
  readonly regular: string
  readonly bold: string
}

const FILE_NAMES: Record<FontWeight, string> = {
  regular: "NotoSansHans-Regular.otf",
  bold: "NotoSansHans-Bold.otf",
}

/** A `require` that resolves from this module, in the ESM build, the CJS build and the sources. */
const localRequire = (): NodeJS.Require => {
  // In CommonJS `__filename` exists and `import.meta` does not; in ESM it is the reverse.
  if (typeof __filename === "string" && __filename !== "") return createRequire(__filename)
  return createRequire(import.meta.url)
}

const resolvePackageEntry = (): string => {
  const attempts: Array<() => NodeJS.Require> = [localRequire, () => createRequire(path.join(process.cwd(), "noop.js"))]
  let lastError: unknown
  for (const attempt of attempts) {
    try {
      // The package exposes only its entry point, not its folders: find the fonts beside it.
      return attempt().resolve(FONT_PACKAGE)
    } catch (error) {
      lastError = error
    }
  }
  throw new Error(
    `the PDF font package ${FONT_PACKAGE} is not installed (${lastError instanceof Error ? lastError.message : String(lastError)})`,
  )
}

let cachedFiles: FontFiles | undefined

/** The absolute paths of the font files. Throws an Error naming the package when it is missing. */
export const fontFiles = (): FontFiles => {
  if (cachedFiles !== undefined) return cachedFiles
  const entry = resolvePackageEntry()
  // entry is <package>/dist/index.{js,cjs}; the fonts are in <package>/fonts
  const dir = path.join(path.dirname(entry), "..", "fonts")
  const files: FontFiles = {
    regular: path.join(dir, FILE_NAMES.regular),
    bold: path.join(dir, FILE_NAMES.bold),
  }
  for (const file of [files.regular, files.bold]) {
    if (!existsSync(file)) throw new Error(`the PDF font file ${file} is missing from ${FONT_PACKAGE}`)
  }
  cachedFiles = files
  return files
}

const cachedData = new Map<FontWeight, Buffer>()

/** The bytes of a font file, read once per process (pdfkit parses them for each document). */
export const fontData = (weight: FontWeight): Buffer => {
  const cached = cachedData.get(weight)
  if (cached !== undefined) return cached
  const data = readFileSync(fontFiles()[weight])
  cachedData.set(weight, data)
  return data
}

/**
 * A parsed font as pdfkit takes it in place of the font file's bytes (a fontkit font): it lays
 * out text and says which characters it has glyphs for.
 */
export interface ParsedFont extends GlyphCoverage {
  readonly layout: (...args: ReadonlyArray<unknown>) => unknown
}

/** How many reports one parse of the fonts serves before it is parsed again (see parsedFonts). */
export const REPORTS_PER_PARSE = 32

let parsed: { fonts: Promise<Record<FontWeight, ParsedFont>>; uses: number } | undefined

/**
 * The fonts parsed for pdfkit, shared by the reports a process renders: parsing the two font
 * files took most of a small report's time. The parse is started again after
 * {@link REPORTS_PER_PARSE} reports, because a parsed font keeps every glyph it has drawn and a
 * server renders reports for weeks; and after a failure, so a repaired install is picked up.
 */
export const parsedFonts = (): Promise<Record<FontWeight, ParsedFont>> => {
  if (parsed === undefined || parsed.uses >= REPORTS_PER_PARSE) {
    const fonts = import("fontkit").then(({ create }) => {
      const open = (weight: FontWeight) => withoutCharset(create(fontData(weight)) as unknown as ParsedFont)
      return { regular: open("regular"), bold: open("bold") }
    })
    const entry = { fonts, uses: 0 }
    parsed = entry
    fonts.catch(() => {
      if (parsed === entry) parsed = undefined
    })
  }
  parsed.uses += 1
  return parsed.fonts
}

/**
 * A CID-keyed CFF font (as Noto Sans CJK is) has no glyph names, so its charset (a list of
 * 65,000 glyph ids) is read by nothing but the copy of its top dictionary that embedding a
 * subset makes, which replaces it with the subset's own. Reading it is most of embedding's
 * time, about 50 ms a font, so it is set to empty before anything copies it. A font of another
 * kind, or a fontkit whose tables look different, is left as it is.
 */
const withoutCharset = (font: ParsedFont): ParsedFont => {
  const cff = (font as unknown as Record<string, unknown>)["CFF "] as
    | { isCIDFont?: boolean; topDict?: Record<string, unknown> }
    | undefined
  const top = cff?.topDict
  if (cff?.isCIDFont === true && top !== undefined && Object.getOwnPropertyDescriptor(top, "charset")?.configurable) {
    Object.defineProperty(top, "charset", { value: null, enumerable: true, configurable: true, writable: true })
  }
  return font
}

/** A font that can say which characters it has glyphs for (a fontkit font does). */
export interface GlyphCoverage {
  readonly hasGlyphForCodePoint: (codePoint: number) => boolean
}

/** One face in a fallback chain: a name registered with pdfkit and its coverage. */
export interface Face {
  readonly name: string
  readonly coverage: GlyphCoverage
}

/** A piece of text drawn with one face. */
export interface Run {
  readonly face: string
  readonly text: string
}

/**
 * Splits a text into runs, each drawn with the first face of `faces` that has glyphs for its
 * characters. A character no face covers stays with the face of the text around it (the first
 * face at the start), so the text keeps reading in order and is still found by a search.
 * Combining marks and joiners stay with the character before them.
 */
export const splitRuns = (text: string, faces: ReadonlyArray<Face>): ReadonlyArray<Run> => {
  const first = faces[0]
  if (first === undefined) throw new Error("splitRuns needs at least one face")
  if (faces.length === 1) return text === "" ? [] : [{ face: first.name, text }]
  const runs: Array<Run> = []
  let face: string | undefined
  let current = ""
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0
    let chosen: string | undefined
    if (!isAttached(cp) || face === undefined) {
      for (const f of faces) {
        if (f.coverage.hasGlyphForCodePoint(cp)) {
          chosen = f.name
          break
        }
      }
    }
    const next = chosen ?? face ?? first.name
    if (next !== face && current !== "") {
      runs.push({ face: face ?? first.name, text: current })
      current = ""
    }
    face = next
    current += char
  }
  if (current !== "") runs.push({ face: face ?? first.name, text: current })
  return runs
}

/** Combining marks, variation selectors and zero-width joiners belong to the character before. */
const isAttached = (cp: number): boolean =>
  (cp >= 0x0300 && cp <= 0x036f) ||
  (cp >= 0x1ab0 && cp <= 0x1aff) ||
  (cp >= 0x1dc0 && cp <= 0x1dff) ||
  (cp >= 0x20d0 && cp <= 0x20ff) ||
  (cp >= 0xfe00 && cp <= 0xfe0f) ||
  (cp >= 0xfe20 && cp <= 0xfe2f) ||
  cp === 0x200c ||
  cp === 0x200d
