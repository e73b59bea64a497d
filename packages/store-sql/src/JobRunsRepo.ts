/**
 * Job runs in SQL (`job_runs`): a run is stored `queued` when it is asked for; the runner
 * moves it on. Lists are newest first, by `created_at` then id.
 */
import {
  type JobRunFilter,
  type JobRunRecord,
  type JobRunStatus,
  JobRunsRepo,
  type JobRunTrigger,
  type NewJobRun,
  type PageRequest,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface JobRunRow {
  readonly id: string
  readonly job_id: string | null
  readonly automation: string
  readonly status: JobRunStatus
  readonly trigger: JobRunTrigger
  readonly details: Record<string, unknown>
  readonly logs: ReadonlyArray<unknown>
  readonly started_at: Date | string | null
  readonly finished_at: Date | string | null
  readonly created_at: Date | string
}

const toRun = (row: JobRunRow): JobRunRecord => ({
  id: row.id,
  jobId: row.job_id,
  automation: row.automation,
  status: row.status,
  trigger: row.trigger,
  details: row.details ?? {},
  // log lines are text; anything else a runner stored is shown as its JSON
  logs: (row.logs ?? []).map((line) => (typeof line === "string" ? line : JSON.stringify(line))),
  startedAt: row.started_at === null ? null : iso(row.started_at),
  finishedAt: row.finished_at === null ? null : iso(row.finished_at),
  createdAt: iso(row.created_at),
})

/** The `JobRunsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeJobRunsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, job_id, automation, status, trigger, details, logs, started_at, finished_at, created_at",
  )

  const create = (input: NewJobRun) =>
    Effect.map(
      sql<JobRunRow>`INSERT INTO job_runs (job_id, automation, status, trigger, details)
        VALUES (${input.jobId}, ${input.automation}, 'queued', ${input.trigger},
          ${JSON.stringify(input.details ?? {})}::jsonb)
        RETURNING ${columns}`,
      (rows) => toRun(rows[0]!),
    ).pipe(Effect.withSpan("JobRunsRepo.create"))

  const get = (id: string) =>
    Effect.map(sql<JobRunRow>`SELECT ${columns} FROM job_runs WHERE id = ${id}`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), toRun),
    )

  const list = (filter: JobRunFilter, page: PageRequest) =>
    Effect.gen(function* () {
      const clauses = [
        ...(filter.jobId === undefined ? [] : [sql`job_id = ${filter.jobId}`]),
        ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`]),
        ...(filter.automation === undefined ? [] : [sql`automation = ${filter.automation}`]),
        ...(filter.createdAfter === undefined ? [] : [sql`created_at >= ${filter.createdAfter}::timestamptz`]),
        ...(filter.createdBefore === undefined ? [] : [sql`created_at < ${filter.createdBefore}::timestamptz`]),
      ]
      const where = sql.and(clauses)
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM job_runs WHERE ${where}`
      const rows = yield* sql<JobRunRow>`SELECT ${columns} FROM job_runs WHERE ${where}
        ORDER BY created_at DESC, id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toRun) }
    })

  return JobRunsRepo.of(storeErrors({ create, get, list }))
})

export const JobRunsRepoLayer: Layer.Layer<JobRunsRepo, never, SqlClient.SqlClient> = Layer.effect(
  JobRunsRepo,
  makeJobRunsRepo,
)
