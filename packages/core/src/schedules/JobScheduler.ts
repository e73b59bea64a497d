/**
 * The scheduler: fires jobs by their cron schedule, each due tick exactly once. A pass
 * (`schedulerTick`) takes the due jobs in ONE transaction, locking them (`FOR UPDATE SKIP
 * LOCKED`, so a second scheduler leaves them to this one), plans each job's due ticks by the
 * core rules (`planMisfires`: its misfire policy and lateness, its time zone and skip dates),
 * queues a `job_runs` row with its `run_job` work item for every tick to run, records the
 * missed ones, and stores the next tick. The unique index on (job, tick) is the backstop: a
 * tick whose run exists already (another scheduler, a pass before a restart) inserts nothing
 * and queues no work, so a tick never fires twice.
 *
 * Time comes from the caller (`now`) or Effect's `Clock` (`runSchedulerLoop`), never `new Date()`,
 * so tests move time with `TestClock` instead of waiting. The jobs, runs, queue and
 * transactions are core's ports; the registry (`CurrentRegistry`) says which automations this
 * program has. A host beats its heartbeat beside the loop.
 */
import { Cause, Clock, Effect, Result } from "effect"
import type * as Models from "../models/Models.js"
import { CurrentRegistry } from "../plugins/Registry.js"
import { JobRunsRepo } from "../ports/JobRunsRepo.js"
import { JobsRepo } from "../ports/JobsRepo.js"
import { Transactions } from "../ports/Transactions.js"
import { WorkQueue } from "../ports/WorkQueue.js"
import { RUN_JOB } from "../runtime/WorkItems.js"
import { type JobSchedule, nextRuns, parseSchedule, planMisfires } from "./Schedule.js"

/** how many due jobs one pass takes at most (the rest wait for the next pass) */
const DEFAULT_BATCH = 100

export interface SchedulerTickOptions {
  /** the scheduler's "now" */
  readonly now: Date
  /** how many due jobs this pass takes at most (default 100) */
  readonly limit?: number | undefined
}

/** One run a pass queued. */
export interface ScheduledRun {
  readonly jobId: string
  readonly jobRunId: string
  /** the tick (ISO-8601) */
  readonly scheduledFor: string
}

/** What one pass did. */
export interface SchedulerTickResult {
  /** the jobs it took (due or newly registered) */
  readonly jobs: number
  readonly runs: ReadonlyArray<ScheduledRun>
  /** ticks recorded as missed */
  readonly missed: number
  /** ticks whose run existed already (another scheduler fired them): nothing queued */
  readonly duplicates: number
}

/** The job's checked schedule, or why what is stored no longer passes the rules. */
export const jobSchedule = (
  job: Pick<Models.Job, "cron" | "timezone" | "skipDates">,
): Result.Result<JobSchedule, { readonly message: string }> =>
  parseSchedule({ cron: job.cron, timezone: job.timezone, skipDates: job.skipDates })

/**
 * The schedule state of a job saved at `now`: its next tick, and `now` as the moment from which
 * ticks count (a new or changed schedule never catches up ticks from before it was saved).
 */
export const registerSchedule = (schedule: JobSchedule, now: Date) => ({
  nextRunAt: nextRuns(schedule, now, 1)[0]?.toISOString() ?? null,
  lastScheduledFor: now.toISOString(),
})

const iso = (date: Date) => date.toISOString()

