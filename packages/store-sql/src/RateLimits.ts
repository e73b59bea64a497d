/**
 * Rate-limit counters in SQL (`auth_rate_limits`): one row per key, counted up in one
 * statement (insert or update), so concurrent requests of several processes each get their
 * own count. A window that has ended starts again at this attempt. About one hit in a hundred
 * also removes the rows of windows long over, so addresses and emails seen once do not pile up.
 */
import { RateLimits } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

export const makeRateLimits = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const hit = (key: string, windowMs: number) =>
    Effect.gen(function* () {
      const span = `${Math.max(1, Math.round(windowMs))} milliseconds`
      const rows = yield* sql<{ count: number; reset_in_ms: number | string }>`
        INSERT INTO auth_rate_limits AS r (key, window_start, count) VALUES (${key}, now(), 1)
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN r.window_start + ${span}::interval <= now() THEN 1 ELSE r.count + 1 END,
          window_start = CASE WHEN r.window_start + ${span}::interval <= now() THEN now() ELSE r.window_start END
        RETURNING count,
          ceil(extract(epoch FROM (window_start + ${span}::interval - now())) * 1000)::float8 AS reset_in_ms`
      if (Math.random() < 0.01) {
        yield* sql`DELETE FROM auth_rate_limits WHERE window_start < now() - 2 * ${span}::interval`
      }
      return { count: Number(rows[0]!.count), resetInMs: Math.max(0, Number(rows[0]!.reset_in_ms)) }
    })

  return RateLimits.of(storeErrors({ hit }))
})

export const RateLimitsLayer: Layer.Layer<RateLimits, never, SqlClient.SqlClient> = Layer.effect(
  RateLimits,
  makeRateLimits,
)
