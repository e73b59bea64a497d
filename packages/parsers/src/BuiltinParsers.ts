import type { FileParser } from "@batchops/core"
import { CsvParser } from "./CsvParser.js"
import { PdfParser } from "./PdfParser.js"
import { XlsxParser } from "./XlsxParser.js"

/** The built-in parsers in detection order: XLSX and PDF have magic bytes, CSV takes any text. */
export const builtinParsers: ReadonlyArray<FileParser> = [XlsxParser, PdfParser, CsvParser]