/** Handles one locked job at `now`; inside the pass's transaction. */
const handleJob = (job: Models.Job, now: Date) =>
  Effect.gen(function* () {
    const jobs = yield* JobsRepo
    const runs = yield* JobRunsRepo
    const queue = yield* WorkQueue
    const parsed = jobSchedule(job)
    if (Result.isFailure(parsed)) {
      // a stored schedule the rules refuse (edited in the database, or rules grew stricter):
      // it is not run and not looked at again until it is saved anew
      yield* Effect.logWarning(`scheduler: job ${job.id} (${job.name}) is not scheduled: ${parsed.failure.message}`)
      yield* jobs.setSchedule(job.id, { nextRunAt: null, lastScheduledFor: iso(now) })
      return { runs: [] as Array<ScheduledRun>, missed: 0, duplicates: 0 }
    }
    const schedule = parsed.success
    if (job.lastScheduledFor === null) {
      // not registered yet (seeded, or saved without a schedule state): ticks count from now
      yield* jobs.setSchedule(job.id, registerSchedule(schedule, now))
      return { runs: [] as Array<ScheduledRun>, missed: 0, duplicates: 0 }
    }
    const plan = planMisfires({
      schedule,
      lastScheduledFor: new Date(job.lastScheduledFor),
      now,
      policy: job.misfirePolicy,
      maxLatenessMs: job.maxLatenessMs,
    })
    const queued: Array<ScheduledRun> = []
    let duplicates = 0
    // a job whose automation this build does not have (a seeded job for a later release, a
    // plugin removed) is not run: its due ticks are recorded as missed, and no incident opens
    const registry = yield* CurrentRegistry
    const runnable = registry.automations.has(job.automation)
    if (!runnable && plan.run.length > 0) {
      yield* Effect.logWarning(
        `scheduler: job ${job.id} (${job.name}) names the automation "${job.automation}", which this build does not have; ` +
          `${plan.run.length} tick(s) not run`,
      )
    }
    const toRun = runnable ? plan.run : []
    const toMiss = runnable ? plan.missed : [...plan.missed, ...plan.run]
    for (const tick of toRun) {
      const created = yield* runs.createScheduled({
        jobId: job.id,
        automation: job.automation,
        scheduledFor: iso(tick),
      })
      if (created._tag === "None") {
        duplicates++
        continue
      }
      // the work item only with the run this pass inserted: exactly one per tick
      yield* queue.enqueue({ kind: RUN_JOB, payload: { jobRunId: created.value.id, jobId: job.id } })
      queued.push({ jobId: job.id, jobRunId: created.value.id, scheduledFor: iso(tick) })
    }
    const missed = toMiss.length === 0 ? 0 : yield* runs.recordMissed(job.id, toMiss.map(iso))
    if (plan.missed.length > 0) {
      yield* Effect.logInfo(`scheduler: job ${job.id} (${job.name}) missed ${plan.missed.length} tick(s)`)
    }
    // every tick up to the latest handled one is done; with none handled (the plan was cut
    // short or nothing was due after all), up to now
    const handled = [...plan.run, ...plan.missed].map((t) => t.getTime())
    const last = plan.truncated && handled.length > 0 ? new Date(Math.max(...handled)) : now
    yield* jobs.setSchedule(job.id, { nextRunAt: plan.nextRunAt?.toISOString() ?? null, lastScheduledFor: iso(last) })
    return { runs: queued, missed, duplicates }
  })

/**
 * One pass of the scheduler at `now`, in one transaction: the due jobs (locked, skipping those
 * another scheduler holds), their runs and work items, their missed ticks, their next tick.
 */
export const schedulerTick = Effect.fn("Scheduler.tick")(function* (options: SchedulerTickOptions) {
  const tx = yield* Transactions
  const jobs = yield* JobsRepo
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      const due = yield* jobs.due(iso(options.now), options.limit ?? DEFAULT_BATCH)
      const runs: Array<ScheduledRun> = []
      let missed = 0
      let duplicates = 0
      for (const job of due) {
        const handled = yield* handleJob(job, options.now)
        runs.push(...handled.runs)
        missed += handled.missed
        duplicates += handled.duplicates
      }
      return { jobs: due.length, runs, missed, duplicates } satisfies SchedulerTickResult
    }),
  )
})

export interface SchedulerLoopOptions {
  /** the pause between passes (default 15 s) */
  readonly everyMs?: number | undefined
  /** one pass, then stop (a pass that fails then fails the scheduler) */
  readonly once?: boolean | undefined
  /** the scheduler's clock (default Effect's `Clock`, which `TestClock` replaces in tests) */
  readonly now?: (() => Date) | undefined
  /** called with every pass's result */
  readonly onTick?: ((result: SchedulerTickResult) => Effect.Effect<void>) | undefined
}

const DEFAULT_EVERY_MS = 15_000

/**
 * Passes of the scheduler every `everyMs` until interrupted (with `once`, one pass). A pass
 * that cannot reach the database is logged and the loop goes on (its jobs stay due and are
 * handled by the next pass).
 */
export const runSchedulerLoop = (options: SchedulerLoopOptions = {}) =>
  Effect.gen(function* () {
    const everyMs = options.everyMs ?? DEFAULT_EVERY_MS
    if (!Number.isFinite(everyMs) || everyMs <= 0) {
      return yield* Effect.die(new RangeError(`the scheduler interval must be a positive number, got ${everyMs}`))
    }
    const currentTime = options.now
      ? Effect.sync(options.now)
      : Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))
    const pass = Effect.gen(function* () {
      const result = yield* schedulerTick({ now: yield* currentTime })
      if (options.onTick) yield* options.onTick(result)
    })
    if (options.once) return yield* pass
    const loop = Effect.gen(function* () {
      while (true) {
        yield* pass.pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.logError("scheduler: a pass failed; its jobs stay due for the next one", cause),
          ),
        )
        yield* Effect.sleep(everyMs)
      }
    })
    return yield* loop
  })
