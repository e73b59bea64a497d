/**
 * A preview's run: the registry's stages up to `validate_results` (parsing, standardize,
 * validate), then a stage that keeps the first rows and what each column holds; nothing is
 * published. The API runs it in its file thread (PipelineThread.ts) or, without isolation, in
 * place; the answer is built from what it returns (Preview.ts).
 */
import {
  type Cell,
  type ColumnMappingSource,
  type PipelineResult,
  type Registry,
  ReportPublisher,
  runPipeline,
  type Stage,
  sourceFromBytes,
} from "@batchops/core"
import { Effect } from "effect"

/** Rows shown. */
export const PREVIEW_ROWS = 20

/** What the capture stage learns: the first rows, and per column how its present values read. */
export interface Capture {
  columns: ReadonlyArray<string>
  rows: Array<{ readonly row: number; readonly cells: ReadonlyArray<Cell | null> }>
  stats: Array<{ present: number; numbers: number; dates: number }>
}

const NUMBER = /^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?%?$/
const DATE = /^(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})([T ].*)?$/

/** The last preview stage: keeps the first rows and counts what each column holds. */
const captureStage = (capture: Capture): Stage => ({
  name: "preview_capture",
  description: "Keep the first rows and the columns' value kinds for a preview.",
  plugin: "batchops",
  start: (_context, columns) =>
    Effect.sync(() => {
      capture.columns = columns
      capture.stats = columns.map(() => ({ present: 0, numbers: 0, dates: 0 }))
      return {
        chunk: (rows) =>
          Effect.sync(() => {
            for (const row of rows) {
              if (capture.rows.length < PREVIEW_ROWS) {
                capture.rows.push({ row: row.number, cells: columns.map((_, i) => row.cells[i] ?? null) })
              }
              for (let i = 0; i < columns.length; i++) {
                const cell = row.cells[i]
                if (cell === undefined || cell === null) continue
                const stat = capture.stats[i]!
                stat.present += 1
                if (typeof cell === "number" || NUMBER.test(cell)) stat.numbers += 1
                else if (DATE.test(cell)) stat.dates += 1
              }
            }
            return rows
          }),
      }
    }),
})

/**
 * The registry's stages up to `through` (`validate_results`; `standardize_results` for the rows
 * of a file whose validation failed before any row), then the capture stage.
 */
const previewRegistry = (registry: Registry, capture: Capture, through: string): Registry => {
  const last = registry.stages.findIndex((stage) => stage.name === through)
  const stages = last < 0 ? registry.stages.slice(0, 1) : registry.stages.slice(0, last + 1)
  return { ...registry, stages: [...stages, captureStage(capture)] }
}

export interface PreviewRequest {
  readonly fileName: string
  readonly bytes: Uint8Array
  readonly profile: string
  readonly columnMapping?: ColumnMappingSource | undefined
}

export interface PreviewRun {
  readonly result: PipelineResult
  readonly capture: Capture
}

/**
 * Runs the preview stages over the file; when validation fails before any row (missing
 * columns), runs through `standardize_results` again so the rows still show as read.
 */
export const runPreview = Effect.fn("Preview.run")(function* (registry: Registry, request: PreviewRequest) {
  const through = (stage: string) => {
    const capture: Capture = { columns: [], rows: [], stats: [] }
    return runPipeline(previewRegistry(registry, capture, stage), {
      source: sourceFromBytes(request.fileName, request.bytes),
      profile: request.profile,
      columnMapping: request.columnMapping,
    }).pipe(
      Effect.provideService(ReportPublisher, {
        open: () => Effect.die(new Error("a preview publishes nothing")),
      }),
      Effect.map((result): PreviewRun => ({ result, capture })),
    )
  }
  const validated = yield* through("validate_results")
  const result = validated.result
  const standardizeFailed = result.incident?.stage === "standardize_results"
  if (result.incident !== null && !standardizeFailed && validated.capture.rows.length === 0) {
    return { result, capture: (yield* through("standardize_results")).capture }
  }
  return validated
})
