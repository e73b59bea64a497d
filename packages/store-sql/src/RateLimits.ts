/**
 * Failure counters in SQL (`auth_failures`): one row per key, counted up in one statement
 * (insert or update), so concurrent failures of several processes each count. A key whose
 * last failure is older than the policy's memory starts again at one. About one failure in a
 * hundred also removes the rows of keys long quiet, so addresses and emails seen once do not
 * pile up.
 */
import { type FailurePolicy, RateLimits } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

const interval = (ms: number) => `${Math.max(0, Math.round(ms))} milliseconds`

export const makeRateLimits = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const waitOf = (key: string) =>
    Effect.map(
      sql<{ wait_ms: number | string }>`SELECT ceil(extract(epoch FROM (wait_until - now())) * 1000)::float8 AS wait_ms
        FROM auth_failures WHERE key = ${key} AND wait_until > now()`,
      (rows) => (rows.length === 0 ? 0 : Math.max(0, Number(rows[0]!.wait_ms))),
    )

  const fail = (key: string, policy: FailurePolicy) =>
    Effect.gen(function* () {
      const memory = interval(policy.memoryMs)
      const counted = yield* sql<{ failures: number }>`
        INSERT INTO auth_failures AS f (key, failures, last_failure_at, wait_until) VALUES (${key}, 1, now(), now())
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN f.last_failure_at + ${memory}::interval <= now() THEN 1 ELSE f.failures + 1 END,
          last_failure_at = now()
        RETURNING failures`
      const failures = Number(counted[0]!.failures)
      const waitMs = Math.max(0, policy.delayMs(failures))
      if (waitMs > 0) {
        yield* sql`UPDATE auth_failures SET wait_until = greatest(wait_until, now() + ${interval(waitMs)}::interval)
          WHERE key = ${key}`
      }
      if (Math.random() < 0.01) {
        yield* sql`DELETE FROM auth_failures
          WHERE last_failure_at < now() - ${memory}::interval AND wait_until < now()`
      }
      return { failures, waitMs }
    })

  const clear = (key: string) => Effect.asVoid(sql`DELETE FROM auth_failures WHERE key = ${key}`)

  return RateLimits.of(storeErrors({ waitOf, fail, clear }))
})

export const RateLimitsLayer: Layer.Layer<RateLimits, never, SqlClient.SqlClient> = Layer.effect(
  RateLimits,
  makeRateLimits,
)
