import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs"

export interface PdfContent {
  /** the text of each page, items joined by spaces, whitespace collapsed */
  readonly pages: ReadonlyArray<string>
  readonly info: Record<string, unknown>
  /** the width and height of each page */
  readonly sizes: ReadonlyArray<readonly [number, number]>
}

/** Extracts text with pdfjs-dist: a glyph only extracts as its character when the font maps it. */
export const pdfContent = async (bytes: Uint8Array): Promise<PdfContent> => {
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false })
  const pdf = await task.promise
  const pages: Array<string> = []
  const sizes: Array<readonly [number, number]> = []
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n)
    const [, , width, height] = page.view as [number, number, number, number]
    sizes.push([width, height])
    const content = await page.getTextContent()
    const parts: Array<string> = []
    for (const item of content.items) if ("str" in item) parts.push(item.str)
    pages.push(parts.join(" ").replace(/\s+/g, " ").trim())
  }
  const metadata = await pdf.getMetadata()
  await task.destroy()
  return { pages, info: (metadata.info ?? {}) as Record<string, unknown>, sizes }
}

/** The PDF's bytes as latin1 text, to look at its (uncompressed) object dictionaries. */
export const pdfSource = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1")
