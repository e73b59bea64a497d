/**
 * How large an upload may be: `BATCHOPS_MAX_UPLOAD_BYTES` (default 50 MB). A service, so the
 * limit is read once when the API starts and a wrong value stops it with a clear message.
 */
import { Context, Effect, Layer } from "effect"
import { type Env, readSetting } from "../../Settings.js"
import { UsageError } from "../../UsageError.js"
import { HostEnv } from "../Services.js"

export { DEFAULT_MAX_UPLOAD_BYTES } from "../../Settings.js"

export interface UploadLimitsShape {
  /** the largest file accepted, in bytes */
  readonly maxBytes: number
}

export class UploadLimits extends Context.Service<UploadLimits, UploadLimitsShape>()("@batchops/server/UploadLimits") {}

/** `BATCHOPS_MAX_UPLOAD_BYTES` as a number of bytes (a positive integer). */
export const maxUploadBytes = (env: Env): number => readSetting(env, "maxUploadBytes")

/** The limits of an environment; a wrong value stops the server with a message naming it. */
export const uploadLimitsFromEnv = (env: Env): Layer.Layer<UploadLimits, UsageError> =>
  Layer.effect(
    UploadLimits,
    Effect.try({
      try: () => UploadLimits.of({ maxBytes: maxUploadBytes(env) }),
      catch: (cause) => (cause instanceof UsageError ? cause : new UsageError(String(cause))),
    }),
  )

/** The limits of the server's environment, read when the API starts. */
export const uploadLimitsLayer: Layer.Layer<UploadLimits, UsageError, HostEnv> = Layer.unwrap(
  Effect.gen(function* () {
    const { env } = yield* HostEnv
    return uploadLimitsFromEnv(env)
  }),
)
