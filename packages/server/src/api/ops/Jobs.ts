/**
 * Schedules over HTTP: the jobs (an automation, its five-field cron, its parameters). Everyone
 * sees them; only admins create, change or delete them; running one now is for the roles its
 * automation names, at most `BATCHOPS_MANUAL_RUNS_PER_MINUTE` times a minute per person. The
 * rules (the automation and its parameters checked, the schedule checked and registered at
 * once, who may run a job by hand and when) are core's (`schedules/Jobs.ts`); a refusal
 * answers with its status and core's message.
 */
import {
  changeJob,
  createJob,
  getJob,
  type JobChanges,
  type JobRefused,
  type JobRunRecord,
  JobRunsRepo,
  JobsRepo,
  jobScheduleView,
  type ManualRunAccess,
  type Models,
  runByHandOf,
  runJobByHand,
} from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Clock, Effect, Option, Schema } from "effect"
import {
  type ApiError,
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
 * means (core's `jobScheduleView`: the next five ticks after `now`, the schedule in words) so
 * nobody has to read cron.
 */
export const jobJson = (job: Models.Job, runByHand: ManualRunAccess, lastRun: JobRunRecord | null, now: Date) =>
  encodeJob({ ...job, runByHand, ...jobScheduleView(job, now), lastRun })

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

/** The API's snake_case body to the repository's fields (absent stays absent; core normalizes them). */
const jobFields = (body: typeof JobChangesBody.Type): JobChanges => ({
  ...(body.name === undefined ? {} : { name: body.name }),
  ...(body.automation === undefined ? {} : { automation: body.automation }),
  ...(body.cron === undefined ? {} : { cron: body.cron }),
  ...(body.timezone === undefined ? {} : { timezone: body.timezone }),
  ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
  ...(body.params === undefined ? {} : { params: body.params }),
  ...(body.misfire_policy === undefined ? {} : { misfirePolicy: body.misfire_policy }),
  ...(body.max_lateness_ms === undefined ? {} : { maxLatenessMs: body.max_lateness_ms }),
  ...(body.skip_dates === undefined ? {} : { skipDates: body.skip_dates }),
  ...(body.allow_overlap === undefined ? {} : { allowOverlap: body.allow_overlap }),
})

/** A refusal of core's job rules, answered with its status; the message is core's. */
const answerRefusal = (error: JobRefused): Effect.Effect<never, ApiError> => {
  switch (error.reason) {
    case "invalid":
      return Effect.fail(badRequest(error.message, error.problems))
    case "not_found":
      return Effect.fail(notFound(error.message))
    case "forbidden":
      return Effect.fail(forbidden(error.message))
    case "conflict":
      return Effect.fail(conflict(error.message))
    case "rate_limited":
      return Effect.fail(tooManyRequests(error.message, error.retryAfterSeconds ?? 60))
  }
}

/** The job's JSON with its latest run. */
const withLastRun = (job: Models.Job) =>
  Effect.gen(function* () {
    const runs = yield* JobRunsRepo
    const { registry } = yield* UploadSettings
    const latest = yield* runs.latest(job.id)
    const now = new Date(yield* Clock.currentTimeMillis)
    return jobJson(job, runByHandOf(registry, job), Option.getOrNull(latest), now)
  })

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
        const job = yield* getJob(ctx.params.id).pipe(Effect.catchTag("JobRefused", answerRefusal))
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
        const fields = {
          ...jobFields(ctx.body),
          name: ctx.body.name,
          automation: ctx.body.automation,
          cron: ctx.body.cron,
        }
        const job = yield* createJob(fields).pipe(Effect.catchTag("JobRefused", answerRefusal))
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
        ctx.audit.recordType = "job"
        ctx.audit.recordId = ctx.params.id
        ctx.audit.detail = `changed ${Object.keys(ctx.body).sort().join(", ") || "nothing"}`
        const updated = yield* changeJob(ctx.params.id, jobFields(ctx.body)).pipe(
          Effect.catchTag("JobRefused", answerRefusal),
        )
        return { json: yield* withLastRun(updated) }
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
        const job = yield* getJob(ctx.params.id).pipe(Effect.catchTag("JobRefused", answerRefusal))
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
        const job = yield* getJob(ctx.params.id).pipe(Effect.catchTag("JobRefused", answerRefusal))
        ctx.audit.recordType = "job"
        ctx.audit.recordId = job.id
        const { perMinute } = yield* ManualRunSettings
        const run = yield* runJobByHand(job, user, perMinute).pipe(Effect.catchTag("JobRefused", answerRefusal))
        ctx.audit.recordType = "job_run"
        ctx.audit.recordId = run.id
        ctx.audit.detail = `queued a manual run of job ${job.id}`
        return { status: 202, json: yield* jobRunDetailFor(run, user) }
      }),
  }),
]
