import type { FileParser } from "@batchops/core"
import { CsvParser } from "./CsvParser.js"
import type { ParserLimits } from "./ParserLimits.js"
import { makePdfParser, PdfParser } from "./PdfParser.js"
import { makeXlsxParser, XlsxParser } from "./XlsxParser.js"

/**
 * The built-in parsers in detection order (XLSX and PDF have magic bytes, CSV takes any
 * text), reading workbooks and PDFs within `limits`.
 */
export const makeBuiltinParsers = (limits: Partial<ParserLimits> = {}): ReadonlyArray<FileParser> => [
  makeXlsxParser(limits),
  makePdfParser(limits),
  CsvParser,
]

/** The built-in parsers with the default limits. */
export const builtinParsers: ReadonlyArray<FileParser> = [XlsxParser, PdfParser, CsvParser]
