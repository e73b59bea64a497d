/**
 * The rate limits port: failed attempts counted per key (`login:ada@school.example:203.0.113.9`,
 * one account from one client address) and the time the key must wait before it may try
 * again, kept where every server process sees them. Only failures count, and a success
 * clears its key. The reference adapter is `@batchops/store-sql` (`auth_failures`).
 */
import { Context, type Effect } from "effect"
import type { StoreError } from "./StoreError.js"

export interface FailurePolicy {
  /** failures older than this (since the key's last one) are forgotten */
  readonly memoryMs: number
  /** how long the key waits after its `failures`th failure in a row (0: it may try at once) */
  readonly delayMs: (failures: number) => number
}

export interface FailureCount {
  /** failures remembered for the key, this one included */
  readonly failures: number
  /** milliseconds the key now waits before its next attempt */
  readonly waitMs: number
}

export interface RateLimitsShape {
  /** milliseconds `key` must still wait before its next attempt (0: it may try now) */
  readonly waitOf: (key: string) => Effect.Effect<number, StoreError>
  /** counts one failure for `key` and makes it wait as the policy says */
  readonly fail: (key: string, policy: FailurePolicy) => Effect.Effect<FailureCount, StoreError>
  /** forgets the failures of `key` (it succeeded) */
  readonly clear: (key: string) => Effect.Effect<void, StoreError>
}

export class RateLimits extends Context.Service<RateLimits, RateLimitsShape>()("@batchops/core/RateLimits") {}
