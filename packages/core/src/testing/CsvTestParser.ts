/**
 * A minimal CSV parser for tests, so a plugin's tests run with `@batchops/core` alone. It
 * reads UTF-8 comma-separated text with quoted cells (`"a, b"`, `""` for a quote, line ends
 * inside quotes) and LF or CRLF line ends, and nothing else: real files (delimiters, encodings,
 * XLSX, PDF, format detection) are the business of the parsers in `@batchops/parsers`.
 */
import { definePlugin, type FileParser, PLUGIN_API_VERSION, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"

/**
 * Records per chunk by default: small, so even a few rows reach a stage in several chunks,
 * as a large file's do (a stage that keeps state across chunks is exercised).
 */
export const TEST_CHUNK_SIZE = 2

/** Split CSV text into records (quotes, commas, LF and CRLF). A final line end ends the last record. */
export const parseCsvText = (text: string): Array<RawRecord> => {
  const records: Array<RawRecord> = []
  let record: Array<string> = []
  let cell = ""
  let quoted = false
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
        continue
      }
      if (char === '"') quoted = false
      else cell += char
      i += 1
      continue
    }
    if (char === '"' && cell === "") {
      quoted = true
    } else if (char === ",") {
      record.push(cell)
      cell = ""
    } else if (char === "\n" || (char === "\r" && text[i + 1] === "\n")) {
      record.push(cell)
      records.push(record)
      record = []
      cell = ""
      if (char === "\r") i += 1
    } else {
      cell += char
    }
    i += 1
  }
  if (cell !== "" || record.length > 0 || quoted) {
    record.push(cell)
    records.push(record)
  }
  return records
}

export interface CsvTestParserOptions {
  /** the parser's name (default "csv-test") */
  readonly name?: string
  /** the format it reports (default "csv", as the real CSV parser does) */
  readonly format?: string
  /** records per chunk (default TEST_CHUNK_SIZE) */
  readonly chunkSize?: number
}

/** The test CSV parser: it accepts any bytes without a NUL byte (text), so it takes every text file. */
export const csvTestParser = (options: CsvTestParserOptions = {}): FileParser => {
  const name = options.name ?? "csv-test"
  const chunkSize = options.chunkSize ?? TEST_CHUNK_SIZE
  return {
    name,
    detect: (head) => !head.includes(0),
    parse: (source) =>
      Effect.map(source.bytes(), (bytes) => ({
        format: options.format ?? "csv",
        details: { parser: name, chunkSize },
        records: Stream.fromIterable(parseCsvText(new TextDecoder().decode(bytes))).pipe(Stream.grouped(chunkSize)),
      })),
  }
}

/** A plugin holding the test CSV parser (the runners register it after the built-ins). */
export const csvTestPlugin = definePlugin({
  name: "csv-test",
  apiVersion: PLUGIN_API_VERSION,
  parsers: [csvTestParser()],
})
