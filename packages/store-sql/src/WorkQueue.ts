/**
 * The durable work queue in SQL: the `work_queue` table as leased items.
 *
 * - `enqueue` stores an item `queued`, due at `run_after` (now by default).
 * - `claim` is ONE statement: it locks the oldest due item that is `queued`, or `running` with an
 *   expired lease (its worker died), with `FOR UPDATE SKIP LOCKED`, and marks it `running` for the
 *   claiming worker until `now() + lease`, counting the attempt. Two workers never get the same
 *   item: a row another transaction holds is skipped, and a row claimed meanwhile no longer
 *   matches when it is re-checked under its lock.
 * - `heartbeat`, `complete` and `fail` act only while the item is `running` and leased by the
 *   calling worker; a worker whose expired lease was taken over is refused (`false`).
 *
 * Lease times come from the database clock (`now()`), never from the client. Worker ids must be
 * unique per running worker (e.g. host + pid + random).
 */
import {
  type ClaimInput,
  type EnqueueInput,
  type FailOptions,
  type WorkItem,
  type WorkItemStatus,
  WorkQueue,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

interface WorkRow {
  readonly id: string
  readonly kind: string
  readonly payload: unknown
  readonly status: WorkItemStatus
  readonly run_after: Date | string
  readonly leased_until: Date | string | null
  readonly leased_by: string | null
  readonly attempts: number
  readonly last_error: string | null
  readonly created_at: Date | string
  readonly updated_at: Date | string
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

const toItem = (row: WorkRow): WorkItem => ({
  id: String(row.id),
  kind: row.kind,
  payload: row.payload,
  status: row.status,
  runAfter: iso(row.run_after),
  leasedUntil: row.leased_until === null ? null : iso(row.leased_until),
  leasedBy: row.leased_by,
  attempts: Number(row.attempts),
  lastError: row.last_error,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
})

/** ids are bigint in the database; anything else cannot name an item */
const validId = (id: string): boolean => /^\d{1,18}$/.test(id)

const checkMs = (name: string, value: number, allowZero: boolean) =>
  Number.isFinite(value) && (allowZero ? value >= 0 : value > 0)
    ? Effect.void
    : Effect.die(new RangeError(`${name} must be a ${allowZero ? "non-negative" : "positive"} number, got ${value}`))

/** The `WorkQueue` over the `SqlClient` in context (all values bound as parameters). */
export const makeWorkQueue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const names =
    "kind, payload, status, run_after, leased_until, leased_by, attempts, last_error, created_at, updated_at"
  const columns = sql.literal(`id::text AS id, ${names}`)
  /** the same columns of the `UPDATE ... FROM next` in `claim`, where `id` alone is ambiguous */
  const claimedColumns = sql.literal(
    `w.id::text AS id, ${names
      .split(", ")
      .map((name) => `w.${name}`)
      .join(", ")}`,
  )
  const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`

  const enqueue = (input: EnqueueInput) =>
    Effect.map(
      sql<{ id: string }>`INSERT INTO work_queue (kind, payload, status, run_after)
        VALUES (${input.kind}, ${JSON.stringify(input.payload ?? {})}::jsonb, 'queued',
          COALESCE(${input.runAfter ?? null}::timestamptz, now()))
        RETURNING id::text AS id`,
      (rows) => String(rows[0]!.id),
    ).pipe(Effect.withSpan("WorkQueue.enqueue"))

  const claim = (input: ClaimInput) =>
    Effect.gen(function* () {
      yield* checkMs("leaseMs", input.leaseMs, false)
      if (input.kinds !== undefined && input.kinds.length === 0) return Option.none<WorkItem>()
      const kinds = input.kinds === undefined ? sql`` : sql`AND kind IN ${sql.in(input.kinds)}`
      const rows = yield* sql<WorkRow>`WITH next AS (
          SELECT id FROM work_queue
          WHERE ((status = 'queued' AND run_after <= now()) OR (status = 'running' AND leased_until < now()))
            ${kinds}
          ORDER BY run_after, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED
        )
        UPDATE work_queue AS w SET status = 'running', leased_by = ${input.worker},
          leased_until = now() + ${ms(input.leaseMs)}, attempts = w.attempts + 1, updated_at = now()
        FROM next WHERE w.id = next.id
        RETURNING ${claimedColumns}`
      return Option.map(Option.fromNullishOr(rows[0]), toItem)
    }).pipe(Effect.withSpan("WorkQueue.claim"))

  const heartbeat = (id: string, worker: string, leaseMs: number) =>
    Effect.gen(function* () {
      yield* checkMs("leaseMs", leaseMs, false)
      if (!validId(id)) return false
      const rows = yield* sql<{ id: string }>`UPDATE work_queue
        SET leased_until = now() + ${ms(leaseMs)}, updated_at = now()
        WHERE id = ${id}::bigint AND status = 'running' AND leased_by = ${worker}
        RETURNING id::text AS id`
      return rows.length === 1
    })

  const complete = (id: string, worker: string) =>
    Effect.gen(function* () {
      if (!validId(id)) return false
      const rows = yield* sql<{ id: string }>`UPDATE work_queue
        SET status = 'completed', leased_until = NULL, updated_at = now()
        WHERE id = ${id}::bigint AND status = 'running' AND leased_by = ${worker}
        RETURNING id::text AS id`
      return rows.length === 1
    }).pipe(Effect.withSpan("WorkQueue.complete"))

  const fail = (id: string, worker: string, error: string, options: FailOptions = {}) =>
    Effect.gen(function* () {
      const retry = options.retryAfterMs
      if (retry !== undefined) yield* checkMs("retryAfterMs", retry, true)
      if (!validId(id)) return false
      const rows =
        retry === undefined
          ? yield* sql<{ id: string }>`UPDATE work_queue
              SET status = 'failed', leased_until = NULL, last_error = ${error}, updated_at = now()
              WHERE id = ${id}::bigint AND status = 'running' AND leased_by = ${worker}
              RETURNING id::text AS id`
          : yield* sql<{ id: string }>`UPDATE work_queue
              SET status = 'queued', leased_until = NULL, last_error = ${error},
                run_after = now() + ${ms(retry)}, updated_at = now()
              WHERE id = ${id}::bigint AND status = 'running' AND leased_by = ${worker}
              RETURNING id::text AS id`
      return rows.length === 1
    }).pipe(Effect.withSpan("WorkQueue.fail"))

  const get = (id: string) =>
    validId(id)
      ? Effect.map(sql<WorkRow>`SELECT ${columns} FROM work_queue WHERE id = ${id}::bigint`, (rows) =>
          Option.map(Option.fromNullishOr(rows[0]), toItem),
        )
      : Effect.succeed(Option.none<WorkItem>())

  const stats = () =>
    Effect.map(
      sql<{ queued: number; running: number; completed: number; failed: number; expired: number }>`SELECT
          count(*) FILTER (WHERE status = 'queued')::int AS queued,
          count(*) FILTER (WHERE status = 'running')::int AS running,
          count(*) FILTER (WHERE status = 'completed')::int AS completed,
          count(*) FILTER (WHERE status = 'failed')::int AS failed,
          count(*) FILTER (WHERE status = 'running' AND leased_until < now())::int AS expired
        FROM work_queue`,
      (rows) => {
        const row = rows[0]!
        return {
          queued: Number(row.queued),
          running: Number(row.running),
          completed: Number(row.completed),
          failed: Number(row.failed),
          expired: Number(row.expired),
        }
      },
    )

  return WorkQueue.of(storeErrors({ enqueue, claim, heartbeat, complete, fail, get, stats }))
})

export const WorkQueueLayer: Layer.Layer<WorkQueue, never, SqlClient.SqlClient> = Layer.effect(WorkQueue, makeWorkQueue)
