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
 * A pair's failures are forgotten a day after its last one, or when it signs in. The codes'
 * rules are fixed (`@batchops/accounts`' AuthSettings.ts).
 */
import { AuthSettings, type AuthSettingsShape, authSettings } from "@batchops/accounts"
import { Effect, Layer } from "effect"
import { type Env, readSetting } from "../../Settings.js"
import { UsageError } from "../../UsageError.js"
import { HostEnv } from "../Services.js"

/** The sign-in settings of an environment (see Settings.ts); a wrong value is a UsageError naming it. */
export const authSettingsFromEnv = (env: Env): AuthSettingsShape => authSettings(readSetting(env, "auth"))

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
