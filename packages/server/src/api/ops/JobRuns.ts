/**
 * Job runs: every time a schedule ran or was queued, newest first, with filters; one run with
 * what it did (`details`) and its log lines. Every role may look (the seed's "view runs");
 * only admins see the server's paths in them (ServerPaths.ts).
 */
import { type JobRunRecord, JobRunsRepo, type Models } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import {
  badRequest,
  defineRoute,
  encoderOf,
  notFound,
  PageOf,
  PageQuery,
  pageBounds,
  paginated,
  snakeJson,
} from "../Api.js"
import { IdParams, IsoDateTime, instant, JsonObject } from "./Fields.js"
import { hidePaths, hidePathsIn, type NamedFolder, namedFolders } from "./ServerPaths.js"

const TAG = "Schedules"

const JobRunStatus = Schema.Literals(["queued", "running", "succeeded", "failed"])
const JobRunTrigger = Schema.Literals(["schedule", "manual", "upload"])

/** The run with the server's paths hidden from what it says (see ServerPaths.ts). */
const withoutPaths = (run: JobRunRecord, folders: ReadonlyArray<NamedFolder>): JobRunRecord => ({
  ...run,
  error: run.error === null ? null : hidePaths(run.error, folders),
  logs: run.logs.map((line) => hidePaths(line, folders)),
  steps: run.steps.map((step) => ({
    ...step,
    details: hidePathsIn(step.details, folders) as JobRunRecord["details"],
  })),
  details: hidePathsIn(run.details, folders) as JobRunRecord["details"],
})

/** How `viewer` may see runs: as stored for an admin, without the server's paths for anyone else. */
const shownTo = (viewer: Models.User | null) =>
  viewer?.role === "admin"
    ? Effect.succeed((run: JobRunRecord) => run)
    : Effect.map(namedFolders, (folders) => (run: JobRunRecord) => withoutPaths(run, folders))

/** One run with everything it recorded, as `viewer` may see it. */
export const jobRunDetailFor = (run: JobRunRecord, viewer: Models.User | null) =>
  Effect.map(shownTo(viewer), (shown) => jobRunDetailJson(shown(run)))

const jobRunFields = {
  id: Schema.String,
  jobId: Schema.NullOr(Schema.String),
  automation: Schema.String,
  status: JobRunStatus,
  trigger: JobRunTrigger,
  /** the user who asked for a manual run */
  requestedBy: Schema.NullOr(Schema.String),
  startedAt: Schema.NullOr(Schema.String),
  finishedAt: Schema.NullOr(Schema.String),
  durationMs: Schema.NullOr(Schema.Number),
  /** why a failed run failed */
  error: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
}

/** A run in a list: without its steps, details and logs, which can be long. */
export const JobRunJson = snakeJson(jobRunFields)
export const jobRunJson = encoderOf(JobRunJson)

/** One run with everything it recorded. */
export const JobRunDetailJson = snakeJson({
  ...jobRunFields,
  steps: Schema.Array(Schema.Struct({ name: Schema.String, at: Schema.String, details: JsonObject })),
  details: JsonObject,
  logs: Schema.Array(Schema.String),
})
const jobRunDetailJson = encoderOf(JobRunDetailJson)

const ListQuery = Schema.Struct({
  ...PageQuery.fields,
  /** the seed's name of the job filter */
  job: Schema.optional(Schema.String.annotate({ description: "runs of this job (its id)" })),
  job_id: Schema.optional(Schema.String.annotate({ description: "the same as job" })),
  status: Schema.optional(JobRunStatus),
  automation: Schema.optional(Schema.String),
  /** runs created at or after this instant */
  created_after: Schema.optional(IsoDateTime),
  /** runs created before this instant */
  created_before: Schema.optional(IsoDateTime),
})

export const jobRunRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/job-runs/",
    summary: "List job runs, newest first (filters: job, status, automation, created_after, created_before)",
    tag: TAG,
    access: "user",
    query: ListQuery,
    response: PageOf(JobRunJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const runs = yield* JobRunsRepo
        const bounds = pageBounds(ctx.query)
        const { job, job_id } = ctx.query
        if (job !== undefined && job_id !== undefined && job !== job_id) {
          return yield* badRequest("job and job_id name different jobs: give one of them", [
            { path: "job", message: "differs from job_id" },
          ])
        }
        const page = yield* runs.list(
          {
            jobId: job ?? job_id,
            status: ctx.query.status,
            automation: ctx.query.automation,
            createdAfter: instant(ctx.query.created_after),
            createdBefore: instant(ctx.query.created_before),
          },
          bounds,
        )
        const shown = yield* shownTo(ctx.user)
        const items = page.items.map((run) => jobRunJson(shown(run)))
        return { json: paginated(ctx.request, bounds, page.count, items) }
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/job-runs/:id/",
    summary: "One job run with its details and logs",
    tag: TAG,
    access: "user",
    params: IdParams,
    response: JobRunDetailJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        const runs = yield* JobRunsRepo
        const found = yield* runs.get(ctx.params.id)
        if (Option.isNone(found)) return yield* notFound(`no job run ${ctx.params.id}`)
        return { json: yield* jobRunDetailFor(found.value, ctx.user) }
      }),
  }),
]
