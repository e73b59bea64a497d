/**
 * The job runner: carries out the runs people and the scheduler queue. Each `run_job` work
 * item (`{ jobRunId, jobId }`) is claimed under a lease the runner keeps alive while the
 * automation runs, like the upload worker's items.
 *
 * A run of a job that was disabled (or deleted) after the run was queued is not carried out:
 * it ends `failed`, saying why, without an incident. A run waits (its item goes back to the
 * queue for `overlapDelayMs`) while another run of the same job is going, unless the job
 * allows overlap. The job's parameters are decoded with the
 * automation's schema first: a parameter it refuses fails the run, naming the field. Then the
 * run is `running` from its start time, and ends `succeeded` (with the automation's result)
 * or `failed`, with its end, duration, steps and log either way.
 *
 * A failed run becomes an incident the way a failed pipeline stage does (`recordFailure`, with
 * the stage `automation:<key>` and known-error matching), and the run names the incident in
 * its details (`incident_id`). A run whose automation no plugin contributes fails the same way.
 * Only the runner's own bookkeeping (the database out of reach) puts an item back to be tried
 * again; whatever the automation does wrong, defects included, is the run's failure.
 *
 * The runner finds the automations in the registry (`CurrentRegistry`); the services they use
 * (`AutomationServices`: backups, retention, the activity report...) are the host's to provide.
 */
import { Cause, Clock, Effect, Exit, Option, Schema } from "effect"
import { matchingKnownErrors, recordFailure } from "../incidents/IncidentService.js"
import { draftIncident } from "../known-errors/KnownError.js"
import type { AutomationContext, AutomationServices } from "../plugins/Automation.js"
import { CurrentRegistry } from "../plugins/Registry.js"
import { type JobRunRecord, type JobRunStep, JobRunsRepo } from "../ports/JobRunsRepo.js"
import { JobsRepo } from "../ports/JobsRepo.js"
import { Transactions } from "../ports/Transactions.js"
import { type WorkItem, WorkQueue } from "../ports/WorkQueue.js"
import { type ClaimLoopOptions, claimLoop } from "../runtime/ClaimLoop.js"
import { causeMessage } from "../runtime/Failures.js"
import { type FieldProblem, schemaProblems } from "../runtime/FieldProblems.js"
import { LeaseLost, withLease } from "../runtime/Lease.js"
import { RUN_JOB, type RunJobPayload } from "../runtime/WorkItems.js"

export interface JobRunnerOptions {
  /** unique per running runner (e.g. host + pid + random) */
  readonly worker: string
  /** how long a claim holds the item before another runner may take it over */
  readonly leaseMs: number
  /** how long a run waits for the previous run of its job before it is tried again (default 30 s) */
  readonly overlapDelayMs?: number | undefined
  /** delay before an item that hit an unexpected error is claimed again (default 30 s) */
  readonly retryAfterMs?: number | undefined
}

/** What `processNextJobRun` did with the item it claimed. */
export type JobRunnerOutcome =
  | { readonly workItemId: string; readonly jobRunId: string; readonly status: "succeeded" }
  | {
      readonly workItemId: string
      readonly jobRunId: string
      readonly status: "failed"
      readonly error: string
      /** null when the failure is not the automation's (the job was deleted or disabled before the run) */
      readonly incidentId: string | null
    }
  | {
      readonly workItemId: string
      readonly jobRunId: string
      /** another run of the job is going: the item is due again after `overlapDelayMs` */
      readonly status: "postponed"
    }
  | {
      readonly workItemId: string
      readonly jobRunId: string | null
      /** an unexpected error: the item goes back to the queue after `retryAfterMs` */
      readonly status: "retry"
      readonly error: string
    }
  | {
      readonly workItemId: string
      readonly jobRunId: string | null
      /** the item names no run, or a run already finished: nothing to do */
      readonly status: "discarded"
      readonly error: string
    }
  | {
      readonly workItemId: string
      readonly jobRunId: string
      /** the lease was lost during the run (another runner took the item over): nothing recorded */
      readonly status: "lost"
    }

