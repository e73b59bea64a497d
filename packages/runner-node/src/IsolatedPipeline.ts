/**
 * How the host runs an untrusted file: the pipeline (or a preview) in a worker thread of its
 * own (PipelineThread.ts) under the limits of `BATCHOPS_PARSE_MEMORY_MB`,
 * `BATCHOPS_FILE_TIMEOUT_SECONDS` and `BATCHOPS_FILE_CPU_SECONDS`, while this thread answers
 * what touches the database (step logs, remembered column mappings, the lease check and the
 * stored reports). A limit passed is a named stage failure, FileLimitExceeded, that the
 * built-in known error `resource-limit` diagnoses.
 */

import { closeSync, openSync, readSync } from "node:fs"
import type { ColumnMapping, ColumnMappingSource, PipelineResult, PublishedReports, StepEvent } from "@batchops/core"
import { FileLimitExceeded, RequestError } from "@batchops/core"
import { detectFormat, type ParserLimits } from "@batchops/parsers"
import { Effect } from "effect"
import {
  type HostHandlers,
  type IsolatedTaskFailed,
  type IsolationLimits,
  type ResourceLimitExceeded,
  runIsolated,
} from "./Isolation.js"
import type { PreviewRun } from "./PreviewRun.js"

/** How the host isolates files: the limits per file, and the site plugins the thread loads. */
export interface FileIsolation {
  readonly limits: IsolationLimits
  /**
   * a module (URL or package name, plain JavaScript) whose `plugins` export lists the site
   * plugins the thread adds to the built-ins, as the host's registry does
   */
  readonly plugins?: string | undefined
  /** the files' threads run below the host thread's priority: set where they share a process with the API */
  readonly besideApi?: boolean | undefined
  /** what reading one file may cost inside the thread (the host: `parserLimitsFromEnv`); the parsers' defaults otherwise */
  readonly parserLimits?: Partial<ParserLimits> | undefined
}

/**
 * The thread's module. Threads run plain Node, so it is always the built one: beside the
 * bundle that runs this code (`dist/`), or, when this code runs from its TypeScript source
 * (the test suite), in the package's `dist/` (built by `tsup` before the tests).
 */
const threadEntry = (): URL =>
  new URL(import.meta.url.endsWith(".ts") ? "../dist/PipelineThread.js" : "./PipelineThread.js", import.meta.url)

/** What a run of the pipeline in the thread needs; everything can be posted to a thread. */
export interface FileTaskInput {
  readonly plugins: string | undefined
  readonly parserLimits?: Partial<ParserLimits> | undefined
  readonly fileName: string
  /** the file: its bytes, or a stored original the thread reads and checks itself */
  readonly file: Uint8Array | { readonly path: string; readonly uploadId: string; readonly sha256: string }
  readonly profile: string
  readonly plan?: { readonly mode?: string; readonly config?: unknown } | undefined
  readonly maxChange?: number | undefined
  /** a fixed mapping, or `"ask"`: the thread asks the host (`columnMapping`) */
  readonly columnMapping?: ColumnMapping | "ask" | undefined
  /** where stage outputs are stored, and the stored stage to start after */
  readonly checkpoints?: string | undefined
  readonly resume?:
    | {
        readonly after: string
        readonly steps: ReadonlyArray<{
          readonly name: string
          readonly durationMs: number
          readonly log: Readonly<Record<string, unknown>>
        }>
      }
    | undefined
  /** the folder the reports are published to (a preview publishes nothing) */
  readonly reportDir?: string | undefined
}

/** The host's side of publishing: whether it still may, and storing what was published. */
export interface PublishHost<R> {
  readonly mayPublish: Effect.Effect<boolean, never, R>
  readonly store: (reports: PublishedReports, rows: number) => Effect.Effect<void, { readonly message: string }, R>
}

export interface IsolatedFileRun<R> extends Omit<FileTaskInput, "plugins" | "columnMapping"> {
  readonly isolation: FileIsolation
  readonly columnMapping?: ColumnMappingSource | undefined
  readonly onStep?: ((event: StepEvent) => Effect.Effect<void, never, R>) | undefined
  readonly publish?: PublishHost<R> | undefined
}

const HEAD_BYTES = 8192

/** The first bytes of the file, which say its format. */
const fileHead = (file: FileTaskInput["file"]): Uint8Array => {
  if (file instanceof Uint8Array) return file.subarray(0, HEAD_BYTES)
  const head = new Uint8Array(HEAD_BYTES)
  const fd = openSync(file.path, "r")
  try {
    return head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0))
  } finally {
    closeSync(fd)
  }
}

