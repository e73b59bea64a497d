/**
 * Schedules: the jobs (an automation, its five-field cron, its parameters). Everyone sees
 * them and may run one now (`trigger`); only admins create, change or delete them. A job names
 * an automation some plugin contributes, and its parameters must pass that automation's schema
 * (checked when the job is saved, so a bad value is heard of then, not at 3 a.m.). Running a
 * job here only queues it (a `job_runs` row and a `run_job` work item, stored together): the
 * job runner carries it out.
 */
import {
  type JobNameTaken,
  JobRunsRepo,
  JobsRepo,
  type Models,
  type NewJob,
  Transactions,
  WorkQueue,
} from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { decodeParams, describeProblems, RUN_JOB } from "../../JobRunner.js"
import { UploadSettings } from "../../UploadSettings.js"
import { badRequest, conflict, defineRoute, notFound, PageOf, PageQuery, pageBounds, paginated } from "../Api.js"
import { CronExpression, IdParams, JsonObject, Label, Slug } from "./Fields.js"
import { JobRunDetailJson, jobRunDetailJson } from "./JobRuns.js"

const TAG = "Schedules"

export { RUN_JOB }

export const jobJson = (job: Models.Job) => ({
  id: job.id,
  name: job.name,
  automation: job.automation,
  cron: job.cron,
  enabled: job.enabled,
  params: job.params,
  created_at: job.createdAt,
  updated_at: job.updatedAt,
})

export const JobJson = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  automation: Schema.String,
  cron: Schema.String,
  enabled: Schema.Boolean,
  params: JsonObject,
  created_at: Schema.String,
  updated_at: Schema.String,
})

const NewJobBody = Schema.Struct({
  name: Label(200),
  automation: Slug,
  cron: CronExpression,
  enabled: Schema.optional(Schema.Boolean),
  params: Schema.optional(JsonObject),
})

const JobChangesBody = Schema.Struct({
  name: Schema.optional(Label(200)),
  automation: Schema.optional(Slug),
  cron: Schema.optional(CronExpression),
  enabled: Schema.optional(Schema.Boolean),
  params: Schema.optional(JsonObject),
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

/** A name another job has is the caller's to change: a 409 that says so. */
const nameConflict = (error: JobNameTaken) => Effect.fail(conflict(error.message))

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
        return { json: paginated(ctx.request, bounds, page.count, page.items.map(jobJson)) }
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
    handler: (ctx) => Effect.map(loadJob(ctx.params.id), (job) => ({ json: jobJson(job) })),
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
        const input: NewJob = { ...ctx.body, cron: normalCron(ctx.body.cron) }
        const job = yield* jobs.create(input).pipe(Effect.catchTag("JobNameTaken", nameConflict))
        ctx.audit.recordType = "job"
        ctx.audit.recordId = job.id
        ctx.audit.detail = `created ${job.automation} at "${job.cron}"`
        return { status: 201, json: jobJson(job) }
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
        const changes = { ...ctx.body, ...(ctx.body.cron === undefined ? {} : { cron: normalCron(ctx.body.cron) }) }
        ctx.audit.detail = `changed ${Object.keys(changes).sort().join(", ") || "nothing"}`
        if (changes.automation !== undefined || changes.params !== undefined) {
          // the parameters the job will run with must suit the automation it will run
          const current = yield* loadJob(ctx.params.id)
          yield* checkAutomation(changes.automation ?? current.automation, changes.params ?? current.params)
        }
        const updated = yield* jobs.update(ctx.params.id, changes).pipe(Effect.catchTag("JobNameTaken", nameConflict))
        if (Option.isNone(updated)) return yield* notFound(`no job ${ctx.params.id}`)
        return { json: jobJson(updated.value) }
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
    method: "POST",
    path: "/api/jobs/:id/trigger/",
    summary: "Run a schedule now: queues a manual run (every role)",
    tag: TAG,
    access: "user",
    params: IdParams,
    response: JobRunDetailJson,
    status: 202,
    handler: (ctx) =>
      Effect.gen(function* () {
        const job = yield* loadJob(ctx.params.id)
        const run = yield* triggerJob(job, ctx.user?.id ?? null)
        ctx.audit.recordType = "job_run"
        ctx.audit.recordId = run.id
        ctx.audit.detail = `queued a manual run of job ${job.id}`
        return { status: 202, json: jobRunDetailJson(run) }
      }),
  }),
]
