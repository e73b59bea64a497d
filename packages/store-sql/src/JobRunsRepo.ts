/**
 * Job runs in SQL (`job_runs`): a run is stored `queued` when it is asked for; the runner
 * moves it to `running` and then `succeeded` or `failed`, with its steps, log and duration. Lists are newest first, by `created_at` then id.
 */
import {
  type JobRunFilter,
  type JobRunOutcome,
  type JobRunRecord,
  type JobRunStart,
  type JobRunStatus,
  type JobRunStep,
  JobRunsRepo,
  type JobRunTrigger,
  type NewJobRun,
  type NewScheduledRun,
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
  readonly requested_by: string | null
  readonly duration_ms: number | string | null
  readonly steps: ReadonlyArray<JobRunStep> | null
  readonly error: string | null
  readonly scheduled_for: Date | string | null
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
  requestedBy: row.requested_by,
  // bigint columns come back as text from some drivers
  durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  steps: row.steps ?? [],
  error: row.error,
  scheduledFor: row.scheduled_for === null ? null : iso(row.scheduled_for),
})

/** The `JobRunsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeJobRunsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, job_id, automation, status, trigger, details, logs, started_at, finished_at, created_at, " +
      "requested_by, duration_ms, steps, error, scheduled_for",
  )

  const create = (input: NewJobRun) =>
    Effect.map(
      sql<JobRunRow>`INSERT INTO job_runs (job_id, automation, status, trigger, details, requested_by, scheduled_for)
        VALUES (${input.jobId}, ${input.automation}, 'queued', ${input.trigger},
          ${JSON.stringify(input.details ?? {})}::jsonb, ${input.requestedBy ?? null},
          ${input.scheduledFor ?? null}::timestamptz)
        RETURNING ${columns}`,
      (rows) => toRun(rows[0]!),
    ).pipe(Effect.withSpan("JobRunsRepo.create"))

  // ON CONFLICT on the partial unique index (job_id, scheduled_for): the second insert of a
  // tick does nothing and returns no row
  const createScheduled = (input: NewScheduledRun) =>
    Effect.map(
      sql<JobRunRow>`INSERT INTO job_runs (job_id, automation, status, trigger, details, scheduled_for)
        VALUES (${input.jobId}, ${input.automation}, 'queued', 'schedule',
          ${JSON.stringify(input.details ?? {})}::jsonb, ${input.scheduledFor}::timestamptz)
        ON CONFLICT (job_id, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
        RETURNING ${columns}`,
      (rows) => Option.map(Option.fromNullishOr(rows[0]), toRun),
    ).pipe(Effect.withSpan("JobRunsRepo.createScheduled"))

  const recordMissed = (jobId: string, ticks: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      let added = 0
      for (const tick of ticks) {
        const rows = yield* sql<{ job_id: string }>`INSERT INTO job_missed_ticks (job_id, scheduled_for)
          VALUES (${jobId}, ${tick}::timestamptz) ON CONFLICT DO NOTHING RETURNING job_id`
        added += rows.length
      }
      return added
    })

  const missedTicks = (jobId: string, limit: number) =>
    Effect.map(
      sql<{ scheduled_for: Date | string }>`SELECT scheduled_for FROM job_missed_ticks WHERE job_id = ${jobId}
        ORDER BY scheduled_for DESC LIMIT ${limit}`,
      (rows) => rows.map((row) => iso(row.scheduled_for)),
    )

  const latest = (jobId: string) =>
    Effect.map(
      sql<JobRunRow>`SELECT ${columns} FROM job_runs WHERE job_id = ${jobId}
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      (rows) => Option.map(Option.fromNullishOr(rows[0]), toRun),
    )

  const latestOf = (jobIds: ReadonlyArray<string>) =>
    jobIds.length === 0
      ? Effect.succeed(new Map<string, JobRunRecord>() as ReadonlyMap<string, JobRunRecord>)
      : Effect.map(
          sql<JobRunRow>`SELECT DISTINCT ON (job_id) ${columns} FROM job_runs WHERE ${sql.in("job_id", jobIds)}
            ORDER BY job_id, created_at DESC, id DESC`,
          (rows) => new Map(rows.map((row) => [row.job_id!, toRun(row)])) as ReadonlyMap<string, JobRunRecord>,
        )

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

  // Exclusive starts of one job take the job's row lock first: the check that no other run is
  // going then sees every start committed before it (a second statement, a fresh snapshot).
  const start = (id: string, options?: { readonly exclusive?: boolean | undefined }) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const exclusive = options?.exclusive === true
          if (exclusive) {
            yield* sql`SELECT j.id FROM jobs j JOIN job_runs r ON r.job_id = j.id WHERE r.id = ${id} FOR UPDATE OF j`
          }
          const rows = yield* sql<JobRunRow>`UPDATE job_runs SET status = 'running', started_at = now(),
              finished_at = NULL, duration_ms = NULL, error = NULL
            WHERE id = ${id} AND status IN ('queued', 'running')
              AND (${!exclusive} OR job_id IS NULL OR NOT EXISTS (
                SELECT 1 FROM job_runs other
                WHERE other.job_id = job_runs.job_id AND other.status = 'running' AND other.id <> ${id}))
            RETURNING ${columns}`
          if (rows.length > 0) return { _tag: "started", run: toRun(rows[0]!) } as JobRunStart
          const found = yield* get(id)
          return (
            Option.isSome(found) && (found.value.status === "queued" || found.value.status === "running")
              ? { _tag: "busy" }
              : { _tag: "gone" }
          ) as JobRunStart
        }),
      )
      .pipe(Effect.withSpan("JobRunsRepo.start"))

  const progress = (id: string, steps: ReadonlyArray<JobRunStep>, logs: ReadonlyArray<string>) =>
    Effect.asVoid(
      sql`UPDATE job_runs SET steps = ${JSON.stringify(steps)}::jsonb, logs = ${JSON.stringify(logs)}::jsonb
        WHERE id = ${id} AND status = 'running'`,
    )

  // the duration is the database's (start and end by the same clock); a run never started
  // (refused before it ran) starts and ends now
  const finish = (id: string, outcome: JobRunOutcome) =>
    Effect.map(
      sql<JobRunRow>`UPDATE job_runs SET status = ${outcome.status},
          started_at = COALESCE(started_at, now()),
          finished_at = GREATEST(now(), COALESCE(started_at, now())),
          duration_ms = GREATEST(0, round(extract(epoch FROM (now() - COALESCE(started_at, now()))) * 1000))::bigint,
          steps = ${JSON.stringify(outcome.steps)}::jsonb,
          logs = ${JSON.stringify(outcome.logs)}::jsonb,
          error = ${outcome.error ?? null},
          details = details || ${JSON.stringify(outcome.details ?? {})}::jsonb
        WHERE id = ${id} AND status IN ('queued', 'running')
        RETURNING ${columns}`,
      (rows) => Option.map(Option.fromNullishOr(rows[0]), toRun),
    ).pipe(Effect.withSpan("JobRunsRepo.finish"))

  // the job's row lock first, then a fresh statement: it sees every run committed before the lock
  const activeRun = (jobId: string) =>
    Effect.gen(function* () {
      yield* sql`SELECT id FROM jobs WHERE id = ${jobId} FOR UPDATE`
      const rows = yield* sql<JobRunRow>`SELECT ${columns} FROM job_runs
        WHERE job_id = ${jobId} AND status IN ('queued', 'running')
        ORDER BY created_at, id LIMIT 1`
      return Option.map(Option.fromNullishOr(rows[0]), toRun)
    }).pipe(Effect.withSpan("JobRunsRepo.activeRun"))

  const isRunning = (jobId: string, exceptRunId?: string) =>
    Effect.map(
      sql<{ n: number }>`SELECT count(*)::int AS n FROM job_runs
        WHERE job_id = ${jobId} AND status = 'running' AND id <> ${exceptRunId ?? ""}`,
      (rows) => Number(rows[0]?.n ?? 0) > 0,
    )

  return JobRunsRepo.of(
    storeErrors({
      create,
      createScheduled,
      recordMissed,
      missedTicks,
      latest,
      latestOf,
      get,
      list,
      start,
      progress,
      finish,
      activeRun,
      isRunning,
    }),
  )
})

export const JobRunsRepoLayer: Layer.Layer<JobRunsRepo, never, SqlClient.SqlClient> = Layer.effect(
  JobRunsRepo,
  makeJobRunsRepo,
)
