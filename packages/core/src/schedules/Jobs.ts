/**
 * Schedules as records: the rules a job is saved, changed and run by hand with. A job names an
 * automation some plugin contributes, and its parameters must pass that automation's schema;
 * its schedule (cron, time zone, skip dates) must pass the scheduling rules. Both are checked
 * when the job is saved, so a bad value is heard of then, not at 3 a.m., and a saved schedule
 * is registered at once (its next tick, ticks counting from the save: no restart, and no
 * catching up ticks from before it).
 *
 * Running a job now is for the roles its automation names (`runByHand`; an automation this
 * build lacks is for admins), never for a disabled job nor one with a run queued or going, and
 * at most `perMinute` times a minute per person. It only queues the run (a `job_runs` row and
 * a `run_job` work item, stored together): the job runner carries it out.
 */
import { Clock, Effect, Option, Result, Schema } from "effect"
import type { Job, Role } from "../models/Models.js"
import { DEFAULT_MANUAL_RUN_ACCESS, type ManualRunAccess, mayRunByHand } from "../plugins/Automation.js"
import { CurrentRegistry, type Registry } from "../plugins/Registry.js"
import { JobRunsRepo } from "../ports/JobRunsRepo.js"
import { type JobChanges, type JobScheduleState, JobsRepo, type NewJob } from "../ports/JobsRepo.js"
import { RateLimits } from "../ports/RateLimits.js"
import { Transactions } from "../ports/Transactions.js"
import { WorkQueue } from "../ports/WorkQueue.js"
import { FieldProblems } from "../runtime/FieldProblems.js"
import { RUN_JOB } from "../runtime/WorkItems.js"
import { decodeParams, describeProblems } from "./JobRunner.js"
import { registerSchedule } from "./JobScheduler.js"
import { describeSchedule, nextRuns, parseSchedule } from "./Schedule.js"

/**
 * A job action refused, with why: `invalid` (a field, named in `problems`), `not_found`,
 * `forbidden` (the person's role), `conflict` (the job's state or name) or `rate_limited`
 * (with the seconds to wait).
 */
export class JobRefused extends Schema.TaggedError<JobRefused>()("JobRefused", {
  reason: Schema.Literals(["invalid", "not_found", "forbidden", "conflict", "rate_limited"]),
  message: Schema.String,
  problems: Schema.optional(FieldProblems),
  retryAfterSeconds: Schema.optional(Schema.Number),
}) {}

/** Who may run `job` by hand: its automation says; an automation this build lacks is for admins. */
export const runByHandOf = (registry: Registry, job: Pick<Job, "automation">): ManualRunAccess =>
  registry.automations.get(job.automation)?.runByHand ?? DEFAULT_MANUAL_RUN_ACCESS

/** What a job's schedule means at `now`: its next five ticks and the schedule in words; a stored schedule the rules refuse shows no ticks and says why. */
export const jobScheduleView = (job: Job, now: Date) => {
  const parsed = parseSchedule({ cron: job.cron, timezone: job.timezone, skipDates: job.skipDates })
  const ok = Result.isSuccess(parsed)
  return {
    nextRunAt: job.enabled ? job.nextRunAt : null,
    nextRuns: ok && job.enabled ? nextRuns(parsed.success, now, 5).map((t) => t.toISOString()) : [],
    description: ok ? describeSchedule(parsed.success) : `not scheduled: ${parsed.failure.message}`,
  }
}

/** One space between the fields: the stored schedule reads the same however it was typed. */
const normalCron = (cron: string) => cron.trim().split(/\s+/).join(" ")

/** A job's fields as stored: the cron with one space between fields, the time zone trimmed, skip dates sorted once each. */
export const normalJobChanges = (changes: JobChanges): JobChanges => ({
  ...changes,
  ...(changes.cron === undefined ? {} : { cron: normalCron(changes.cron) }),
  ...(changes.timezone === undefined ? {} : { timezone: changes.timezone.trim() }),
  ...(changes.skipDates === undefined ? {} : { skipDates: [...new Set(changes.skipDates)].sort() }),
})

/**
 * Refuses an automation no plugin contributes, naming the known keys, and parameters the
 * automation's schema refuses, naming each field as `params.<field>`.
 */
export const checkAutomation = Effect.fn("Jobs.checkAutomation")(function* (automation: string, params: unknown) {
  const registry = yield* CurrentRegistry
  const found = registry.automations.get(automation)
  if (found === undefined) {
    const known = [...registry.automations.keys()].sort().join(", ") || "none"
    const problem = `"${automation}" is not an automation any plugin contributes (known: ${known})`
    return yield* new JobRefused({
      reason: "invalid",
      message: `invalid automation: ${problem}`,
      problems: [{ path: "automation", message: problem }],
    })
  }
  const decoded = decodeParams(found.params, params)
  if (!decoded.ok) {
    return yield* new JobRefused({
      reason: "invalid",
      message: `invalid params for ${automation}: ${describeProblems(decoded.problems)}`,
      problems: [...decoded.problems],
    })
  }
})

/** Checks a schedule by the scheduling rules, naming the field it refuses, and registers it now. */
export const checkSchedule = Effect.fn("Jobs.checkSchedule")(function* (input: {
  readonly cron: string
  readonly timezone?: string | undefined
  readonly skipDates?: ReadonlyArray<string> | undefined
}) {
  const parsed = parseSchedule(input)
  if (Result.isFailure(parsed)) {
    const problem = parsed.failure
    return yield* new JobRefused({
      reason: "invalid",
      message: `invalid ${problem.field}: ${problem.message}`,
      problems: [{ path: problem.field, message: problem.message }],
    })
  }
  const now = new Date(yield* Clock.currentTimeMillis)
  return registerSchedule(parsed.success, now) satisfies JobScheduleState
})

