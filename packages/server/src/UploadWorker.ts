/**
 * Processing uploads from the work queue. `processNext` claims one `process_upload` item, runs
 * the upload's original through the pipeline (persisting each finished step and the progress
 * as it goes), stores the reports on disk and in the database, and records the outcome:
 *
 * - published: the upload is `published` and the work item completed, in one transaction;
 * - failed (a stage failed): the upload is `failed`, an incident with its ticket and first
 *   timeline event is opened for it, and the work item completed, in one transaction (the
 *   failure is recorded for people to act on, not retried automatically);
 * - anything unexpected (the database, the uploads folder, a defect): the work item is failed
 *   with a retry delay, and a later claim runs the upload again from the start.
 */
import { randomUUID } from "node:crypto"
import { readFile } from "node:fs/promises"
import path from "node:path"
import {
  draftIncident,
  type IncidentDraft,
  Models,
  openIncident,
  type PipelineResult,
  PublishError,
  ReportPublisher,
  RequestError,
  runPipeline,
  type StepEvent,
  type StepLog,
  sourceFromBytes,
} from "@batchops/core"
import { DirectoryPublisher } from "@batchops/reports"
import { IncidentsRepo, UploadsRepo, type WorkItem, WorkQueue } from "@batchops/store-sql"
import { Cause, Effect, Exit, Option } from "effect"
import { SqlClient } from "effect/sql"
import { UploadSettings } from "./UploadSettings.js"
import { PROCESS_UPLOAD, readOriginal } from "./UploadStore.js"

export interface ProcessOptions {
  /** unique per running worker (e.g. host + pid + random) */
  readonly worker: string
  /** how long a claim holds the item before another worker may take it over */
  readonly leaseMs: number
  /** delay before an item that hit an unexpected error is claimed again (default 30 s) */
  readonly retryAfterMs?: number | undefined
}

/** What `processNext` did with the item it claimed. */
export type ProcessOutcome =
  | {
      readonly workItemId: string
      readonly uploadId: string
      readonly status: "published"
      /** false when the lease was lost meanwhile (another worker took the item over) */
      readonly completed: boolean
    }
  | {
      readonly workItemId: string
      readonly uploadId: string
      readonly status: "failed"
      readonly incidentId: string
      readonly completed: boolean
    }
  | {
      readonly workItemId: string
      readonly uploadId: string | null
      /** an unexpected error: the item goes back to the queue after `retryAfterMs` */
      readonly status: "retry"
      readonly error: string
    }
  | {
      readonly workItemId: string
      readonly uploadId: string | null
      /** the item names no stored upload: failed for good, nothing to retry */
      readonly status: "discarded"
      readonly error: string
    }

const DEFAULT_RETRY_MS = 30_000

/** The report directory of one upload (so two uploads of the same file name never collide). */
export const uploadExportDir = (exportDir: string, uploadId: string): string => path.join(exportDir, uploadId)

const payloadUploadId = (item: WorkItem): string | null => {
  const payload = item.payload as { uploadId?: unknown } | null
  return typeof payload?.uploadId === "string" ? payload.uploadId : null
}

const toModelStep = (step: StepLog): Models.StepLog =>
  new Models.StepLog({
    name: step.name,
    plugin: step.plugin,
    status: step.status,
    durationMs: step.durationMs,
    log: step.log as Models.StepLog["log"],
  })

/** The failure's message, with the messages of its causes (a SqlError's says only "Query failed"). */
const message = (cause: Cause.Cause<unknown>): string => {
  const parts: Array<string> = []
  let error: unknown = Cause.squash(cause)
  while (error !== undefined && error !== null && parts.length < 4) {
    parts.push(error instanceof Error ? error.message : String(error))
    error = (error as { cause?: unknown }).cause
  }
  return parts.join(": ")
}

/**
 * A ReportPublisher writing to the upload's export folder (DirectoryPublisher) that, once the
 * files are there, stores the CSV and PDF bytes and paths on the upload's row too.
 */
