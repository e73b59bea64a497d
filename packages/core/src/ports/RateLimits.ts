/**
 * The rate limits port: counters of attempts per key (`login:email:ada@school.example`,
 * `login:address:203.0.113.9`) in fixed windows, kept where every server process sees them.
 * The reference adapter is `@batchops/store-sql` (`auth_rate_limits`).
 */
import { Context, type Effect } from "effect"
import type { StoreError } from "./StoreError.js"

export interface RateCount {
  /** attempts in the current window, this one included */
  readonly count: number
  /** milliseconds until the window ends and the count starts again */
  readonly resetInMs: number
}

export interface RateLimitsShape {
  /** counts one attempt for `key` in a window of `windowMs` */
  readonly hit: (key: string, windowMs: number) => Effect.Effect<RateCount, StoreError>
}

export class RateLimits extends Context.Service<RateLimits, RateLimitsShape>()("@batchops/core/RateLimits") {}
