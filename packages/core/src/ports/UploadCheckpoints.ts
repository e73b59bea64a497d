import { Context, type Effect } from "effect"
import type { CheckpointError, ResumePoint } from "../pipeline/Checkpoint.js"

/** A stored stage output read back: the state the stage sealed and its rows, a chunk at a time. */
export type StoredStageOutput = Pick<ResumePoint, "snapshot" | "next">

/**
 * The stage outputs a host stored for an upload's runs (see pipeline/Checkpoint.ts): read back
 * to resume a retry after the last finished stage, discarded when a run starts over, publishes
 * or is rejected.
 */
export interface UploadCheckpointsShape {
  /** removes every stored stage output of the upload; none stored is not an error */
  readonly discard: (uploadId: string) => Effect.Effect<void>
  /**
   * the sealed output of the stage at `index` named `stage`, checked: fails with a
   * CheckpointError saying why when it is missing, unreadable or changed since it was sealed
   */
  readonly read: (uploadId: string, index: number, stage: string) => Effect.Effect<StoredStageOutput, CheckpointError>
}

export class UploadCheckpoints extends Context.Service<UploadCheckpoints, UploadCheckpointsShape>()(
  "@batchops/core/UploadCheckpoints",
) {}
