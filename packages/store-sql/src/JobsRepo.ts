/**
 * Jobs in SQL (`jobs`). Names are unique: a second job of the same name is refused with
 * `JobNameTaken` (by `ON CONFLICT`, so two people creating at once cannot both win).
 */
import {
  type JobChanges,
  JobNameTaken,
  type JobScheduleState,
  JobsRepo,
  type MisfirePolicy,
  Models,
  type NewJob,
  nextRuns,
  type PageRequest,
  parseSchedule,
} from "@batchops/core"
import { Clock, Effect, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface JobRow {
  readonly id: string
  readonly name: string
  readonly automation: string
  readonly cron: string
  readonly enabled: boolean
  readonly params: Record<string, unknown>
  readonly timezone: string
  readonly misfire_policy: MisfirePolicy
  readonly max_lateness_ms: number | string
  readonly skip_dates: ReadonlyArray<string> | null
  readonly allow_overlap: boolean
  readonly next_run_at: Date | string | null
  readonly last_scheduled_for: Date | string | null
  readonly created_at: Date | string
  readonly updated_at: Date | string
}

const toJob = (row: JobRow): Models.Job =>
  new Models.Job({
    id: row.id,
    name: row.name,
    automation: row.automation,
    cron: row.cron,
    enabled: row.enabled,
    params: row.params ?? {},
    timezone: row.timezone,
    misfirePolicy: row.misfire_policy,
    // bigint columns come back as text from some drivers
    maxLatenessMs: Number(row.max_lateness_ms),
    skipDates: row.skip_dates ?? [],
    allowOverlap: row.allow_overlap,
    nextRunAt: row.next_run_at === null ? null : iso(row.next_run_at),
    lastScheduledFor: row.last_scheduled_for === null ? null : iso(row.last_scheduled_for),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  })

/** how late a tick may still run unless the job says otherwise (the migration's default) */
const DEFAULT_MAX_LATENESS_MS = 3_600_000

/**
 * The schedule state of a job saved now, when its caller did not register it: the next tick,
 * and now as the moment from which ticks count, so a job saved through the library (or a
 * script) runs on its schedule without a restart, as one saved through the API. A schedule the
 * rules refuse (the caller did not check it) is left unregistered: it never runs.
 */
const registration = (input: { cron: string; timezone: string; skipDates: ReadonlyArray<string> }) =>
  Effect.map(Clock.currentTimeMillis, (ms): JobScheduleState => {
    const parsed = parseSchedule(input)
    if (Result.isFailure(parsed)) return { nextRunAt: null, lastScheduledFor: new Date(ms).toISOString() }
    const now = new Date(ms)
    return {
      nextRunAt: nextRuns(parsed.success, now, 1)[0]?.toISOString() ?? null,
      lastScheduledFor: now.toISOString(),
    }
  })

const nameTaken = (name: string) => new JobNameTaken({ name, message: `a job named "${name}" already exists` })

/** The `JobsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeJobsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, name, automation, cron, enabled, params, timezone, misfire_policy, max_lateness_ms, skip_dates, allow_overlap, " +
      "next_run_at, last_scheduled_for, created_at, updated_at",
  )
  const jsonb = (value: unknown) => (value === undefined ? null : JSON.stringify(value))

  const list = (page: PageRequest) =>
    Effect.gen(function* () {
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`
      const rows = yield* sql<JobRow>`SELECT ${columns} FROM jobs ORDER BY name, id
        LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toJob) }
    })

  const get = (id: string) =>
    Effect.map(sql<JobRow>`SELECT ${columns} FROM jobs WHERE id = ${id}`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), toJob),
    )

  const create = (input: NewJob) =>
    Effect.gen(function* () {
      const state =
        input.nextRunAt === undefined
          ? yield* registration({
              cron: input.cron,
              timezone: input.timezone ?? "UTC",
              skipDates: input.skipDates ?? [],
            })
          : { nextRunAt: input.nextRunAt, lastScheduledFor: input.lastScheduledFor ?? null }
      const rows = yield* sql<JobRow>`INSERT INTO jobs (name, automation, cron, enabled, params, allow_overlap,
          timezone, misfire_policy, max_lateness_ms, skip_dates, next_run_at, last_scheduled_for)
        VALUES (${input.name}, ${input.automation}, ${input.cron}, ${input.enabled ?? true},
          ${jsonb(input.params ?? {})}::jsonb, ${input.allowOverlap ?? false},
          ${input.timezone ?? "UTC"}, ${input.misfirePolicy ?? "coalesce_once"},
          ${input.maxLatenessMs ?? DEFAULT_MAX_LATENESS_MS}, ${jsonb(input.skipDates ?? [])}::jsonb,
          ${state.nextRunAt}::timestamptz, ${state.lastScheduledFor}::timestamptz)
        ON CONFLICT DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) return yield* nameTaken(input.name)
      return toJob(rows[0]!)
    }).pipe(Effect.withSpan("JobsRepo.create"))

  const update = (id: string, changes: JobChanges) =>
    Effect.gen(function* () {
      const name = changes.name ?? null
      // a new cron, zone, calendar or enabling registers the schedule afresh: with the caller's
      // values when given, otherwise cleared for the scheduler's next pass
      const reschedule =
        changes.cron !== undefined ||
        changes.timezone !== undefined ||
        changes.skipDates !== undefined ||
        changes.enabled !== undefined ||
        changes.nextRunAt !== undefined
      let state: JobScheduleState | null = null
      if (reschedule) {
        if (changes.nextRunAt !== undefined) {
          state = { nextRunAt: changes.nextRunAt, lastScheduledFor: changes.lastScheduledFor ?? null }
        } else {
          const current = yield* get(id)
          if (Option.isNone(current)) return Option.none<Models.Job>()
          state = yield* registration({
            cron: changes.cron ?? current.value.cron,
            timezone: changes.timezone ?? current.value.timezone,
            skipDates: changes.skipDates ?? current.value.skipDates,
          })
        }
      }
      const rows = yield* sql<JobRow>`UPDATE jobs SET
          name = COALESCE(${name}, name),
          automation = COALESCE(${changes.automation ?? null}, automation),
          cron = COALESCE(${changes.cron ?? null}, cron),
          enabled = COALESCE(${changes.enabled ?? null}::boolean, enabled),
          params = COALESCE(${jsonb(changes.params)}::jsonb, params),
          allow_overlap = COALESCE(${changes.allowOverlap ?? null}::boolean, allow_overlap),
          timezone = COALESCE(${changes.timezone ?? null}, timezone),
          misfire_policy = COALESCE(${changes.misfirePolicy ?? null}, misfire_policy),
          max_lateness_ms = COALESCE(${changes.maxLatenessMs ?? null}::bigint, max_lateness_ms),
          skip_dates = COALESCE(${jsonb(changes.skipDates)}::jsonb, skip_dates),
          next_run_at = CASE WHEN ${reschedule}::boolean THEN ${state?.nextRunAt ?? null}::timestamptz
            ELSE next_run_at END,
          last_scheduled_for = CASE WHEN ${reschedule}::boolean
            THEN ${state?.lastScheduledFor ?? null}::timestamptz ELSE last_scheduled_for END,
          updated_at = now()
        WHERE id = ${id}
          AND NOT EXISTS (SELECT 1 FROM jobs other WHERE other.name = ${name} AND other.id <> ${id})
        RETURNING ${columns}`
      if (rows.length > 0) return Option.some(toJob(rows[0]!))
      if (name !== null && Option.isSome(yield* get(id))) return yield* nameTaken(name)
      return Option.none<Models.Job>()
    }).pipe(Effect.withSpan("JobsRepo.update"))

  const remove = (id: string) =>
    Effect.map(sql<{ id: string }>`DELETE FROM jobs WHERE id = ${id} RETURNING id`, (rows) => rows.length > 0)

  const allowsOverlap = (id: string) =>
    Effect.map(sql<{ allow_overlap: boolean }>`SELECT allow_overlap FROM jobs WHERE id = ${id}`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), (row) => row.allow_overlap),
    )

  // SKIP LOCKED: a job another scheduler is handling is left to it, never waited for (and so
  // never handled twice); the locks last until the caller's transaction ends
  const due = (now: string, limit: number) =>
    Effect.map(
      sql<JobRow>`SELECT ${columns} FROM jobs
        WHERE enabled AND (next_run_at <= ${now}::timestamptz
          OR (next_run_at IS NULL AND last_scheduled_for IS NULL))
        ORDER BY next_run_at NULLS FIRST, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED`,
      (rows) => rows.map(toJob),
    ).pipe(Effect.withSpan("JobsRepo.due"))

  const setSchedule = (id: string, state: JobScheduleState) =>
    Effect.map(
      sql<{ id: string }>`UPDATE jobs SET next_run_at = ${state.nextRunAt}::timestamptz,
          last_scheduled_for = ${state.lastScheduledFor}::timestamptz
        WHERE id = ${id} RETURNING id`,
      (rows) => rows.length > 0,
    )

  return JobsRepo.of(storeErrors({ list, get, create, update, remove, allowsOverlap, due, setSchedule }))
})

export const JobsRepoLayer: Layer.Layer<JobsRepo, never, SqlClient.SqlClient> = Layer.effect(JobsRepo, makeJobsRepo)
