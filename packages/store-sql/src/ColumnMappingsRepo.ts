/**
 * Remembered column mappings in SQL (`column_mappings`, one per department, profile and
 * header fingerprint), and the department an upload came from (`uploads.department`).
 */
import {
  type ColumnMapping,
  ColumnMappingsRepo,
  type RememberColumnMapping,
  type StoredColumnMapping,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface MappingRow {
  readonly id: string
  readonly department: string
  readonly profile: string
  readonly fingerprint: string
  readonly headers: ReadonlyArray<string> | string
  readonly mapping: ColumnMapping | string
  readonly confirmed_by: string | null
  readonly created_at: Date | string
  readonly updated_at: Date | string
}

const json = <A>(value: A | string): A => (typeof value === "string" ? (JSON.parse(value) as A) : value)

const toMapping = (row: MappingRow): StoredColumnMapping => ({
  id: row.id,
  department: row.department,
  profile: row.profile,
  fingerprint: row.fingerprint,
  headers: json(row.headers),
  mapping: json(row.mapping),
  confirmedBy: row.confirmed_by,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
})

/** The `ColumnMappingsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeColumnMappingsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, department, profile, fingerprint, headers, mapping, confirmed_by, created_at, updated_at",
  )

  const remember = (input: RememberColumnMapping) =>
    Effect.map(
      sql<MappingRow>`INSERT INTO column_mappings (department, profile, fingerprint, headers, mapping, confirmed_by)
        VALUES (${input.department}, ${input.profile}, ${input.fingerprint}, ${JSON.stringify(input.headers)}::jsonb,
          ${JSON.stringify(input.mapping)}::jsonb, ${input.confirmedBy ?? null})
        ON CONFLICT (department, profile, fingerprint) DO UPDATE
          SET headers = EXCLUDED.headers, mapping = EXCLUDED.mapping, confirmed_by = EXCLUDED.confirmed_by,
            updated_at = now()
        RETURNING ${columns}`,
      (rows) => toMapping(rows[0]!),
    )

  const find = (department: string, profile: string, fingerprint: string) =>
    Effect.map(
      sql<MappingRow>`SELECT ${columns} FROM column_mappings
        WHERE department = ${department} AND profile = ${profile} AND fingerprint = ${fingerprint}`,
      (rows) => Option.map(Option.fromNullishOr(rows[0]), toMapping),
    )

  const list = (department?: string | undefined) =>
    Effect.map(
      sql<MappingRow>`SELECT ${columns} FROM column_mappings
        WHERE (${department ?? null}::text IS NULL OR department = ${department ?? null})
        ORDER BY department, profile, updated_at DESC, id`,
      (rows) => rows.map(toMapping),
    )

  const remove = (id: string) =>
    Effect.map(
      sql<{ id: string }>`DELETE FROM column_mappings WHERE id = ${id} RETURNING id`,
      (rows) => rows.length > 0,
    )

  const setUploadDepartment = (uploadId: string, department: string | null) =>
    Effect.asVoid(sql`UPDATE uploads SET department = ${department} WHERE id = ${uploadId}`)

  const uploadDepartment = (uploadId: string) =>
    Effect.map(
      sql<{ department: string | null }>`SELECT department FROM uploads WHERE id = ${uploadId}`,
      (rows) => rows[0]?.department ?? null,
    )

  return ColumnMappingsRepo.of(storeErrors({ remember, find, list, remove, setUploadDepartment, uploadDepartment }))
})

export const ColumnMappingsRepoLayer: Layer.Layer<ColumnMappingsRepo, never, SqlClient.SqlClient> = Layer.effect(
  ColumnMappingsRepo,
  makeColumnMappingsRepo,
)
