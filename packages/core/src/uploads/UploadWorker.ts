/**
 * The upload worker: claims a `process_upload` work item, runs the upload's file through the
 * host's UploadRunner while a heartbeat keeps the item's lease, and records what came of it in
 * one transaction with completing the item: published (resolving the incident a retry was
 * counted on), held for approval, or failed with an incident diagnosed against the known
 * errors. An unexpected error puts the item back in the queue; an item whose runs keep ending
 * without a result is given up with an incident. A worker that loses the lease publishes and
 * records nothing.
 */
import { Cause, Clock, Deferred, Effect, Exit, Option, Result } from "effect"
import { enqueueIncidentMail } from "../incidents/IncidentMail.js"
import { matchingKnownErrors, recordFailure } from "../incidents/IncidentService.js"
import { resolveByRetry } from "../incidents/IncidentWorkflow.js"
import { draftIncident, type IncidentDraft } from "../known-errors/KnownError.js"
import * as Models from "../models/Models.js"
import type { ResumePoint } from "../pipeline/Checkpoint.js"
import { PublishError, RequestError } from "../pipeline/Errors.js"
import { DEFAULT_MAX_SHARE } from "../pipeline/MassChangeGuard.js"
import type { PipelineResult, StepEvent, StepLog } from "../pipeline/Pipeline.js"
import { CurrentRegistry, type Registry } from "../plugins/Registry.js"
import { ColumnMappingsRepo } from "../ports/ColumnMappingsRepo.js"
import { IncidentsRepo } from "../ports/IncidentsRepo.js"
import { Transactions } from "../ports/Transactions.js"
import { UploadCheckpoints } from "../ports/UploadCheckpoints.js"
import { FileLimitExceeded, type StoredReports, UploadRunner } from "../ports/UploadRunner.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { type WorkItem, WorkQueue } from "../ports/WorkQueue.js"
import { type ClaimLoopOptions, claimLoop } from "../runtime/ClaimLoop.js"
import { causeMessage } from "../runtime/Failures.js"
import { type Lease, LeaseLost, leaseHeld, withLease } from "../runtime/Lease.js"
import { PROCESS_UPLOAD, type ProcessUploadPayload } from "../runtime/WorkItems.js"
import type { ColumnMappingSource } from "./ColumnMapping.js"

export interface UploadProcessOptions {
  /** unique per running worker (e.g. host + pid + random) */
  readonly worker: string
  /** how long a claim holds the item before another worker may take it over */
  readonly leaseMs: number
  /** delay before an item that hit an unexpected error is claimed again (default 30 s) */
  readonly retryAfterMs?: number | undefined
  /**
   * runs of one item (unexpected errors, workers that died during it) before the upload is
   * given up as failed, with an incident (default 5)
   */
  readonly maxAttempts?: number | undefined
}

/** What `processNextUpload` did with the item it claimed. */
export type UploadOutcome =
  | {
      readonly workItemId: string
      readonly uploadId: string
      readonly status: "published"
      /** the work item was completed with the upload (a run whose lease was lost ends `lost` instead) */
      readonly completed: boolean
    }
  | {
      readonly workItemId: string
      readonly uploadId: string
      /** a plan changed more rows than allowed: the upload waits for an admin or moderator */
      readonly status: "awaiting_approval"
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
  | {
      readonly workItemId: string
      readonly uploadId: string
      /** the lease was lost during the run (another worker took the item over): nothing was published */
      readonly status: "lost"
    }

const DEFAULT_RETRY_MS = 30_000
const DEFAULT_MAX_ATTEMPTS = 5

/**
 * The item was run `attempts` times without a result (unexpected errors, or workers that died
 * during the run: a file that crashes every worker must not crash them forever). The upload
 * fails with an incident saying so, and the item fails for good.
 */
const giveUp = (item: WorkItem, uploadId: string, worker: string, attempts: number, lastError: string | null) =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const uploads = yield* UploadsRepo
    const queue = yield* WorkQueue
    const found = yield* uploads.get(uploadId)
    const error =
      `the upload could not be processed: ${attempts} attempt${attempts === 1 ? "" : "s"} ended without a result ` +
      `(last: ${lastError ?? "the worker stopped during the run"})`
    if (Option.isNone(found)) {
      yield* queue.fail(item.id, worker, error)
      return Option.none<string>()
    }
    const upload = found.value
    const known = yield* matchingKnownErrors()
    const draft = draftIncident(known, { stage: "pipeline", message: error })
    return yield* tx.withTransaction(
      Effect.gen(function* () {
        if (!(yield* queue.fail(item.id, worker, error))) return Option.none<string>()
        yield* uploads.updateStatus(upload.id, "failed")
        const recorded = yield* recordFailure(draft, upload.id, upload.fileName, {
          incidentId: payloadOf(item).incidentId,
        })
        yield* uploads.setIncident(upload.id, recorded.incidentId)
        return Option.some(recorded.incidentId)
      }),
    )
  })

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

