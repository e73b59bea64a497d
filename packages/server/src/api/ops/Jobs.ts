/**
 * Schedules: the jobs (an automation, its five-field cron, its parameters). Everyone sees
 * them; only admins create, change or delete them. A job names an automation some plugin
 * contributes, and its parameters must pass that automation's schema (checked when the job is
 * saved, so a bad value is heard of then, not at 3 a.m.).
 *
 * Running a job now (`trigger`) is for the roles its automation names (`runByHand`: backups and
 * the purge are admins'), never for a disabled job nor one with a run queued or going, and at
 * most `BATCHOPS_MANUAL_RUNS_PER_MINUTE` times a minute per person. It only queues the run (a
 * `job_runs` row and a `run_job` work item, stored together): the job runner carries it out.
 */
import {
  DEFAULT_MANUAL_RUN_ACCESS,
  decodeParams,
  describeProblems,
  describeSchedule,
  type JobChanges,
  type JobNameTaken,
  type JobRunRecord,
  JobRunsRepo,
  JobsRepo,
  type ManualRunAccess,
  type Models,
  mayRunByHand,
  type NewJob,
  nextRuns,
  parseSchedule,
  RateLimits,
  type Registry,
  RUN_JOB,
  registerSchedule,
  Transactions,
  WorkQueue,
} from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Clock, Effect, Option, Result, Schema } from "effect"
import {
  badRequest,
  conflict,
  defineRoute,
  encoderOf,
  forbidden,
  notFound,
  PageOf,
  PageQuery,
  pageBounds,
  paginated,
  snakeJson,
  tooManyRequests,
} from "../Api.js"
import { CronExpression, IdParams, JsonObject, Label, Slug } from "./Fields.js"
import { JobRunDetailJson, jobRunDetailFor } from "./JobRuns.js"
import { ManualRunSettings } from "./ManualRunSettings.js"

const TAG = "Schedules"

/** Who may run a job by hand: its automation says; an automation this build lacks is for admins. */
const runByHandOf = (registry: Registry, job: Models.Job): ManualRunAccess =>
  registry.automations.get(job.automation)?.runByHand ?? DEFAULT_MANUAL_RUN_ACCESS

/** The latest run of a job, in short: enough to see at a glance whether the schedule works. */
const LastRunJson = snakeJson({
  id: Schema.String,
  status: Schema.String,
  trigger: Schema.String,
  scheduledFor: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
  startedAt: Schema.NullOr(Schema.String),
  finishedAt: Schema.NullOr(Schema.String),
})

export const JobJson = snakeJson({
  id: Schema.String,
  name: Schema.String,
  automation: Schema.String,
  cron: Schema.String,
  timezone: Schema.String,
  enabled: Schema.Boolean,
  params: JsonObject,
  misfirePolicy: Schema.String,
  maxLatenessMs: Schema.Number,
  skipDates: Schema.Array(Schema.String),
  allowOverlap: Schema.Boolean,
  /** who may run the job now by hand (`any`, `moderator`: admins and moderators, `admin`) */
  runByHand: Schema.Literals(["any", "moderator", "admin"]),
  nextRunAt: Schema.NullOr(Schema.String),
  nextRuns: Schema.Array(Schema.String),
  description: Schema.String,
  lastRun: Schema.NullOr(LastRunJson),
  createdAt: Schema.String,
  updatedAt: Schema.String,
})
const encodeJob = encoderOf(JobJson)

/**
 * A job as the API shows it: its stored fields, who may run it by hand, and what its schedule
 * means (the next five ticks after `now`, the schedule in words) so nobody has to read cron. A
 * stored schedule the rules refuse shows no ticks and says why in `description`.
 */
export const jobJson = (job: Models.Job, runByHand: ManualRunAccess, lastRun: JobRunRecord | null, now: Date) => {
  const parsed = parseSchedule({ cron: job.cron, timezone: job.timezone, skipDates: job.skipDates })
  const ok = Result.isSuccess(parsed)
  return encodeJob({
    ...job,
    runByHand,
    nextRunAt: job.enabled ? job.nextRunAt : null,
    nextRuns: ok && job.enabled ? nextRuns(parsed.success, now, 5).map((t) => t.toISOString()) : [],
    description: ok ? describeSchedule(parsed.success) : `not scheduled: ${parsed.failure.message}`,
    lastRun,
  })
}

