/** The one entry of fontkit (pdfkit's font engine) that the reports use; it ships no types. */
declare module "fontkit" {
  /** Parses a font file (TrueType, OpenType, WOFF). */
  export function create(buffer: Uint8Array, postscriptName?: string): unknown
}