/** Stores the published CSV and PDF bytes and paths on the upload's row. */
const storeReports = (uploads: UploadsRepo["Service"], uploadId: string, reports: StoredReports, rows: number) =>
  uploads
    .updateReports(uploadId, { ...reports, rows })
    .pipe(
      Effect.mapError(
        (error) => new PublishError({ message: `cannot store the reports in the database: ${error.message}` }),
      ),
    )

type Handled =
  | { readonly status: "published"; readonly completed: boolean }
  | { readonly status: "failed"; readonly incidentId: string; readonly completed: boolean }
  | { readonly status: "awaiting_approval"; readonly completed: boolean }

const payloadOf = (item: WorkItem): ProcessUploadPayload => item.payload as ProcessUploadPayload

/**
 * Where the run starts: after the stored output of `payload.resumeAfter` when it can be read
 * back intact, else from the file (with the reason, for the upload's timeline).
 */
const resumePoint = (
  registry: Registry,
  uploadId: string,
  payload: ProcessUploadPayload,
  earlier: ReadonlyArray<Models.StepLog>,
) =>
  Effect.gen(function* () {
    const checkpoints = yield* UploadCheckpoints
    const after = payload.resumeAfter
    if (after === undefined || after === null) return { resume: undefined, refused: undefined }
    const index = registry.stages.findIndex((stage) => stage.name === after)
    if (index < 0 || index === registry.stages.length - 1) {
      return { resume: undefined, refused: `the stage "${after}" is no longer one the output can be reused after` }
    }
    const stored = yield* Effect.result(checkpoints.read(uploadId, index, after))
    if (Result.isFailure(stored)) return { resume: undefined, refused: stored.failure.message }
    const resume: ResumePoint = {
      after,
      snapshot: stored.success.snapshot,
      next: stored.success.next,
      steps: earlier,
    }
    return { resume, refused: undefined }
  })

/**
 * The mappings remembered for the upload's department and profile, as the pipeline's lookup:
 * when the file's header does not satisfy its profile, a mapping confirmed for the same header
 * set renames its headers (the standardize step log records it as `columnMapping`). Read
 * before the run, so a database error is retried like any other, never a stage failure.
 */
const rememberedMappings = (upload: Models.Upload) =>
  Effect.gen(function* () {
    const repo = yield* Effect.serviceOption(ColumnMappingsRepo)
    if (Option.isNone(repo) || upload.profile === "auto") return undefined
    const department = yield* repo.value.uploadDepartment(upload.id)
    if (department === null) return undefined
    const stored = (yield* repo.value.list(department)).filter((mapping) => mapping.profile === upload.profile)
    if (stored.length === 0) return undefined
    const byFingerprint = new Map(stored.map((mapping) => [mapping.fingerprint, mapping.mapping]))
    const lookup: ColumnMappingSource = ({ fingerprint }) => Effect.succeed(byFingerprint.get(fingerprint))
    return lookup
  })