const MisfirePolicyField = Schema.Literals(["skip", "coalesce_once", "run_all"])
/** at most a week late: a catch-up later than that is no longer the run that was planned */
const MaxLateness = Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 604_800_000 }))

const NewJobBody = Schema.Struct({
  name: Label(200),
  automation: Slug,
  cron: CronExpression,
  timezone: Schema.optional(Schema.String),
  enabled: Schema.optional(Schema.Boolean),
  params: Schema.optional(JsonObject),
  misfire_policy: Schema.optional(MisfirePolicyField),
  max_lateness_ms: Schema.optional(MaxLateness),
  skip_dates: Schema.optional(Schema.Array(Schema.String)),
  allow_overlap: Schema.optional(Schema.Boolean),
})

const JobChangesBody = Schema.Struct({
  name: Schema.optional(Label(200)),
  automation: Schema.optional(Slug),
  cron: Schema.optional(CronExpression),
  timezone: Schema.optional(Schema.String),
  enabled: Schema.optional(Schema.Boolean),
  params: Schema.optional(JsonObject),
  misfire_policy: Schema.optional(MisfirePolicyField),
  max_lateness_ms: Schema.optional(MaxLateness),
  skip_dates: Schema.optional(Schema.Array(Schema.String)),
  allow_overlap: Schema.optional(Schema.Boolean),
})

/** The API's snake_case body to the repository's fields (absent stays absent). */
const jobFields = (body: typeof JobChangesBody.Type): JobChanges => ({
  ...(body.name === undefined ? {} : { name: body.name }),
  ...(body.automation === undefined ? {} : { automation: body.automation }),
  ...(body.cron === undefined ? {} : { cron: normalCron(body.cron) }),
  ...(body.timezone === undefined ? {} : { timezone: body.timezone.trim() }),
  ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  ...(body.params === undefined ? {} : { params: body.params }),
  ...(body.misfire_policy === undefined ? {} : { misfirePolicy: body.misfire_policy }),
  ...(body.max_lateness_ms === undefined ? {} : { maxLatenessMs: body.max_lateness_ms }),
  ...(body.skip_dates === undefined ? {} : { skipDates: [...new Set(body.skip_dates)].sort() }),
  ...(body.allow_overlap === undefined ? {} : { allowOverlap: body.allow_overlap }),
})

/**
 * Checks the schedule a save would leave (cron, time zone, skip dates) by the scheduling rules,
 * refusing it (400) with the field named, and registers it at once: its next tick, with ticks
 * counting from now (so a saved or changed job runs on its new schedule without a restart and
 * never catches up ticks from before the save).
 */
const checkSchedule = (input: { cron: string; timezone?: string | undefined; skipDates?: ReadonlyArray<string> }) =>
  Effect.gen(function* () {
    const parsed = parseSchedule(input)
    if (Result.isFailure(parsed)) {
      const problem = parsed.failure
      return yield* badRequest(`invalid ${problem.field}: ${problem.message}`, [
        { path: problem.field, message: problem.message },
      ])
    }
    const now = new Date(yield* Clock.currentTimeMillis)
    return registerSchedule(parsed.success, now)
  })

/** The job's JSON with its latest run. */
const withLastRun = (job: Models.Job) =>
  Effect.gen(function* () {
    const runs = yield* JobRunsRepo
    const { registry } = yield* UploadSettings
    const latest = yield* runs.latest(job.id)
    const now = new Date(yield* Clock.currentTimeMillis)
    return jobJson(job, runByHandOf(registry, job), Option.getOrNull(latest), now)
  })

/** One space between the fields: the stored schedule reads the same however it was typed. */
const normalCron = (cron: string) => cron.trim().split(/\s+/).join(" ")

const loadJob = (id: string) =>
  Effect.gen(function* () {
    const jobs = yield* JobsRepo
    const found = yield* jobs.get(id)
    if (Option.isNone(found)) return yield* notFound(`no job ${id}`)
    return found.value
  })

/**
 * Refuses (400) an automation no plugin contributes, naming the known keys, and parameters the
 * automation's schema refuses, naming each field as `params.<field>`.
 */