const DEFAULT_OVERLAP_MS = 30_000
const DEFAULT_RETRY_MS = 30_000

const payloadOf = (item: WorkItem): RunJobPayload | null => {
  const payload = item.payload as { jobRunId?: unknown; jobId?: unknown } | null
  if (typeof payload?.jobRunId !== "string") return null
  return { jobRunId: payload.jobRunId, jobId: typeof payload.jobId === "string" ? payload.jobId : null }
}

/** The failure's message, with the messages of its causes (a SqlError's says only "Query failed"). */
const message = (cause: Cause.Cause<unknown>): string =>
  causeMessage(cause) || "the automation failed without saying why"

/** Each refused field of a parameter object as `params.<field>: <problem>`. */
export const paramsProblems = (error: Schema.SchemaError): ReadonlyArray<FieldProblem> =>
  schemaProblems(error).map(({ path, message }) => ({ path: path === "" ? "params" : `params.${path}`, message }))

export type DecodedParams<P> =
  | { readonly ok: true; readonly value: P }
  | { readonly ok: false; readonly problems: ReadonlyArray<{ path: string; message: string }> }

/**
 * Decodes a job's stored parameters with an automation's schema, filling its defaults. Unknown
 * fields are refused: they are typos that would otherwise silently run with a default.
 */
export const decodeParams = <P>(
  // biome-ignore lint/suspicious/noExplicitAny: the stored parameters are whatever JSON the job holds
  schema: Schema.Codec<P, any>,
  params: unknown,
): DecodedParams<P> => {
  const exit = Schema.decodeUnknownExit(schema, { errors: "all", onExcessProperty: "error" })(params)
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value }
  const error = Cause.squash(exit.cause)
  return {
    ok: false,
    problems:
      error instanceof Schema.SchemaError
        ? paramsProblems(error)
        : [{ path: "params", message: error instanceof Error ? error.message : String(error) }],
  }
}

/** `params.older_than_days: Expected ...; params.dry_run: ...` */
export const describeProblems = (problems: ReadonlyArray<{ path: string; message: string }>): string =>
  problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ")

interface Failure {
  readonly error: string
  /** false: the failure is not the automation's and opens no incident */
  readonly incident: boolean
  readonly plugin?: string | undefined
}

/**
 * Ends the run as `failed` (and, for the automation's failures, records the incident) together
 * with completing its item: when another runner holds the item now, nothing is recorded.
 */
const finishFailed = (
  item: WorkItem,
  options: JobRunnerOptions,
  run: JobRunRecord,
  source: string,
  failure: Failure,
  steps: ReadonlyArray<JobRunStep>,
  logs: ReadonlyArray<string>,
) =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const queue = yield* WorkQueue
    const runs = yield* JobRunsRepo
    const known = failure.incident ? yield* matchingKnownErrors() : []
    const draft = draftIncident(known, {
      stage: `automation:${run.automation}`,
      message: failure.error,
      plugin: failure.plugin,
    })
    return yield* tx.withTransaction(
      Effect.gen(function* () {
        if (!(yield* queue.complete(item.id, options.worker))) return yield* new LeaseLost({ workItemId: item.id })
        const incidentId = failure.incident ? (yield* recordFailure(draft, null, source)).incidentId : null
        yield* runs.finish(run.id, {
          status: "failed",
          steps,
          logs,
          error: failure.error,
          details: incidentId === null ? {} : { incident_id: incidentId },
        })
        return incidentId
      }),
    )
  })