/** Runs the claimed upload; fails (or dies) only for what is worth retrying. */
const handle = (lease: Lease, payload: ProcessUploadPayload) =>
  Effect.gen(function* () {
    const { item, worker } = lease
    const uploadId = payload.uploadId
    const registry = yield* CurrentRegistry
    const runner = yield* UploadRunner
    const checkpoints = yield* UploadCheckpoints
    const tx = yield* Transactions
    const uploads = yield* UploadsRepo
    const queue = yield* WorkQueue
    const incidents = yield* IncidentsRepo

    const found = yield* uploads.get(uploadId)
    if (Option.isNone(found)) return Option.none<Handled>()
    const upload = found.value
    const { resume, refused } = yield* resumePoint(registry, upload.id, payload, upload.steps)
    if (refused !== undefined) {
      yield* Effect.logWarning(`upload ${upload.id}: running from the file: ${refused}`)
      yield* uploads.appendEvent(upload.id, {
        actor: null,
        kind: "resume_refused",
        message: `cannot resume after ${payload.resumeAfter}; running from the file: ${refused}`,
        data: { resumeAfter: payload.resumeAfter ?? null },
      })
    }
    // a run from the file starts over: the steps and stored outputs of an earlier attempt no longer hold
    if (resume === undefined) yield* checkpoints.discard(upload.id)
    yield* uploads.updateSteps(upload.id, [])
    yield* uploads.updateStatus(upload.id, "processing", 0)
    const columnMapping = yield* rememberedMappings(upload)

    // onStep may not fail the pipeline (that would read as a stage failure and open an
    // incident): the first persistence error is kept and fails the run afterwards instead.
    const finished: Array<Models.StepLog> = []
    const total = registry.stages.length
    let persistError: Cause.Cause<unknown> | undefined
    const onStep = (event: StepEvent) =>
      event.type !== "finished" || persistError !== undefined
        ? Effect.void
        : Effect.gen(function* () {
            // another worker runs the upload now: its steps are not ours to write
            if (yield* Deferred.isDone(lease.lost)) return
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

    const run = runner.run({
      upload,
      resume,
      onStep,
      // an approved run publishes whatever its plan changes
      maxChange: payload.approved ? undefined : (runner.maxChange ?? DEFAULT_MAX_SHARE),
      columnMapping,
      mayPublish: leaseHeld(lease).pipe(Effect.provideService(WorkQueue, queue)),
      storeReports: (reports, rows) => storeReports(uploads, upload.id, reports, rows),
    })
    const outcome = yield* Effect.exit(run)
    if (persistError !== undefined) return yield* Effect.failCause(persistError)

    // A request the registry refuses (its profile or plan is gone since the upload was taken)
    // is recorded like a stage failure: retrying cannot help.
    let result: PipelineResult | undefined
    let draft: IncidentDraft
    if (Exit.isSuccess(outcome)) {
      result = outcome.value
      if (result.status === "published") {
        // the item is completed first: when another worker holds it now, everything rolls back
        yield* tx.withTransaction(
          Effect.gen(function* () {
            if (!(yield* queue.complete(item.id, worker))) return yield* new LeaseLost({ workItemId: item.id })
            yield* uploads.updateStatus(upload.id, "published", 100)
            if (payload.incidentId !== undefined) yield* resolveRetried(incidents, payload.incidentId, upload.id)
          }),
        )
        yield* checkpoints.discard(upload.id)
        return Option.some<Handled>({ status: "published", completed: true })
      }
      if (result.status === "awaiting_approval" && result.approval !== null) {
        const approval = result.approval
        yield* tx.withTransaction(
          Effect.gen(function* () {
            if (!(yield* queue.complete(item.id, worker))) return yield* new LeaseLost({ workItemId: item.id })
            yield* uploads.updateStatus(upload.id, "awaiting_approval", 100)
            yield* uploads.setApproval(upload.id, {
              request: approval,
              heldAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
              ...(payload.incidentId === undefined ? {} : { incidentId: payload.incidentId }),
            })
            yield* uploads.appendEvent(upload.id, {
              actor: null,
              kind: "held",
              message: `waiting for approval: ${approval.message}`,
              data: {
                stage: approval.stage,
                inputRows: approval.inputRows,
                deleted: approval.deleted,
                appended: approval.appended,
                share: approval.share,
                maxShare: approval.maxShare,
              },
            })
          }),
        )
        return Option.some<Handled>({ status: "awaiting_approval", completed: true })
      }
      draft = result.incident ?? draftIncident(registry.knownErrors, { stage: "pipeline", message: "failed" })
    } else {
      // a file that passed a limit of its thread fails the stage it was in, for good: a retry
      // would stop at the same limit
      const error = Cause.squash(outcome.cause)
      if (error instanceof FileLimitExceeded) {
        draft = draftIncident(registry.knownErrors, { stage: error.stage, message: error.message })
      } else if (error instanceof RequestError) {
        draft = draftIncident(registry.knownErrors, { stage: "pipeline", message: error.message })
      } else {
        return yield* Effect.failCause(outcome.cause)
      }
    }

    // The site's known errors (active database rows) come before the plugins' ones.
    const known = yield* matchingKnownErrors()
    draft = draftIncident(known, { stage: draft.stage, message: draft.error, plugin: draft.plugin ?? undefined })
    const stored = yield* tx.withTransaction(
      Effect.gen(function* () {
        // completed first: when another worker holds the item now, no incident is recorded here
        if (!(yield* queue.complete(item.id, worker))) return yield* new LeaseLost({ workItemId: item.id })
        yield* uploads.updateStatus(upload.id, "failed")
        // the same failure from the same source joins its group's incident instead of opening
        // another; a retry's failure joins the incident the retry was counted on
        const recorded = yield* recordFailure(draft, upload.id, upload.fileName, { incidentId: payload.incidentId })
        yield* uploads.setIncident(upload.id, recorded.incidentId)
        return { incidentId: recorded.incidentId, completed: true }
      }),
    )
    return Option.some<Handled>({ status: "failed", ...stored })
  })

/** A retry of the upload published: its incident is resolved by the retry (when it is still open). */
const resolveRetried = (incidents: IncidentsRepo["Service"], incidentId: string, uploadId: string) =>
  Effect.gen(function* () {
    const found = yield* incidents.get(incidentId)
    if (Option.isNone(found)) return
    const incident = found.value
    if (incident.status !== "open" && incident.status !== "in_progress") {
      yield* Effect.logInfo(`upload ${uploadId} published; incident ${incidentId} is ${incident.status}, left as it is`)
      return
    }
    const resolved = yield* resolveByRetry(incident, null, new Date(yield* Clock.currentTimeMillis).toISOString())
    yield* incidents.save(incident, resolved)
    yield* enqueueIncidentMail({ incidentId, event: "resolved", at: resolved.updatedAt })
  })

/** Puts an abandoned item back in the queue, due at once, and its upload back to `queued`. */
const release = (item: WorkItem, uploadId: string, worker: string) =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const queue = yield* WorkQueue
    const uploads = yield* UploadsRepo
    yield* tx.withTransaction(
      Effect.gen(function* () {
        const released = yield* queue.fail(item.id, worker, "the worker stopped before finishing", { retryAfterMs: 0 })
        if (released) yield* uploads.updateStatus(uploadId, "queued", 0)
      }),
    )
  }).pipe(Effect.ignore)

