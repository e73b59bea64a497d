/**
 * The sign-in settings: how long a token signs in and may stay unused, the sign-in limits of a
 * pair of account and client address (free failures, the longest wait, how long failures are
 * remembered), and the one-time codes' rules. A host reads the first four from its
 * configuration (`@batchops/server`: `BATCHOPS_TOKEN_TTL_HOURS`, `BATCHOPS_TOKEN_IDLE_HOURS`,
 * `BATCHOPS_AUTH_FREE_FAILURES`, `BATCHOPS_AUTH_MAX_DELAY_SECONDS`); the codes' rules are
 * fixed, as the product describes them: a code lives 15 minutes, allows 5 attempts, can be
 * asked for again after 60 seconds, at most 10 a day per account, and all of an account's
 * codes end after 5 wrong guesses in a day.
 */
import { Context } from "effect"

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

export class AuthSettings extends Context.Service<AuthSettings, AuthSettingsShape>()(
  "@batchops/accounts/AuthSettings",
) {}

export const DAY_MS = 24 * 3_600_000

/** The settings with the product's rules for codes and failures, from the host's four values. */
export const authSettings = (values: {
  readonly tokenTtlHours: number
  readonly tokenIdleHours: number
  readonly freeFailures: number
  readonly maxDelaySeconds: number
}): AuthSettingsShape => ({
  tokenTtlMs: values.tokenTtlHours * 3_600_000,
  tokenIdleMs: values.tokenIdleHours * 3_600_000,
  freeFailures: values.freeFailures,
  maxDelayMs: values.maxDelaySeconds * 1000,
  failureMemoryMs: DAY_MS,
  codeTtlMs: 15 * 60_000,
  codeMaxAttempts: 5,
  codeCooldownMs: 60_000,
  codesPerDay: 10,
  codeWrongGuesses: 5,
})
