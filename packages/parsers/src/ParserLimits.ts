/**
 * How much reading one file may cost. A workbook is a ZIP and a PDF holds compressed streams,
 * so a small upload can claim gigabytes when read; these limits stop it with a failure that
 * says "resource limit" and names the setting that raises it. Each is a parser option with a
 * default; the reference host reads them from the environment settings named here.
 */

export interface ParserLimits {
  /** the most a file's compressed parts (workbook parts, PDF streams) may expand to together, in bytes */
  readonly maxExpandedBytes: number
  /** the most one workbook part may expand, in times its compressed size (past 8 MB) */
  readonly maxExpansionRatio: number
  /** the most parts a workbook's ZIP may have */
  readonly maxZipEntries: number
  /** the most pages a PDF may have */
  readonly maxPdfPages: number
  /** the most pieces of text a PDF may draw, over all its pages */
  readonly maxPdfTextItems: number
  /** the most one PDF stream may expand to, in bytes */
  readonly maxPdfStreamBytes: number
}

const MB = 1024 * 1024

/** The defaults: a 200-page report or a 50 MB workbook export passes them easily. */
export const DEFAULT_PARSER_LIMITS: ParserLimits = {
  maxExpandedBytes: 512 * MB,
  maxExpansionRatio: 200,
  maxZipEntries: 10_000,
  maxPdfPages: 2_000,
  maxPdfTextItems: 500_000,
  maxPdfStreamBytes: 64 * MB,
}

/** The environment setting of the reference host that raises each limit (sizes in MB). */
export const LIMIT_SETTINGS: { readonly [K in keyof ParserLimits]: string } = {
  maxExpandedBytes: "BATCHOPS_MAX_EXPANDED_MB",
  maxExpansionRatio: "BATCHOPS_MAX_EXPANSION_RATIO",
  maxZipEntries: "BATCHOPS_MAX_ZIP_ENTRIES",
  maxPdfPages: "BATCHOPS_MAX_PDF_PAGES",
  maxPdfTextItems: "BATCHOPS_MAX_PDF_TEXT_ITEMS",
  maxPdfStreamBytes: "BATCHOPS_MAX_PDF_STREAM_MB",
}

/** The limits, each given one or its default. */
export const parserLimits = (limits: Partial<ParserLimits> = {}): ParserLimits => ({
  ...DEFAULT_PARSER_LIMITS,
  ...Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)),
})

/** "(resource limit BATCHOPS_MAX_EXPANDED_MB)": the end of every failure a limit causes. */
export const resourceLimit = (limit: keyof ParserLimits): string => `(resource limit ${LIMIT_SETTINGS[limit]})`

/** "512 MB" */
export const megabytes = (bytes: number): string => `${Math.round(bytes / MB).toLocaleString("en-US")} MB`

/** "10,000" */
export const count = (value: number): string => value.toLocaleString("en-US")