/**
 * Claims one `process_upload` item and processes it (see the module comment). `None` when
 * nothing is due. Fails only when the queue itself cannot be reached (claiming, or recording
 * an unexpected error).
 */
export const processNextUpload = Effect.fn("UploadWorker.processNextUpload")(function* (options: UploadProcessOptions) {
  const queue = yield* WorkQueue
  const claimed = yield* queue.claim({ worker: options.worker, kinds: [PROCESS_UPLOAD], leaseMs: options.leaseMs })
  if (Option.isNone(claimed)) return Option.none<UploadOutcome>()
  const item = claimed.value
  const uploadId = payloadUploadId(item)
  if (uploadId === null) {
    const error = `work item ${item.id} names no upload`
    yield* queue.fail(item.id, options.worker, error)
    return Option.some<UploadOutcome>({ workItemId: item.id, uploadId, status: "discarded", error })
  }
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  // claimed again after its lease expired more often than allowed: its runs kill workers
  if (item.attempts > maxAttempts) {
    const incident = yield* giveUp(item, uploadId, options.worker, item.attempts - 1, item.lastError)
    return Option.some<UploadOutcome>(
      Option.isSome(incident)
        ? { workItemId: item.id, uploadId, status: "failed", incidentId: incident.value, completed: true }
        : { workItemId: item.id, uploadId, status: "lost" },
    )
  }
  const exit = yield* Effect.exit(
    withLease(item, options, (lease) => handle(lease, { ...payloadOf(item), uploadId })).pipe(
      // the worker is stopping: the item (and its upload) go back to the queue, due at once
      Effect.onInterrupt(() => release(item, uploadId, options.worker)),
    ),
  )
  if (Exit.isSuccess(exit)) {
    const done = exit.value
    if (Option.isNone(done)) {
      const error = `upload ${uploadId} of work item ${item.id} does not exist`
      yield* queue.fail(item.id, options.worker, error)
      return Option.some<UploadOutcome>({ workItemId: item.id, uploadId, status: "discarded", error })
    }
    const value = done.value
    return Option.some<UploadOutcome>(
      value.status === "failed"
        ? {
            workItemId: item.id,
            uploadId,
            status: "failed",
            incidentId: value.incidentId,
            completed: value.completed,
          }
        : { workItemId: item.id, uploadId, status: value.status, completed: value.completed },
    )
  }
  if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.failCause(exit.cause)
  if (Cause.squash(exit.cause) instanceof LeaseLost) {
    yield* Effect.logWarning(`upload ${uploadId}: the lease of work item ${item.id} was lost, nothing published`)
    return Option.some<UploadOutcome>({ workItemId: item.id, uploadId, status: "lost" })
  }
  const error = causeMessage(exit.cause)
  if (item.attempts >= maxAttempts) {
    yield* Effect.logWarning(`upload ${uploadId}: unexpected error on attempt ${item.attempts}, giving up`, exit.cause)
    const incident = yield* giveUp(item, uploadId, options.worker, item.attempts, error)
    return Option.some<UploadOutcome>(
      Option.isSome(incident)
        ? { workItemId: item.id, uploadId, status: "failed", incidentId: incident.value, completed: true }
        : { workItemId: item.id, uploadId, status: "lost" },
    )
  }
  yield* Effect.logWarning(`upload ${uploadId}: unexpected error, retrying later`, exit.cause)
  const requeued = yield* queue.fail(item.id, options.worker, error, {
    retryAfterMs: options.retryAfterMs ?? DEFAULT_RETRY_MS,
  })
  // another worker took the item over meanwhile: it is that worker's to finish or retry
  if (!requeued) return Option.some<UploadOutcome>({ workItemId: item.id, uploadId, status: "lost" })
  return Option.some<UploadOutcome>({ workItemId: item.id, uploadId, status: "retry", error })
})

export interface UploadWorkerOptions extends UploadProcessOptions, ClaimLoopOptions<UploadOutcome> {}

/**
 * Processes uploads until interrupted, pausing `idleMs` whenever nothing is due (with `once`,
 * until nothing is due). Interrupting it puts the item being run back in the queue.
 */
export const runUploadWorker = (options: UploadWorkerOptions) =>
  claimLoop("upload worker", processNextUpload(options), options)