const storingPublisher = (uploads: UploadsRepo["Service"], uploadId: string, outDir: string) => {
  const directory = DirectoryPublisher.make(outDir)
  return ReportPublisher.of({
    open: (request) =>
      Effect.map(directory.open(request), (session) => ({
        ...session,
        finish: (result) =>
          Effect.gen(function* () {
            const reports = yield* session.finish(result)
            const [csv, pdf] = yield* Effect.tryPromise({
              try: () => Promise.all([readFile(reports.csv), readFile(reports.pdf)]),
              catch: (cause) => new PublishError({ message: `cannot read the published reports back: ${cause}` }),
            })
            yield* uploads
              .updateReports(uploadId, {
                csv: new Uint8Array(csv),
                pdf: new Uint8Array(pdf),
                csvPath: reports.csv,
                pdfPath: reports.pdf,
                rows: result.datasetRows,
              })
              .pipe(
                Effect.mapError(
                  (error) =>
                    new PublishError({ message: `cannot store the reports in the database: ${error.message}` }),
                ),
              )
            return reports
          }),
      })),
  })
}

type Handled =
  | { readonly status: "published"; readonly completed: boolean }
  | { readonly status: "failed"; readonly incidentId: string; readonly completed: boolean }

/** Runs the claimed upload; fails (or dies) only for what is worth retrying. */
const handle = (item: WorkItem, uploadId: string, worker: string) =>
  Effect.gen(function* () {
    const { registry, exportDir } = yield* UploadSettings
    const sql = yield* SqlClient.SqlClient
    const uploads = yield* UploadsRepo
    const incidents = yield* IncidentsRepo
    const queue = yield* WorkQueue

    const found = yield* uploads.get(uploadId)
    if (Option.isNone(found)) return Option.none<Handled>()
    const upload = found.value
    // a retried run starts over: the steps of an earlier attempt no longer hold
    yield* uploads.updateSteps(upload.id, [])
    yield* uploads.updateStatus(upload.id, "processing", 0)
    const bytes = yield* readOriginal(upload)

    // onStep may not fail the pipeline (that would read as a stage failure and open an
    // incident): the first persistence error is kept and fails the run afterwards instead.
    const finished: Array<Models.StepLog> = []
    const total = registry.stages.length
    let persistError: Cause.Cause<unknown> | undefined
    const onStep = (event: StepEvent) =>
      event.type !== "finished" || persistError !== undefined
        ? Effect.void
        : Effect.gen(function* () {
            finished.push(toModelStep(event.step))
            yield* uploads.updateSteps(upload.id, finished)
            yield* uploads.updateStatus(upload.id, "processing", Math.min(100, (finished.length / total) * 100))
          }).pipe(
            Effect.catchCause((cause) =>
              Effect.sync(() => {
                persistError = cause
              }),
            ),
          )

    const outcome = yield* Effect.exit(
      runPipeline(registry, {
        source: sourceFromBytes(upload.fileName, bytes),
        profile: upload.profile,
        plan: { mode: upload.processMode, config: upload.processConfig },
        onStep,
      }).pipe(
        Effect.provideService(
          ReportPublisher,
          storingPublisher(uploads, upload.id, uploadExportDir(exportDir, upload.id)),
        ),
      ),
    )
    if (persistError !== undefined) return yield* Effect.failCause(persistError)

    // A request the registry refuses (its profile or plan is gone since the upload was taken)
    // is recorded like a stage failure: retrying cannot help.
    let result: PipelineResult | undefined
    let draft: IncidentDraft
    if (Exit.isSuccess(outcome)) {
      result = outcome.value
      if (result.status === "published") {
        const completed = yield* sql.withTransaction(
          Effect.gen(function* () {
            yield* uploads.updateStatus(upload.id, "published", 100)
            return yield* queue.complete(item.id, worker)
          }),
        )
        return Option.some<Handled>({ status: "published", completed })
      }
      draft = result.incident ?? draftIncident(registry.knownErrors, { stage: "pipeline", message: "failed" })
    } else {
      const error = Cause.squash(outcome.cause)
      if (!(error instanceof RequestError)) {
        return yield* Effect.failCause(outcome.cause)
      }
      draft = draftIncident(registry.knownErrors, { stage: "pipeline", message: error.message })
    }

    const now = new Date().toISOString()
    const opened = openIncident(draft, {
      newId: () => randomUUID(),
      now,
      uploadId: upload.id,
      fileName: upload.fileName,
    })
    const stored = yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* uploads.updateStatus(upload.id, "failed")
        // incidents.known_error references known_errors(name): the registry's known error is
        // recorded there the first time an incident names it (an operator's row is left alone)
        const known = registry.knownErrors.find((k) => k.name === draft.knownError)
        if (known !== undefined) {
          yield* sql`INSERT INTO known_errors (name, pattern, stage, severity, root_cause, corrective_action)
            VALUES (${known.name}, ${known.pattern}, ${known.stage ?? null}, ${known.severity}, ${known.rootCause},
              ${known.correctiveAction})
            ON CONFLICT (name) DO NOTHING`
        }
        const { incident } = yield* incidents.insert({
          id: opened.incident.id,
          uploadId: upload.id,
          stage: opened.incident.stage,
          error: opened.incident.error,
          severity: opened.incident.severity,
          knownError: opened.incident.knownError,
          rootCause: opened.incident.rootCause,
          correctiveAction: opened.incident.correctiveAction,
          ticketTitle: opened.ticket.title,
          actor: null,
        })
        const completed = yield* queue.complete(item.id, worker)
        return { incidentId: incident.id, completed }
      }),
    )
    return Option.some<Handled>({ status: "failed", ...stored })
  })

