/**
 * Core's ports over the uploads folder of the `UploadSettings` in context: the registry
 * (`CurrentRegistry`), the stored stage outputs (`UploadCheckpoints`, Checkpoints.ts); the
 * originals (`OriginalFiles`) are UploadStore.ts', the runner (`UploadRunner`) UploadRunner.ts'.
 */
import { CurrentRegistry, UploadCheckpoints } from "@batchops/core"
import { Effect, Layer } from "effect"
import { checkpointDir, readCheckpoint, removeCheckpoints } from "./Checkpoints.js"
import { UploadSettings } from "./UploadSettings.js"

/** Core's services find the registry of the upload settings as `CurrentRegistry`. */
export const currentRegistryLayer = Layer.effect(
  CurrentRegistry,
  Effect.gen(function* () {
    return (yield* UploadSettings).registry
  }),
)

/** The stage outputs of an upload's runs, under the uploads folder (Checkpoints.ts). */
export const uploadCheckpointsLayer = Layer.effect(
  UploadCheckpoints,
  Effect.gen(function* () {
    const { uploadsDir } = yield* UploadSettings
    return UploadCheckpoints.of({
      discard: (uploadId) => removeCheckpoints(checkpointDir(uploadsDir, uploadId)),
      read: (uploadId, index, stage) => readCheckpoint(checkpointDir(uploadsDir, uploadId), index, stage),
    })
  }),
)