const checkAutomation = (automation: string, params: unknown) =>
  Effect.gen(function* () {
    const { registry } = yield* UploadSettings
    const found = registry.automations.get(automation)
    if (found === undefined) {
      const known = [...registry.automations.keys()].sort().join(", ") || "none"
      const problem = `"${automation}" is not an automation any plugin contributes (known: ${known})`
      return yield* badRequest(`invalid automation: ${problem}`, [{ path: "automation", message: problem }])
    }
    const decoded = decodeParams(found.params, params)
    if (!decoded.ok) {
      return yield* badRequest(`invalid params for ${automation}: ${describeProblems(decoded.problems)}`, [
        ...decoded.problems,
      ])
    }
  })

/**
 * Queues a run of `job` by hand: the `job_runs` row (`manual`, `queued`) and its `run_job`
 * work item in one transaction, so a run never waits without work to carry it out, nor work
 * without its run.
 */
export const triggerJob = (job: Models.Job, requestedBy: string | null) =>
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
 * Queues a manual run of `job` for `user`, or refuses it: 403 when its automation is not for the
 * user's role, 409 when the job is disabled or has a run queued or going (decided under the
 * job's lock, so two requests at once queue one run), 429 with Retry-After past the per-minute
 * limit.
 */
export const runByHand = Effect.fn("Jobs.runByHand")(function* (job: Models.Job, user: Models.User) {
  const { registry } = yield* UploadSettings
  const access = runByHandOf(registry, job)
  if (!mayRunByHand({ runByHand: access }, user.role)) {
    return yield* forbidden(`only ${WHO[access]} may run "${job.name}" by hand`)
  }
  if (!job.enabled) {
    return yield* conflict(`"${job.name}" is disabled, so it does not run; an admin can enable it first`)
  }
  const { perMinute } = yield* ManualRunSettings
  // each request counts; the one that reaches the limit makes the account wait a minute
  const limits = yield* RateLimits
  const key = `manual-run:user:${user.id}`
  const waitMs = yield* limits.waitOf(key)
  if (waitMs > 0) {
    return yield* tooManyRequests(
      `you have asked to run jobs ${perMinute} times within a minute, the most one account may: try again in a minute`,
      waitMs / 1000,
    )
  }
  yield* limits.fail(key, { memoryMs: 60_000, delayMs: (runs) => (runs >= perMinute ? 60_000 : 0) })
  const tx = yield* Transactions
  const runs = yield* JobRunsRepo
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      const active = yield* runs.activeRun(job.id)
      if (Option.isSome(active)) {
        const what = active.value.status === "running" ? "is running now" : "is queued to run"
        return yield* conflict(`a run of "${job.name}" ${what}; wait for it to finish, then run it again`)
      }
      return yield* triggerJob(job, user.id)
    }),
  )
})

/** A name another job has is the caller's to change: a 409 that says so. */
const nameConflict = (error: JobNameTaken) => Effect.fail(conflict(error.message))

const MissedQuery = Schema.Struct({
  limit: Schema.optional(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 })).annotate({
      description: "at most this many ticks (default 100)",
    }),
  ),
})

const MissedTicksJson = Schema.Struct({
  job_id: Schema.String,
  misfire_policy: MisfirePolicyField,
  /** ISO-8601 times of the ticks that did not run, newest first */
  results: Schema.Array(Schema.String),
})

