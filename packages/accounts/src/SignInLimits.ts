/**
 * Sign-in limits that cannot lock out a school: only failed attempts count, per pair of
 * account (the email, in lower case) and client address, in the database (every server
 * process sees the same counts). After BATCHOPS_AUTH_FREE_FAILURES failures a pair waits 1
 * second, then 2, 4... up to BATCHOPS_AUTH_MAX_DELAY_SECONDS; while it waits its attempts are
 * refused (`waiting`, a 429 with Retry-After over HTTP), without checking the password. Nothing is counted per
 * address alone, so a staff sharing the school's address is never locked out by one of them,
 * and an account's owner signs in from their own address during an attack from another. An
 * unknown email is counted like a known one, so the answers say nothing about accounts.
 */
import { RateLimits } from "@batchops/core"
import { Effect } from "effect"
import { AuthRefused } from "./AuthRefused.js"
import { AuthSettings, type AuthSettingsShape } from "./AuthSettings.js"

export type LimitedAction = "login" | "verify" | "reset"

const pairKey = (action: LimitedAction, email: string, ip: string) => `${action}:${email.trim().toLowerCase()}:${ip}`

/** The wait after a pair's `failures`th failure: none for the free ones, then doubling from 1 s to the cap. */
export const delayAfter = (settings: AuthSettingsShape, failures: number): number =>
  failures < settings.freeFailures
    ? 0
    : Math.min(settings.maxDelayMs, 1000 * 2 ** Math.min(failures - settings.freeFailures, 30))

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

const waiting = (waitMs: number) =>
  new AuthRefused({
    reason: "waiting",
    message: `too many failed attempts for this account from your address: wait ${seconds(waitMs)} second${seconds(waitMs) === 1 ? "" : "s"} and try again`,
    retryAfterSeconds: waitMs / 1000,
  })

/** Refuses (`waiting`) while the pair waits after its failures. */
export const awaitTurn = Effect.fn("SignInLimits.awaitTurn")(function* (
  action: LimitedAction,
  email: string,
  ip: string,
) {
  const limits = yield* RateLimits
  const waitMs = yield* limits.waitOf(pairKey(action, email, ip))
  if (waitMs > 0) return yield* waiting(waitMs)
})

/** Counts a failed attempt of the pair (it may now have to wait). */
export const recordFailure = Effect.fn("SignInLimits.recordFailure")(function* (
  action: LimitedAction,
  email: string,
  ip: string,
) {
  const limits = yield* RateLimits
  const settings = yield* AuthSettings
  yield* limits.fail(pairKey(action, email, ip), {
    memoryMs: settings.failureMemoryMs,
    delayMs: (failures) => delayAfter(settings, failures),
  })
})

/** Forgets the pair's failures: it succeeded. */
export const clearFailures = Effect.fn("SignInLimits.clearFailures")(function* (
  action: LimitedAction,
  email: string,
  ip: string,
) {
  const limits = yield* RateLimits
  yield* limits.clear(pairKey(action, email, ip))
})
