/**
 * How often one person may run jobs by hand: `BATCHOPS_MANUAL_RUNS_PER_MINUTE` runs a minute
 * per account (default 5), read from the server's environment.
 */
import { Context, Effect, Layer } from "effect"
import { readSetting } from "../../Settings.js"
import { UsageError } from "../../UsageError.js"
import { HostEnv } from "../Services.js"

export interface ManualRunSettingsShape {
  /** manual runs one account may start per minute */
  readonly perMinute: number
}

export class ManualRunSettings extends Context.Service<ManualRunSettings, ManualRunSettingsShape>()(
  "@batchops/server/ManualRunSettings",
) {}

export const manualRunSettingsFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
): ManualRunSettingsShape => ({
  perMinute: readSetting(env, "manualRunsPerMinute"),
})

/** The settings of the server's environment; a wrong value stops the server with a message naming it. */
export const manualRunSettingsLayer: Layer.Layer<ManualRunSettings, UsageError, HostEnv> = Layer.effect(
  ManualRunSettings,
  Effect.gen(function* () {
    const { env } = yield* HostEnv
    return yield* Effect.try({
      try: () => ManualRunSettings.of(manualRunSettingsFromEnv(env)),
      catch: (cause) => (cause instanceof UsageError ? cause : new UsageError(String(cause))),
    })
  }),
)
