/**
 * The sign-in settings, from the process's environment (what `batchops serve` runs with):
 *
 * - `BATCHOPS_TOKEN_TTL_HOURS`: how long a token signs in (default 168, a week).
 * - `BATCHOPS_TOKEN_IDLE_HOURS`: a token unused this long stops working (default 12).
 * - `BATCHOPS_AUTH_FREE_FAILURES`: failed attempts of one account from one client address
 *   before that pair must wait (default 5).
 * - `BATCHOPS_AUTH_MAX_DELAY_SECONDS`: the longest wait of a pair (default 900); the waits
 *   double from 1 second up to it.
 * - `BATCHOPS_TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` names the client
 *   (read by `ClientAddress.ts`).
 *
 * A pair's failures are forgotten a day after its last one, or when it signs in. Codes live
 * 15 minutes, allow 5 attempts, can be asked for again after 60 seconds, at most 10 a day
 * per account, and all of an account's codes end after 5 wrong guesses in a day (fixed, as
 * the product describes them).
 */
import { Context, Effect, Layer } from "effect"
import { type Env, readSetting } from "../../Settings.js"
import { UsageError } from "../../UsageError.js"
import { HostEnv } from "../Services.js"

export interface AuthSettingsShape {
  readonly tokenTtlMs: number
  readonly tokenIdleMs: number
  readonly freeFailures: number
  readonly maxDelayMs: number
  readonly failureMemoryMs: number
  readonly codeTtlMs: number
  readonly codeMaxAttempts: number
  readonly codeCooldownMs: number
  readonly codesPerDay: number
  readonly codeWrongGuesses: number
}

export class AuthSettings extends Context.Service<AuthSettings, AuthSettingsShape>()("@batchops/server/AuthSettings") {}

export const DAY_MS = 24 * 3_600_000

/** The sign-in settings of an environment (see Settings.ts); a wrong value is a UsageError naming it. */
export const authSettingsFromEnv = (env: Env): AuthSettingsShape => {
  const auth = readSetting(env, "auth")
  return {
    tokenTtlMs: auth.tokenTtlHours * 3_600_000,
    tokenIdleMs: auth.tokenIdleHours * 3_600_000,
    freeFailures: auth.freeFailures,
    maxDelayMs: auth.maxDelaySeconds * 1000,
    failureMemoryMs: DAY_MS,
    codeTtlMs: 15 * 60_000,
    codeMaxAttempts: 5,
    codeCooldownMs: 60_000,
    codesPerDay: 10,
    codeWrongGuesses: 5,
  }
}

/** The settings of the server's environment; a wrong value stops the server with a message naming it. */
export const authSettingsLayer: Layer.Layer<AuthSettings, UsageError, HostEnv> = Layer.effect(
  AuthSettings,
  Effect.gen(function* () {
    const { env } = yield* HostEnv
    return yield* Effect.try({
      try: () => AuthSettings.of(authSettingsFromEnv(env)),
      catch: (cause) => (cause instanceof UsageError ? cause : new UsageError(String(cause))),
    })
  }),
)