/** "the workbook", "the PDF": what the file is, for a limit's message. */
const describeFile = (file: FileTaskInput["file"]): string => {
  let format: string
  try {
    format = detectFormat(fileHead(file))
  } catch {
    format = "unknown"
  }
  return format === "xlsx"
    ? "the workbook"
    : format === "pdf"
      ? "the PDF"
      : format === "csv"
        ? "the CSV file"
        : "the file"
}

/** The limit in the words of a file and the setting that raises it. */
const limitFailure = (
  error: ResourceLimitExceeded,
  file: string,
  stage: string,
  first: boolean,
  limits: IsolationLimits,
) => {
  const verb = first ? "read" : "process"
  const message =
    error.limit === "memory"
      ? `${file} needs more than ${limits.memoryMb} MB to ${verb} (resource limit BATCHOPS_PARSE_MEMORY_MB)`
      : error.limit === "cpu"
        ? `${file} needs more than ${limits.cpuMs / 1000} s of processor time to ${verb} (resource limit BATCHOPS_FILE_CPU_SECONDS)`
        : `${file} took longer than ${limits.wallClockMs / 1000} s to ${verb} (resource limit BATCHOPS_FILE_TIMEOUT_SECONDS)`
  return new FileLimitExceeded({ stage, message })
}

/**
 * Runs `task` ("pipeline" or "preview") over the file in a thread. The stage that was running
 * when a limit stopped the thread names the failure; a RequestError in the thread stays one.
 */
const runFileTask = <A, R>(
  task: "pipeline" | "preview",
  run: IsolatedFileRun<R>,
): Effect.Effect<A, FileLimitExceeded | RequestError | IsolatedTaskFailed, R> =>
  Effect.gen(function* () {
    const { isolation, columnMapping, onStep, publish, ...rest } = run
    // Every stage starts before the rows stream through them all: while stages are starting, a
    // limit stops the one starting; once all have, the first unfinished one, which the rows
    // come from (reading the file, for the first).
    const started: Array<string> = []
    const finished = new Set<string>()
    let stages = Number.POSITIVE_INFINITY
    const stoppedStage = () =>
      started.length < stages ? started.at(-1) : (started.find((name) => !finished.has(name)) ?? started.at(-1))
    const handlers: HostHandlers<R> = {
      step: (payload) => {
        const { event, stages: total } = payload as { event: StepEvent; stages: number }
        stages = total
        if (event.type === "started") started.push(event.stage)
        else finished.add(event.step.name)
        return onStep === undefined ? Effect.void : onStep(event)
      },
      columnMapping: (request) =>
        typeof columnMapping === "function"
          ? columnMapping(request as Parameters<typeof columnMapping>[0])
          : Effect.succeed(undefined),
      mayPublish: () => publish?.mayPublish ?? Effect.succeed(false),
      published: (payload) => {
        const { reports, rows } = payload as { reports: PublishedReports; rows: number }
        return publish === undefined ? Effect.void : publish.store(reports, rows)
      },
    }
    // bytes in memory: the thread gets its own copy, moved rather than copied again
    const file = run.file instanceof Uint8Array ? run.file.slice() : run.file
    const input: FileTaskInput = {
      ...rest,
      file,
      plugins: isolation.plugins,
      parserLimits: isolation.parserLimits,
      columnMapping: typeof columnMapping === "function" ? "ask" : columnMapping,
    }
    return (yield* runIsolated({
      entry: threadEntry(),
      task,
      input,
      transfer: file instanceof Uint8Array ? [file.buffer as ArrayBuffer] : [],
      limits: isolation.limits,
      handlers,
      lowerPriority: isolation.besideApi,
    }).pipe(
      Effect.catchTag("ResourceLimitExceeded", (error) => {
        const stage = stoppedStage()
        return Effect.fail(
          limitFailure(
            error,
            describeFile(run.file),
            stage ?? "standardize_results",
            stage === undefined || stage === started[0],
            isolation.limits,
          ),
        )
      }),
      Effect.catchTag(
        "IsolatedTaskFailed",
        (error): Effect.Effect<never, RequestError | IsolatedTaskFailed> =>
          error.tag === "RequestError" ? Effect.fail(new RequestError({ message: error.message })) : Effect.fail(error),
      ),
    )) as A
  })

/** The pipeline over an upload's file, in a thread with the file's limits. */
export const runPipelineIsolated = <R = never>(run: IsolatedFileRun<R>) =>
  runFileTask<PipelineResult, R>("pipeline", run)

/** A preview (PreviewRun.ts) of a file, in a thread with the file's limits. */
export const runPreviewIsolated = <R = never>(run: IsolatedFileRun<R>) => runFileTask<PreviewRun, R>("preview", run)