export const jobRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/jobs/",
    summary: "List the schedules (by name)",
    tag: TAG,
    access: "user",
    query: PageQuery,
    response: PageOf(JobJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const jobs = yield* JobsRepo
        const bounds = pageBounds(ctx.query)
        const page = yield* jobs.list(bounds)
        const latest = yield* (yield* JobRunsRepo).latestOf(page.items.map((job) => job.id))
        const now = new Date(yield* Clock.currentTimeMillis)
        const { registry } = yield* UploadSettings
        const items = page.items.map((job) => jobJson(job, runByHandOf(registry, job), latest.get(job.id) ?? null, now))
        return { json: paginated(ctx.request, bounds, page.count, items) }
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/jobs/:id/",
    summary: "One schedule",
    tag: TAG,
    access: "user",
    params: IdParams,
    response: JobJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        const job = yield* loadJob(ctx.params.id)
        return { json: yield* withLastRun(job) }
      }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/jobs/",
    summary: "Create a schedule (admins)",
    tag: TAG,
    access: "admin",
    body: NewJobBody,
    response: JobJson,
    status: 201,
    handler: (ctx) =>
      Effect.gen(function* () {
        const jobs = yield* JobsRepo
        yield* checkAutomation(ctx.body.automation, ctx.body.params ?? {})
        const fields = jobFields(ctx.body)
        const cron = normalCron(ctx.body.cron)
        const state = yield* checkSchedule({ cron, timezone: fields.timezone, skipDates: fields.skipDates })
        const input: NewJob = { ...fields, name: ctx.body.name, automation: ctx.body.automation, cron, ...state }
        const job = yield* jobs.create(input).pipe(Effect.catchTag("JobNameTaken", nameConflict))
        ctx.audit.recordType = "job"
        ctx.audit.recordId = job.id
        ctx.audit.detail = `created ${job.automation} at "${job.cron}" (${job.timezone})`
        return { status: 201, json: yield* withLastRun(job) }
      }),
  }),
  defineRoute({
    method: "PATCH",
    path: "/api/jobs/:id/",
    summary: "Change a schedule (admins)",
    tag: TAG,
    access: "admin",
    params: IdParams,
    body: JobChangesBody,
    response: JobJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        const jobs = yield* JobsRepo
        ctx.audit.recordType = "job"
        ctx.audit.recordId = ctx.params.id
        const fields = jobFields(ctx.body)
        ctx.audit.detail = `changed ${Object.keys(ctx.body).sort().join(", ") || "nothing"}`
        let changes: JobChanges = fields
        if (fields.automation !== undefined || fields.params !== undefined) {
          // the parameters the job will run with must suit the automation it will run
          const current = yield* loadJob(ctx.params.id)
          yield* checkAutomation(fields.automation ?? current.automation, fields.params ?? current.params)
        }
        if (
          fields.cron !== undefined ||
          fields.timezone !== undefined ||
          fields.skipDates !== undefined ||
          fields.enabled !== undefined
        ) {
          // the schedule the job will have, checked whole and registered now (no restart)
          const current = yield* loadJob(ctx.params.id)
          const state = yield* checkSchedule({
            cron: fields.cron ?? current.cron,
            timezone: fields.timezone ?? current.timezone,
            skipDates: fields.skipDates ?? current.skipDates,
          })
          changes = { ...fields, ...state }
        }
        const updated = yield* jobs.update(ctx.params.id, changes).pipe(Effect.catchTag("JobNameTaken", nameConflict))
        if (Option.isNone(updated)) return yield* notFound(`no job ${ctx.params.id}`)
        return { json: yield* withLastRun(updated.value) }
      }),
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/jobs/:id/",
    summary: "Delete a schedule (admins); its past runs stay",
    tag: TAG,
    access: "admin",
    params: IdParams,
    status: 204,
    handler: (ctx) =>
      Effect.gen(function* () {
        const jobs = yield* JobsRepo
        ctx.audit.recordType = "job"
        ctx.audit.recordId = ctx.params.id
        const removed = yield* jobs.remove(ctx.params.id)
        if (!removed) return yield* notFound(`no job ${ctx.params.id}`)
        ctx.audit.detail = "deleted"
        return new Response(null, { status: 204 })
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/jobs/:id/missed-ticks/",
    summary: "The ticks a schedule missed (its scheduler was down longer than the job may be late), newest first",
    tag: TAG,
    access: "user",
    params: IdParams,
    query: MissedQuery,
    response: MissedTicksJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        const job = yield* loadJob(ctx.params.id)
        const runs = yield* JobRunsRepo
        const limit = ctx.query.limit ?? 100
        const ticks = yield* runs.missedTicks(job.id, limit)
        return { json: { job_id: job.id, misfire_policy: job.misfirePolicy, results: ticks } }
      }),
  }),
  defineRoute({
    method: "POST",
    path: "/api/jobs/:id/trigger/",
    summary:
      "Run a schedule now: queues a manual run (the roles its automation allows; not while disabled, queued or running)",
    tag: TAG,
    access: "user",
    params: IdParams,
    response: JobRunDetailJson,
    status: 202,
    handler: (ctx) =>
      Effect.gen(function* () {
        const user = ctx.user
        if (user === null) return yield* forbidden()
        const job = yield* loadJob(ctx.params.id)
        ctx.audit.recordType = "job"
        ctx.audit.recordId = job.id
        const run = yield* runByHand(job, user)
        ctx.audit.recordType = "job_run"
        ctx.audit.recordId = run.id
        ctx.audit.detail = `queued a manual run of job ${job.id}`
        return { status: 202, json: yield* jobRunDetailFor(run, user) }
      }),
  }),
]
