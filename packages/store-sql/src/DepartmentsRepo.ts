/**
 * Department sources and their records in SQL (`department_sources`, `department_records`).
 * Source names are unique; removing a source removes its records (the schema cascades).
 */
import {
  type DepartmentSourceChanges,
  DepartmentsRepo,
  Models,
  type NewDepartmentSource,
  type PageRequest,
  SourceNameTaken,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface SourceRow {
  readonly id: string
  readonly name: string
  readonly department: string
  readonly kind: string
  readonly enabled: boolean
}

interface RecordRow {
  readonly id: string
  readonly source_id: string
  readonly payload: Record<string, unknown>
  readonly recorded_at: Date | string
}

const toSource = (row: SourceRow) => new Models.DepartmentSource({ ...row })

const toRecord = (row: RecordRow) =>
  new Models.DepartmentRecord({
    id: row.id,
    sourceId: row.source_id,
    payload: row.payload ?? {},
    recordedAt: iso(row.recorded_at),
  })

const nameTaken = (name: string) => new SourceNameTaken({ name, message: `a source named "${name}" already exists` })

/** The `DepartmentsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeDepartmentsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, name, department, kind, enabled")

  const listSources = (page: PageRequest) =>
    Effect.gen(function* () {
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM department_sources`
      const rows = yield* sql<SourceRow>`SELECT ${columns} FROM department_sources ORDER BY name, id
        LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toSource) }
    })

  const getSource = (id: string) =>
    Effect.map(sql<SourceRow>`SELECT ${columns} FROM department_sources WHERE id = ${id}`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), toSource),
    )

  const createSource = (input: NewDepartmentSource) =>
    Effect.gen(function* () {
      const rows = yield* sql<SourceRow>`INSERT INTO department_sources (name, department, kind, enabled)
        VALUES (${input.name}, ${input.department}, ${input.kind}, ${input.enabled ?? true})
        ON CONFLICT DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) return yield* nameTaken(input.name)
      return toSource(rows[0]!)
    })

  const updateSource = (id: string, changes: DepartmentSourceChanges) =>
    Effect.gen(function* () {
      const name = changes.name ?? null
      const rows = yield* sql<SourceRow>`UPDATE department_sources SET
          name = COALESCE(${name}, name),
          department = COALESCE(${changes.department ?? null}, department),
          kind = COALESCE(${changes.kind ?? null}, kind),
          enabled = COALESCE(${changes.enabled ?? null}::boolean, enabled)
        WHERE id = ${id}
          AND NOT EXISTS (SELECT 1 FROM department_sources other WHERE other.name = ${name} AND other.id <> ${id})
        RETURNING ${columns}`
      if (rows.length > 0) return Option.some(toSource(rows[0]!))
      if (name !== null && Option.isSome(yield* getSource(id))) return yield* nameTaken(name)
      return Option.none<Models.DepartmentSource>()
    })

  const removeSource = (id: string) =>
    Effect.map(
      sql<{ id: string }>`DELETE FROM department_sources WHERE id = ${id} RETURNING id`,
      (rows) => rows.length > 0,
    )

  const listRecords = (sourceId: string, page: PageRequest) =>
    Effect.gen(function* () {
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM department_records
        WHERE source_id = ${sourceId}`
      const rows = yield* sql<RecordRow>`SELECT id, source_id, payload, recorded_at FROM department_records
        WHERE source_id = ${sourceId}
        ORDER BY recorded_at DESC, id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toRecord) }
    })

  return DepartmentsRepo.of(
    storeErrors({ listSources, getSource, createSource, updateSource, removeSource, listRecords }),
  )
})

export const DepartmentsRepoLayer: Layer.Layer<DepartmentsRepo, never, SqlClient.SqlClient> = Layer.effect(
  DepartmentsRepo,
  makeDepartmentsRepo,
)