/** Claims one `run_job` item and carries out its run (see the module comment); `None` when nothing is due. */
export const processNextJobRun = Effect.fn("JobRunner.processNext")(function* (options: JobRunnerOptions) {
  const queue = yield* WorkQueue
  const claimed = yield* queue.claim({ worker: options.worker, kinds: [RUN_JOB], leaseMs: options.leaseMs })
  if (Option.isNone(claimed)) return Option.none<JobRunnerOutcome>()
  const item = claimed.value
  const payload = payloadOf(item)
  if (payload === null) {
    const error = `work item ${item.id} names no job run`
    yield* queue.fail(item.id, options.worker, error)
    return Option.some<JobRunnerOutcome>({ workItemId: item.id, jobRunId: null, status: "discarded", error })
  }
  const jobRunId = payload.jobRunId
  const exit = yield* Effect.exit(withLease(item, options, () => carryOut(item, options, jobRunId)))
  if (Exit.isSuccess(exit)) return Option.some(exit.value)
  if (Cause.hasInterruptsOnly(exit.cause)) {
    // the runner is stopping: the item is due again at once, and its run starts over then
    yield* queue
      .fail(item.id, options.worker, "the runner stopped before finishing", { retryAfterMs: 0 })
      .pipe(Effect.ignore)
    return yield* Effect.failCause(exit.cause)
  }
  if (Cause.squash(exit.cause) instanceof LeaseLost) {
    yield* Effect.logWarning(`job run ${jobRunId}: the lease of work item ${item.id} was lost, nothing recorded`)
    return Option.some<JobRunnerOutcome>({ workItemId: item.id, jobRunId, status: "lost" })
  }
  const error = message(exit.cause)
  yield* Effect.logWarning(`job run ${jobRunId}: unexpected error, retrying later`, exit.cause)
  const requeued = yield* queue.fail(item.id, options.worker, error, {
    retryAfterMs: options.retryAfterMs ?? DEFAULT_RETRY_MS,
  })
  if (!requeued) return Option.some<JobRunnerOutcome>({ workItemId: item.id, jobRunId, status: "lost" })
  return Option.some<JobRunnerOutcome>({ workItemId: item.id, jobRunId, status: "retry", error })
})

