/**
 * The sign-in settings, from the process's environment (what `batchops serve` runs with):
 *
 * - `BATCHOPS_TOKEN_TTL_HOURS`: how long a token signs in (default 168, a week).
 * - `BATCHOPS_AUTH_RATE_LIMIT`: attempts per account (email) per window (default 10).
 * - `BATCHOPS_AUTH_RATE_LIMIT_ADDRESS`: attempts per client address per window (default 50:
 *   a school's staff often share one address).
 * - `BATCHOPS_AUTH_RATE_WINDOW_MINUTES`: the window (default 15).
 *
 * Sign-in, verification and reset are counted apart. Codes live 15 minutes, allow 5
 * attempts and can be asked for again after 60 seconds (fixed, as the product describes them).
 */
import { Context, Effect, Layer } from "effect"
import { UsageError } from "../../Host.js"
import { HostEnv } from "../Services.js"

export interface AuthSettingsShape {
  readonly tokenTtlMs: number
  readonly accountLimit: number
  readonly addressLimit: number
  readonly windowMs: number
  readonly codeTtlMs: number
  readonly codeMaxAttempts: number
  readonly codeCooldownMs: number
}

export class AuthSettings extends Context.Service<AuthSettings, AuthSettingsShape>()("@batchops/server/AuthSettings") {}

type Env = Readonly<Record<string, string | undefined>>

export const positive = (env: Env, name: string, fallback: number, integer: boolean): number => {
  const text = env[name]?.trim()
  if (text === undefined || text === "") return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${name} must be a positive ${integer ? "whole " : ""}number, got "${env[name]}"`)
  }
  return value
}

export const authSettingsFromEnv = (env: Env): AuthSettingsShape => ({
  tokenTtlMs: positive(env, "BATCHOPS_TOKEN_TTL_HOURS", 168, false) * 3_600_000,
  accountLimit: positive(env, "BATCHOPS_AUTH_RATE_LIMIT", 10, true),
  addressLimit: positive(env, "BATCHOPS_AUTH_RATE_LIMIT_ADDRESS", 50, true),
  windowMs: positive(env, "BATCHOPS_AUTH_RATE_WINDOW_MINUTES", 15, false) * 60_000,
  codeTtlMs: 15 * 60_000,
  codeMaxAttempts: 5,
  codeCooldownMs: 60_000,
})

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
