/**
 * Test doubles for core's unit tests: an in-memory line parser (core has no parser of its
 * own), an in-memory ReportPublisher that records what it is given, and a runner.
 */
import {
  batchopsPlugin,
  createRegistry,
  definePlugin,
  type FileParser,
  type PipelineRequest,
  type PipelineResult,
  type Plugin,
  type PublishedReports,
  type PublishRequest,
  type PublishResult,
  type RawRecord,
  type Registry,
  ReportPublisher,
  type Row,
  runPipeline,
  sourceFromBytes,
} from "@batchops/core"
import { Effect, Layer, Stream } from "effect"

/** Records per chunk the test parser yields: small, so a few rows already arrive in several chunks. */
export const TEST_CHUNK = 2

/** Split text into records: lines on "\n" (one trailing line end ignored), cells on ",". */
export const splitRecords = (text: string): Array<RawRecord> => {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text
  return body.split("\n").map((line) => line.replace(/\r$/, "").split(","))
}

const chunked = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/** A parser of comma-separated lines: any bytes without NUL are its format. */
export const testLinesParser = (options: { readonly name?: string; readonly chunkSize?: number } = {}): FileParser => ({
  name: options.name ?? "test-lines",
  detect: (head) => !head.includes(0),
  parse: (source) =>
    Effect.map(source.bytes(), (bytes) => ({
      format: "test-lines",
      details: { parser: options.name ?? "test-lines", chunkSize: options.chunkSize ?? TEST_CHUNK },
      records: Stream.fromIterable(
        chunked(splitRecords(new TextDecoder().decode(bytes)), options.chunkSize ?? TEST_CHUNK),
      ),
    })),
})

export const testParserPlugin = definePlugin({ name: "test-lines", apiVersion: 1, parsers: [testLinesParser()] })

/**
 * A parser of a JSON array of records, for cells the line parser cannot hold (commas, line
 * breaks). Registered after the line parser, so it is tried first.
 */
export const jsonRecordsPlugin = definePlugin({
  name: "test-json",
  apiVersion: 1,
  parsers: [
    {
      name: "test-json",
      detect: (head) => head[0] === 0x5b /* [ */,
      parse: (source) =>
        Effect.map(source.bytes(), (bytes) => ({
          format: "test-json",
          details: {},
          records: Stream.fromIterable(
            chunked(JSON.parse(new TextDecoder().decode(bytes)) as ReadonlyArray<RawRecord>, TEST_CHUNK),
          ),
        })),
    },
  ],
})

/** A file of records as the JSON parser reads them. */
export const table = (...records: ReadonlyArray<RawRecord>): string => JSON.stringify(records)

/** What the in-memory publisher was asked to do. */
export interface PublisherRecord {
  readonly requests: Array<PublishRequest>
  /** every writeRows call, rows copied */
  readonly batches: Array<ReadonlyArray<Row>>
  readonly finished: Array<PublishResult>
  aborted: number
}

export const FAKE_REPORTS: PublishedReports = {
  csv: "exports/test.summary.csv",
  pdf: "exports/test.summary.pdf",
  rejected: undefined,
}

/** A ReportPublisher that keeps everything in memory and returns fake paths. */
export const memoryPublisher = () => {
  const record: PublisherRecord = { requests: [], batches: [], finished: [], aborted: 0 }
  const layer = Layer.succeed(ReportPublisher, {
    open: (request) =>
      Effect.sync(() => {
        record.requests.push(request)
        return {
          writeRows: (rows) =>
            Effect.sync(() => {
              record.batches.push(rows.map((row) => ({ number: row.number, cells: [...row.cells] })))
            }),
          finish: (result) =>
            Effect.sync(() => {
              record.finished.push(result)
              return FAKE_REPORTS
            }),
          abort: () =>
            Effect.sync(() => {
              record.aborted += 1
            }),
        }
      }),
  })
  return { layer, record }
}

export const buildRegistry = (plugins: ReadonlyArray<Plugin> = []): Promise<Registry> =>
  Effect.runPromise(createRegistry([batchopsPlugin, testParserPlugin, jsonRecordsPlugin, ...plugins]))

/** A CSV text from lines. */
export const csv = (...lines: ReadonlyArray<string>): string => lines.join("\n") + "\n"

export interface RunOptions {
  readonly profile?: string
  readonly plan?: PipelineRequest["plan"]
  readonly plugins?: ReadonlyArray<Plugin>
  readonly registry?: Registry
  readonly name?: string
}

export interface RunOutcome {
  readonly result: PipelineResult
  readonly publisher: PublisherRecord
  /** the rows published as the dataset, in order */
  readonly published: ReadonlyArray<Row>
}

/** Run text (or bytes) through the pipeline with the test parser and the in-memory publisher. */
export const run = async (input: string | Uint8Array, options: RunOptions = {}): Promise<RunOutcome> => {
  const registry = options.registry ?? (await buildRegistry(options.plugins))
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input
  const { layer, record } = memoryPublisher()
  const request: PipelineRequest = {
    source: sourceFromBytes(options.name ?? "gradebook.csv", bytes),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.plan === undefined ? {} : { plan: options.plan }),
  }
  const result = await Effect.runPromise(Effect.provide(runPipeline(registry, request), layer))
  return { result, publisher: record, published: record.batches.flat() }
}

/** The step log of a stage. */
export const step = (result: PipelineResult, name: string) => {
  const found = result.stages.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no stage ${name} in ${result.stages.map((s) => s.name).join(", ")}`)
  return found
}

/** Cells of published rows, by column name. */
export const records = (outcome: RunOutcome): Array<Record<string, string | number | undefined>> => {
  const columns = outcome.publisher.requests[0]?.columns ?? []
  return outcome.published.map((row) => Object.fromEntries(columns.map((column, i) => [column, row.cells[i]])))
}