/**
 * Claims one `process_upload` item and processes it (see the module comment). `None` when
 * nothing is due. Fails only when the queue itself cannot be reached (claiming, or recording
 * an unexpected error).
 */
export const processNext = Effect.fn("UploadWorker.processNext")(function* (options: ProcessOptions) {
  const queue = yield* WorkQueue
  const claimed = yield* queue.claim({ worker: options.worker, kinds: [PROCESS_UPLOAD], leaseMs: options.leaseMs })
  if (Option.isNone(claimed)) return Option.none<ProcessOutcome>()
  const item = claimed.value
  const uploadId = payloadUploadId(item)
  if (uploadId === null) {
    const error = `work item ${item.id} names no upload`
    yield* queue.fail(item.id, options.worker, error)
    return Option.some<ProcessOutcome>({ workItemId: item.id, uploadId, status: "discarded", error })
  }
  const exit = yield* Effect.exit(handle(item, uploadId, options.worker))
  if (Exit.isSuccess(exit)) {
    const done = exit.value
    if (Option.isNone(done)) {
      const error = `upload ${uploadId} of work item ${item.id} does not exist`
      yield* queue.fail(item.id, options.worker, error)
      return Option.some<ProcessOutcome>({ workItemId: item.id, uploadId, status: "discarded", error })
    }
    const value = done.value
    return Option.some<ProcessOutcome>(
      value.status === "published"
        ? { workItemId: item.id, uploadId, status: "published", completed: value.completed }
        : {
            workItemId: item.id,
            uploadId,
            status: "failed",
            incidentId: value.incidentId,
            completed: value.completed,
          },
    )
  }
  if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause)
  const error = message(exit.cause)
  yield* Effect.logWarning(`upload ${uploadId}: unexpected error, retrying later`, exit.cause)
  yield* queue.fail(item.id, options.worker, error, { retryAfterMs: options.retryAfterMs ?? DEFAULT_RETRY_MS })
  return Option.some<ProcessOutcome>({ workItemId: item.id, uploadId, status: "retry", error })
})

export interface WorkerOptions extends ProcessOptions {
  /** the pause when the queue is empty or cannot be reached (default 1 s) */
  readonly idleMs?: number | undefined
}

/** Processes uploads until interrupted, pausing `idleMs` whenever nothing is due. */
export const runWorker = (options: WorkerOptions) =>
  Effect.gen(function* () {
    const idle = options.idleMs ?? 1000
    while (true) {
      const next = yield* processNext(options).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.as(Effect.logError("upload worker: cannot reach the work queue", cause), Option.none()),
        ),
      )
      if (Option.isNone(next)) yield* Effect.sleep(idle)
    }
  })
