import { Context, type Effect } from "effect"

/**
 * The stage outputs a host stored for an upload's runs (see Checkpoint.ts), as far as the
 * upload's actions need them: a rejected run never resumes, so its outputs are discarded.
 */
export interface UploadCheckpointsShape {
  /** removes every stored stage output of the upload; none stored is not an error */
  readonly discard: (uploadId: string) => Effect.Effect<void>
}

export class UploadCheckpoints extends Context.Service<UploadCheckpoints, UploadCheckpointsShape>()(
  "@batchops/core/UploadCheckpoints",
) {}
