/**
 * The audit log in SQL (`audit_log`): appended to, listed newest first; and the counts of
 * requests refused to callers without an account (`refused_requests`), one row per hour,
 * method, route and status, upserted.
 */
import {
  type AuditEntryRecord,
  type AuditFilter,
  AuditRepo,
  type NewAuditEntry,
  type PageRequest,
  type RefusedCount,
  type RefusedFilter,
  type RefusedRequest,
} from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface AuditRow {
  readonly id: string
  readonly at: Date | string
  readonly actor_id: string | null
  readonly method: string
  readonly route: string
  readonly status: number
  readonly record_type: string | null
  readonly record_id: string | null
  readonly detail: string | null
  readonly ip: string
  readonly request_id: string
}

const toEntry = (row: AuditRow): AuditEntryRecord => ({
  id: String(row.id),
  at: iso(row.at),
  actorId: row.actor_id,
  method: row.method,
  route: row.route,
  status: Number(row.status),
  recordType: row.record_type,
  recordId: row.record_id,
  detail: row.detail,
  ip: row.ip,
  requestId: row.request_id,
})

interface RefusedRow {
  readonly hour: Date | string
  readonly method: string
  readonly route: string
  readonly status: number
  readonly count: number | string
  readonly last_at: Date | string
}

const toRefused = (row: RefusedRow): RefusedCount => ({
  hour: iso(row.hour),
  method: row.method,
  route: row.route,
  status: Number(row.status),
  count: Number(row.count),
  lastAt: iso(row.last_at),
})

/** The `AuditRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeAuditRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id::text AS id, at, actor_id, method, route, status, record_type, record_id, detail, ip, request_id",
  )

  const record = (entry: NewAuditEntry) =>
    Effect.asVoid(
      sql`INSERT INTO audit_log (at, actor_id, method, route, status, record_type, record_id, detail, ip, request_id)
        VALUES (${entry.at}::timestamptz, ${entry.actorId}, ${entry.method}, ${entry.route}, ${entry.status},
          ${entry.recordType}, ${entry.recordId}, ${entry.detail}, ${entry.ip}, ${entry.requestId})`,
    ).pipe(Effect.withSpan("AuditRepo.record"))

  const list = (filter: AuditFilter, page: PageRequest) =>
    Effect.gen(function* () {
      const clauses = [
        ...(filter.actorId === undefined ? [] : [sql`actor_id = ${filter.actorId}`]),
        ...(filter.recordType === undefined ? [] : [sql`record_type = ${filter.recordType}`]),
        ...(filter.recordId === undefined ? [] : [sql`record_id = ${filter.recordId}`]),
        ...(filter.method === undefined ? [] : [sql`method = ${filter.method}`]),
        ...(filter.createdAfter === undefined ? [] : [sql`at >= ${filter.createdAfter}::timestamptz`]),
        ...(filter.createdBefore === undefined ? [] : [sql`at < ${filter.createdBefore}::timestamptz`]),
      ]
      const where = sql.and(clauses)
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`
      const rows = yield* sql<AuditRow>`SELECT ${columns} FROM audit_log WHERE ${where}
        ORDER BY at DESC, audit_log.id DESC LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toEntry) }
    })

  // the hour is cut in UTC, whatever the session's time zone
  const countRefused = (request: RefusedRequest) =>
    Effect.asVoid(
      sql`INSERT INTO refused_requests (hour, method, route, status, count, last_at)
        VALUES (date_trunc('hour', ${request.at}::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
          ${request.method}, ${request.route}, ${request.status}, 1, ${request.at}::timestamptz)
        ON CONFLICT (hour, method, route, status) DO UPDATE
          SET count = refused_requests.count + 1, last_at = greatest(refused_requests.last_at, EXCLUDED.last_at)`,
    ).pipe(Effect.withSpan("AuditRepo.countRefused"))

  const listRefused = (filter: RefusedFilter, page: PageRequest) =>
    Effect.gen(function* () {
      const where = sql.and([
        ...(filter.createdAfter === undefined ? [] : [sql`hour >= ${filter.createdAfter}::timestamptz`]),
        ...(filter.createdBefore === undefined ? [] : [sql`hour < ${filter.createdBefore}::timestamptz`]),
      ])
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM refused_requests WHERE ${where}`
      const rows = yield* sql<RefusedRow>`SELECT hour, method, route, status, count, last_at
        FROM refused_requests WHERE ${where}
        ORDER BY hour DESC, route, method, status LIMIT ${page.limit} OFFSET ${page.offset}`
      return { count: Number(counted[0]?.n ?? 0), items: rows.map(toRefused) }
    })

  return AuditRepo.of(storeErrors({ record, list, countRefused, listRefused }))
})

export const AuditRepoLayer: Layer.Layer<AuditRepo, never, SqlClient.SqlClient> = Layer.effect(AuditRepo, makeAuditRepo)
