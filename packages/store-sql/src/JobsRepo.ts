/**
 * Jobs in SQL (`jobs`). Names are unique: a second job of the same name is refused with
 * `JobNameTaken` (by `ON CONFLICT`, so two people creating at once cannot both win).
 */
import { type JobChanges, JobNameTaken, JobsRepo, Models, type NewJob, type PageRequest } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
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
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  })

const nameTaken = (name: string) => new JobNameTaken({ name, message: `a job named "${name}" already exists` })

/** The `JobsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeJobsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, name, automation, cron, enabled, params, created_at, updated_at")
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
      const rows = yield* sql<JobRow>`INSERT INTO jobs (name, automation, cron, enabled, params, allow_overlap)
        VALUES (${input.name}, ${input.automation}, ${input.cron}, ${input.enabled ?? true},
          ${jsonb(input.params ?? {})}::jsonb, ${input.allowOverlap ?? false})
        ON CONFLICT DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) return yield* nameTaken(input.name)
      return toJob(rows[0]!)
    }).pipe(Effect.withSpan("JobsRepo.create"))

  const update = (id: string, changes: JobChanges) =>
    Effect.gen(function* () {
      const name = changes.name ?? null
      const rows = yield* sql<JobRow>`UPDATE jobs SET
          name = COALESCE(${name}, name),
          automation = COALESCE(${changes.automation ?? null}, automation),
          cron = COALESCE(${changes.cron ?? null}, cron),
          enabled = COALESCE(${changes.enabled ?? null}::boolean, enabled),
          params = COALESCE(${jsonb(changes.params)}::jsonb, params),
          allow_overlap = COALESCE(${changes.allowOverlap ?? null}::boolean, allow_overlap),
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

  return JobsRepo.of(storeErrors({ list, get, create, update, remove, allowsOverlap }))
})

export const JobsRepoLayer: Layer.Layer<JobsRepo, never, SqlClient.SqlClient> = Layer.effect(JobsRepo, makeJobsRepo)
