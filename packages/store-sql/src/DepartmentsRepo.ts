/**
 * Department sources and their records in SQL (`department_sources`, `department_records`).
 * Source names are unique; removing a source removes its records (the schema cascades).
 */
import {
  type DepartmentSourceChanges,
  DepartmentsRepo,
  type IngestRecord,
  Models,
  type NewDepartmentSource,
  type PageRequest,
  type RecordsByKind,
  SourceNameTaken,
} from "@batchops/core"
import { Clock, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface SourceRow {
  readonly id: string
  readonly name: string
  readonly code: string
  readonly department: string
  readonly kind: Models.SourceKind
  readonly settings: Record<string, unknown> | null
  readonly enabled: boolean
}

interface RecordRow {
  readonly id: string
  readonly source_id: string
  readonly kind: string
  readonly key: string
  readonly payload: Record<string, unknown>
  readonly recorded_at: Date | string
}

const toSource = (row: SourceRow) => new Models.DepartmentSource({ ...row, settings: row.settings ?? {} })

const toRecord = (row: RecordRow) =>
  new Models.DepartmentRecord({
    id: row.id,
    sourceId: row.source_id,
    kind: row.kind,
    key: row.key,
    payload: row.payload ?? {},
    recordedAt: iso(row.recorded_at),
  })

const nameTaken = (name: string) =>
  new SourceNameTaken({ name, field: "name", message: `a source named "${name}" already exists` })
const codeTaken = (code: string) =>
  new SourceNameTaken({ name: code, field: "code", message: `a source with the code "${code}" already exists` })

/** The `DepartmentsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeDepartmentsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, name, code, department, kind, settings, enabled")
  const recordColumns = sql.literal("id, source_id, kind, key, payload, recorded_at")

  /** which of the two unique fields another source already has */
  const taken = (id: string | null, name: string | null, code: string | null) =>
    Effect.gen(function* () {
      const rows = yield* sql<{ name: string; code: string }>`SELECT name, code FROM department_sources
        WHERE (name = ${name} OR code = ${code}) AND id IS DISTINCT FROM ${id}`
      if (name !== null && rows.some((row) => row.name === name)) return nameTaken(name)
      if (code !== null && rows.some((row) => row.code === code)) return codeTaken(code)
      return undefined
    })

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
      const rows =
        yield* sql<SourceRow>`INSERT INTO department_sources (name, code, department, kind, settings, enabled)
        VALUES (${input.name}, ${input.code}, ${input.department}, ${input.kind},
          ${JSON.stringify(input.settings ?? {})}::jsonb, ${input.enabled ?? true})
        ON CONFLICT DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) return yield* (yield* taken(null, input.name, input.code)) ?? nameTaken(input.name)
      return toSource(rows[0]!)
    })

  const updateSource = (id: string, changes: DepartmentSourceChanges) =>
    Effect.gen(function* () {
      const name = changes.name ?? null
      const code = changes.code ?? null
      const settings = changes.settings === undefined ? null : JSON.stringify(changes.settings)
      const rows = yield* sql<SourceRow>`UPDATE department_sources SET
          name = COALESCE(${name}, name),
          code = COALESCE(${code}, code),
          department = COALESCE(${changes.department ?? null}, department),
          kind = COALESCE(${changes.kind ?? null}, kind),
          settings = COALESCE(${settings}::jsonb, settings),
          enabled = COALESCE(${changes.enabled ?? null}::boolean, enabled)
        WHERE id = ${id}
          AND NOT EXISTS (SELECT 1 FROM department_sources other
            WHERE (other.name = ${name} OR other.code = ${code}) AND other.id <> ${id})
        RETURNING ${columns}`
      if (rows.length > 0) return Option.some(toSource(rows[0]!))
      if ((name !== null || code !== null) && Option.isSome(yield* getSource(id))) {
        const conflict = yield* taken(id, name, code)
        if (conflict) return yield* conflict
      }
      return Option.none<Models.DepartmentSource>()
    })

  const removeSource = (id: string) =>
    Effect.map(
      sql<{ id: string }>`DELETE FROM department_sources WHERE id = ${id} RETURNING id`,
      (rows) => rows.length > 0,
    )

  const getSourceByCode = (code: string) =>
    Effect.map(sql<SourceRow>`SELECT ${columns} FROM department_sources WHERE code = ${code}`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), toSource),
    )

  const listRecords = (sourceId: string, page: PageRequest, kind?: string) =>
    Effect.gen(function* () {
      const ofKind = kind ?? null
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM department_records
        WHERE source_id = ${sourceId} AND (${ofKind}::text IS NULL OR kind = ${ofKind})`
      const rows = yield* sql<RecordRow>`SELECT ${recordColumns} FROM department_records
        WHERE source_id = ${sourceId} AND (${ofKind}::text IS NULL OR kind = ${ofKind})
        ORDER BY recorded_at DESC, id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toRecord) }
    })

  const upsertRecords = (sourceId: string, records: ReadonlyArray<IngestRecord>) =>
    sql.withTransaction(
      Effect.gen(function* () {
        let inserted = 0
        let updated = 0
        let unchanged = 0
        for (const record of records) {
          const at = record.recordedAt ?? new Date(yield* Clock.currentTimeMillis).toISOString()
          // xmax = 0: the row was inserted by this statement; no row back: same payload and time
          const rows = yield* sql<{ inserted: boolean }>`INSERT INTO department_records
              (source_id, kind, key, payload, recorded_at)
            VALUES (${sourceId}, ${record.kind}, ${record.key}, ${JSON.stringify(record.payload)}::jsonb, ${at})
            ON CONFLICT (source_id, kind, key) DO UPDATE
              SET payload = EXCLUDED.payload, recorded_at = EXCLUDED.recorded_at
              WHERE department_records.payload IS DISTINCT FROM EXCLUDED.payload
                OR department_records.recorded_at IS DISTINCT FROM EXCLUDED.recorded_at
            RETURNING (xmax = 0) AS inserted`
          if (rows.length === 0) unchanged++
          else if (rows[0]!.inserted) inserted++
          else updated++
        }
        return { inserted, updated, unchanged }
      }),
    )

  const recordsByKind = (query: RecordsByKind) =>
    Effect.gen(function* () {
      if (query.sourceIds !== undefined && query.sourceIds.length === 0) return []
      const ofSources = query.sourceIds === undefined ? sql`` : sql`AND source_id IN ${sql.in([...query.sourceIds])}`
      const rows = yield* sql<RecordRow>`SELECT ${recordColumns} FROM department_records
        WHERE kind = ${query.kind}
          AND (${query.since ?? null}::timestamptz IS NULL OR recorded_at >= ${query.since ?? null}::timestamptz)
          AND (${query.until ?? null}::timestamptz IS NULL OR recorded_at < ${query.until ?? null}::timestamptz)
          ${ofSources}
        ORDER BY recorded_at, id`
      return rows.map(toRecord)
    })

  return DepartmentsRepo.of(
    storeErrors({
      listSources,
      getSource,
      getSourceByCode,
      createSource,
      updateSource,
      removeSource,
      listRecords,
      upsertRecords,
      recordsByKind,
    }),
  )
})

export const DepartmentsRepoLayer: Layer.Layer<DepartmentsRepo, never, SqlClient.SqlClient> = Layer.effect(
  DepartmentsRepo,
  makeDepartmentsRepo,
)
