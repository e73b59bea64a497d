/**
 * Heartbeats in SQL (`worker_heartbeats`): one row per process loop, its `beat_at` moved to the
 * database's `now()` on every beat, so that the web server and the workers (maybe on other
 * machines, with other clocks) judge freshness by one clock.
 */
import { type Beat, HeartbeatsRepo, type ProcessKind } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

/** a beat older than this many of its intervals means the process stopped */
export const STALE_AFTER_INTERVALS = 3

/** The `HeartbeatsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeHeartbeatsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const beat = (input: Beat) =>
    Effect.asVoid(
      sql`INSERT INTO worker_heartbeats (worker_id, kind, host, pid, every_ms)
        VALUES (${input.workerId}, ${input.kind}, ${input.host}, ${input.pid}, ${Math.max(1, Math.round(input.everyMs))})
        ON CONFLICT (worker_id) DO UPDATE SET kind = EXCLUDED.kind, host = EXCLUDED.host, pid = EXCLUDED.pid,
          every_ms = EXCLUDED.every_ms, beat_at = now()`,
    )

  const liveness = (kind: ProcessKind) =>
    Effect.map(
      sql<{ last_beat: Date | string | null; alive: boolean | null }>`SELECT max(beat_at) AS last_beat,
          bool_or(beat_at > now() - (every_ms::double precision * ${STALE_AFTER_INTERVALS}) * interval '1 millisecond') AS alive
        FROM worker_heartbeats WHERE kind = ${kind}`,
      (rows) => {
        const row = rows[0]
        return {
          lastBeat: row?.last_beat == null ? null : iso(row.last_beat),
          alive: row?.alive === true,
        }
      },
    )

  const live = (kind: ProcessKind, limit = 100) =>
    Effect.map(
      sql<{
        worker_id: string
        host: string
        pid: number
        beat_at: Date | string
        age_ms: number | string
        every_ms: number
      }>`SELECT worker_id, host, pid, beat_at, every_ms,
          GREATEST(0, EXTRACT(EPOCH FROM (now() - beat_at)) * 1000)::double precision AS age_ms
        FROM worker_heartbeats
        WHERE kind = ${kind}
          AND beat_at > now() - (every_ms::double precision * ${STALE_AFTER_INTERVALS}) * interval '1 millisecond'
        ORDER BY beat_at DESC, worker_id
        LIMIT ${Math.max(1, Math.floor(limit))}`,
      (rows) =>
        rows.map((row) => ({
          workerId: row.worker_id,
          host: row.host,
          pid: Number(row.pid),
          lastBeat: iso(row.beat_at),
          ageMs: Math.round(Number(row.age_ms)),
          everyMs: Number(row.every_ms),
        })),
    )

  return HeartbeatsRepo.of(storeErrors({ beat, liveness, live }))
})

export const HeartbeatsRepoLayer: Layer.Layer<HeartbeatsRepo, never, SqlClient.SqlClient> = Layer.effect(
  HeartbeatsRepo,
  makeHeartbeatsRepo,
)
