/**
 * Core's own test helpers, on top of the plugin author's kit (`@batchops/core/testing`): the
 * kit's CSV parser under the name core's tests know it by ("test-lines"), a JSON parser for
 * cells that need no escaping, and a runner that reports the in-memory publisher's record.
 */
import {
  batchopsPlugin,
  createRegistry,
  definePlugin,
  type PipelineRequest,
  type PipelineResult,
  PLUGIN_API_VERSION,
  type Plugin,
  type PublishedReports,
  type PublishRequest,
  type PublishResult,
  type RawRecord,
  type Registry,
  type ReportPublisher,
  type Row,
} from "@batchops/core"
import {
  csvTestParser,
  memoryPublisher as kitPublisher,
  type MemoryPublisher,
  publishedRecords,
  runTestPipeline,
  stepOf,
  TEST_CHUNK_SIZE,
} from "@batchops/core/testing"
import { Effect, type Layer, Stream } from "effect"

/** Records per chunk the test parsers yield: small, so a few rows already arrive in several chunks. */
export const TEST_CHUNK = TEST_CHUNK_SIZE

/** The kit's CSV parser, reporting its format as "test-lines". */
export const testLinesParser = (options: { readonly name?: string; readonly chunkSize?: number } = {}) =>
  csvTestParser({ name: options.name ?? "test-lines", format: "test-lines", chunkSize: options.chunkSize })

export const testParserPlugin = definePlugin({
  name: "test-lines",
  apiVersion: PLUGIN_API_VERSION,
  parsers: [testLinesParser()],
})

/**
 * A parser of a JSON array of records, for cells written as they are (no quoting). Registered
 * after the line parser, so it is tried first.
 */
export const jsonRecordsPlugin = definePlugin({
  name: "test-json",
  apiVersion: PLUGIN_API_VERSION,
  parsers: [
    {
      name: "test-json",
      detect: (head) => head[0] === 0x5b /* [ */,
      parse: (source) =>
        Effect.map(source.bytes(), (bytes) => ({
          format: "test-json",
          details: {},
          records: Stream.fromIterable(JSON.parse(new TextDecoder().decode(bytes)) as ReadonlyArray<RawRecord>).pipe(
            Stream.grouped(TEST_CHUNK),
          ),
        })),
    },
  ],
})

/** A file of records as the JSON parser reads them. */
export const table = (...records: ReadonlyArray<RawRecord>): string => JSON.stringify(records)

/** What the in-memory publisher was asked to do, over all its sessions. */
export interface PublisherRecord {
  readonly requests: ReadonlyArray<PublishRequest>
  /** every writeRows call, rows copied */
  readonly batches: ReadonlyArray<ReadonlyArray<Row>>
  readonly finished: ReadonlyArray<PublishResult>
  readonly aborted: number
}

/** The reports a run of "gradebook.csv" publishes first, as the in-memory publisher names them. */
export const FAKE_REPORTS: PublishedReports = {
  csv: "memory://1/gradebook.summary.csv",
  pdf: "memory://1/gradebook.summary.pdf",
  rejected: undefined,
}

/** The kit's publisher's sessions, read as one record. */
const recordOf = (publisher: MemoryPublisher): PublisherRecord => ({
  get requests() {
    return publisher.publications.map((p) => p.request)
  },
  get batches() {
    return publisher.publications.flatMap((p) => p.batches)
  },
  get finished() {
    return publisher.publications.flatMap((p) => (p.result === undefined ? [] : [p.result]))
  },
  get aborted() {
    return publisher.publications.filter((p) => p.aborted).length
  },
})

/** The kit's in-memory publisher, with its record in the shape core's tests read. */
export const memoryPublisher = (): {
  readonly layer: Layer.Layer<ReportPublisher>
  readonly record: PublisherRecord
} => {
  const publisher = kitPublisher()
  return { layer: publisher.layer, record: recordOf(publisher) }
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
  /** the published rows as records by column name */
  readonly records: ReadonlyArray<Readonly<Record<string, string | number | undefined>>>
}

/** Run text (or bytes) through the pipeline with the test parsers and the in-memory publisher. */
export const run = async (input: string | Uint8Array, options: RunOptions = {}): Promise<RunOutcome> => {
  const registry = options.registry ?? (await buildRegistry(options.plugins))
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input
  const outcome = await Effect.runPromise(
    runTestPipeline(
      registry,
      { name: options.name ?? "gradebook.csv", bytes },
      {
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.plan === undefined ? {} : { plan: options.plan }),
      },
    ),
  )
  const publication = outcome.publication
  return {
    result: outcome.result,
    publisher: recordOf(outcome.publisher),
    published: publication?.rows ?? [],
    records: publication === undefined ? [] : publishedRecords(publication),
  }
}

/** The step log of a stage (throws, listing the steps, when it is not there). */
export const step = stepOf

/** Cells of published rows, by column name. */
export const records = (outcome: RunOutcome) => outcome.records