/** The run of a claimed item, from loading it to recording how it ended. */
const carryOut = (item: WorkItem, options: JobRunnerOptions, jobRunId: string) =>
  Effect.gen(function* () {
    const queue = yield* WorkQueue
    const tx = yield* Transactions
    const runs = yield* JobRunsRepo
    const jobs = yield* JobsRepo
    const registry = yield* CurrentRegistry

    const found = yield* runs.get(jobRunId)
    if (Option.isNone(found) || found.value.status === "succeeded" || found.value.status === "failed") {
      const error = Option.isNone(found)
        ? `job run ${jobRunId} of work item ${item.id} does not exist`
        : `job run ${jobRunId} has finished already (${found.value.status})`
      yield* queue.fail(item.id, options.worker, error)
      return { workItemId: item.id, jobRunId, status: "discarded", error } as JobRunnerOutcome
    }
    const run = found.value
    const job = run.jobId === null ? Option.none() : yield* jobs.get(run.jobId)
    const source = Option.isSome(job) ? job.value.name : run.automation
    const failed = (failure: Failure) =>
      Effect.map(
        finishFailed(item, options, run, source, failure, [], []),
        (incidentId): JobRunnerOutcome => ({
          workItemId: item.id,
          jobRunId,
          status: "failed",
          error: failure.error,
          incidentId,
        }),
      )

    if (Option.isNone(job)) {
      return yield* failed({ error: "the job of this run was deleted before the run started", incident: false })
    }
    if (!job.value.enabled) {
      // a run queued before an admin disabled the job: disabling means it does not run at all
      return yield* failed({
        error: `not run: the job "${job.value.name}" was disabled before the run started; an admin can enable it again`,
        incident: false,
      })
    }
    const jobId = job.value.id

    const exclusive = !Option.getOrElse(yield* jobs.allowsOverlap(jobId), () => false)
    const postpone = Effect.gen(function* () {
      const delay = options.overlapDelayMs ?? DEFAULT_OVERLAP_MS
      yield* Effect.logInfo(`job run ${run.id}: a run of job ${jobId} is going, waiting ${delay} ms`)
      const requeued = yield* queue.fail(item.id, options.worker, `waiting for the previous run of job ${jobId}`, {
        retryAfterMs: delay,
      })
      if (!requeued) return yield* new LeaseLost({ workItemId: item.id })
      return { workItemId: item.id, jobRunId, status: "postponed" } as JobRunnerOutcome
    })
    // the quick look; `start` below decides under the job's lock
    if (exclusive && (yield* runs.isRunning(jobId, run.id))) return yield* postpone

    const automation = registry.automations.get(run.automation)
    if (automation === undefined) {
      const known = [...registry.automations.keys()].sort().join(", ") || "none"
      return yield* failed({
        error: `no plugin contributes the automation "${run.automation}" (known: ${known})`,
        incident: true,
      })
    }
    const decoded = decodeParams(automation.params, job.value.params)
    if (!decoded.ok) {
      return yield* failed({
        error: `invalid parameters for ${automation.key}: ${describeProblems(decoded.problems)}`,
        incident: true,
        plugin: automation.plugin,
      })
    }

    const started = yield* runs.start(run.id, { exclusive })
    if (started._tag === "busy") return yield* postpone
    if (started._tag === "gone") {
      const error = `job run ${run.id} was finished or removed before it started`
      yield* queue.fail(item.id, options.worker, error)
      return { workItemId: item.id, jobRunId, status: "discarded", error } as JobRunnerOutcome
    }
    yield* Effect.logInfo(`job run ${run.id}: running ${automation.key} for job ${jobId}`)

    const steps: Array<JobRunStep> = []
    const logs: Array<string> = []
    // progress is shown as it comes; a failure to store it must not fail the automation
    const save = runs
      .progress(run.id, steps, logs)
      .pipe(Effect.catch((error) => Effect.logWarning(`job run ${run.id}: cannot store progress: ${error.message}`)))
    const context: AutomationContext = {
      runId: run.id,
      jobId,
      trigger: run.trigger,
      log: (line) => Effect.sync(() => void logs.push(line)),
      step: (name, details = {}) =>
        Effect.andThen(
          Effect.map(Clock.currentTimeMillis, (now) => {
            steps.push({ name, at: new Date(now).toISOString(), details })
          }),
          save,
        ),
    }
    const outcome = yield* Effect.exit(automation.run(decoded.value, context))
    if (Exit.isFailure(outcome) && Cause.hasInterruptsOnly(outcome.cause)) return yield* Effect.failCause(outcome.cause)

    if (Exit.isSuccess(outcome)) {
      yield* tx.withTransaction(
        Effect.gen(function* () {
          if (!(yield* queue.complete(item.id, options.worker))) return yield* new LeaseLost({ workItemId: item.id })
          yield* runs.finish(run.id, { status: "succeeded", steps, logs, details: { result: outcome.value } })
        }),
      )
      yield* Effect.logInfo(`job run ${run.id}: ${automation.key} succeeded`)
      return { workItemId: item.id, jobRunId, status: "succeeded" } as JobRunnerOutcome
    }
    const error = message(outcome.cause)
    yield* Effect.logWarning(`job run ${run.id}: ${automation.key} failed`)
    const incidentId = yield* finishFailed(
      item,
      options,
      run,
      source,
      { error, incident: true, plugin: automation.plugin },
      steps,
      logs,
    )
    return { workItemId: item.id, jobRunId, status: "failed", error, incidentId } as JobRunnerOutcome
  })

/** The options of one item, and the claim loop's (its pause when idle, `once`, `onOutcome`). */
export interface JobRunnerLoopOptions extends JobRunnerOptions, ClaimLoopOptions<JobRunnerOutcome> {}

/**
 * Carries out job runs until interrupted, pausing `idleMs` whenever nothing is due (with
 * `once`, until nothing is due). Needs the registry, the queue, the incidents, the job
 * repositories and the services automations use (`AutomationServices`).
 */
export const runJobRunnerLoop = (options: JobRunnerLoopOptions) =>
  claimLoop("job runner", processNextJobRun(options), options)

/** The services `processNextJobRun` needs besides the upload lifecycle's. */
export type JobRunnerServices = AutomationServices | JobRunsRepo | JobsRepo