/** The job `id`, or `not_found`. */
export const getJob = Effect.fn("Jobs.getJob")(function* (id: string) {
  const found = yield* (yield* JobsRepo).get(id)
  if (Option.isNone(found)) return yield* new JobRefused({ reason: "not_found", message: `no job ${id}` })
  return found.value
})

const nameTaken = (error: { readonly message: string }) =>
  Effect.fail(new JobRefused({ reason: "conflict", message: error.message }))

/** Saves a new job: its automation and parameters checked, its schedule checked and registered. */
export const createJob = Effect.fn("Jobs.createJob")(function* (job: Omit<NewJob, keyof JobScheduleState>) {
  const fields = normalJobChanges(job) as Omit<NewJob, keyof JobScheduleState>
  yield* checkAutomation(fields.automation, fields.params ?? {})
  const state = yield* checkSchedule({ cron: fields.cron, timezone: fields.timezone, skipDates: fields.skipDates })
  return yield* (yield* JobsRepo).create({ ...fields, ...state }).pipe(Effect.catchTag("JobNameTaken", nameTaken))
})

/**
 * Changes job `id`: parameters must suit the automation the job will run, and a change to the
 * schedule (or `enabled`) checks the schedule the job will have, whole, and registers it now.
 */
export const changeJob = Effect.fn("Jobs.changeJob")(function* (id: string, changes: JobChanges) {
  const fields = normalJobChanges(changes)
  let stored: JobChanges = fields
  if (fields.automation !== undefined || fields.params !== undefined) {
    const current = yield* getJob(id)
    yield* checkAutomation(fields.automation ?? current.automation, fields.params ?? current.params)
  }
  if (
    fields.cron !== undefined ||
    fields.timezone !== undefined ||
    fields.skipDates !== undefined ||
    fields.enabled !== undefined
  ) {
    const current = yield* getJob(id)
    const state = yield* checkSchedule({
      cron: fields.cron ?? current.cron,
      timezone: fields.timezone ?? current.timezone,
      skipDates: fields.skipDates ?? current.skipDates,
    })
    stored = { ...fields, ...state }
  }
  const updated = yield* (yield* JobsRepo).update(id, stored).pipe(Effect.catchTag("JobNameTaken", nameTaken))
  if (Option.isNone(updated)) return yield* new JobRefused({ reason: "not_found", message: `no job ${id}` })
  return updated.value
})

/**
 * Queues a run of `job` by hand: the `job_runs` row (`manual`, `queued`) and its `run_job`
 * work item in one transaction, so a run never waits without work to carry it out, nor work
 * without its run.
 */
export const triggerJob = (job: Job, requestedBy: string | null) =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const runs = yield* JobRunsRepo
    const queue = yield* WorkQueue
    return yield* tx.withTransaction(
      Effect.gen(function* () {
        const run = yield* runs.create({ jobId: job.id, automation: job.automation, trigger: "manual", requestedBy })
        yield* queue.enqueue({ kind: RUN_JOB, payload: { jobRunId: run.id, jobId: job.id } })
        return run
      }),
    )
  })

const WHO: Readonly<Record<ManualRunAccess, string>> = {
  any: "signed-in people",
  moderator: "admins and moderators",
  admin: "admins",
}

/**
 * Queues a manual run of `job` for `person`, or refuses it: `forbidden` when its automation is
 * not for the person's role, `conflict` when the job is disabled or has a run queued or going
 * (decided under the job's lock, so two requests at once queue one run), `rate_limited` past
 * `perMinute` requests a minute (each request counts; the one that reaches the limit makes the
 * account wait a minute).
 */
export const runJobByHand = Effect.fn("Jobs.runJobByHand")(function* (
  job: Job,
  person: { readonly id: string; readonly role: Role },
  perMinute: number,
) {
  const access = runByHandOf(yield* CurrentRegistry, job)
  if (!mayRunByHand({ runByHand: access }, person.role)) {
    return yield* new JobRefused({ reason: "forbidden", message: `only ${WHO[access]} may run "${job.name}" by hand` })
  }
  if (!job.enabled) {
    return yield* new JobRefused({
      reason: "conflict",
      message: `"${job.name}" is disabled, so it does not run; an admin can enable it first`,
    })
  }
  const limits = yield* RateLimits
  const key = `manual-run:user:${person.id}`
  const waitMs = yield* limits.waitOf(key)
  if (waitMs > 0) {
    return yield* new JobRefused({
      reason: "rate_limited",
      message: `you have asked to run jobs ${perMinute} times within a minute, the most one account may: try again in a minute`,
      retryAfterSeconds: waitMs / 1000,
    })
  }
  yield* limits.fail(key, { memoryMs: 60_000, delayMs: (runs) => (runs >= perMinute ? 60_000 : 0) })
  const tx = yield* Transactions
  const runs = yield* JobRunsRepo
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      const active = yield* runs.activeRun(job.id)
      if (Option.isSome(active)) {
        const what = active.value.status === "running" ? "is running now" : "is queued to run"
        return yield* new JobRefused({
          reason: "conflict",
          message: `a run of "${job.name}" ${what}; wait for it to finish, then run it again`,
        })
      }
      return yield* triggerJob(job, person.id)
    }),
  )
})
