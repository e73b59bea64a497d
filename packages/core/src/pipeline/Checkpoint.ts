/**
 * Checkpoints: the stored output of a stage, so that a retry (or an approved run) starts
 * after the last stage that finished instead of parsing the file again.
 *
 * The runner streams rows through every stage at once, so a stage's output is complete only
 * once its `finish` has run: a checkpoint is written while the rows pass and sealed (its row
 * count and sha256 recorded in the step log) at that moment. A stage that fails therefore
 * leaves the checkpoints of the stages that finished before it, and a run resumed after the
 * last of them re-runs exactly the stages that did not finish.
 *
 * Hosts supply the storage (the reference server writes JSON lines next to the upload); core
 * only says what is written and what a resumed run needs back.
 */

import type { Effect } from "effect"
import { Schema } from "effect"
import type { DecimalMark } from "./Coerce.js"
import type { Problem } from "./Problem.js"
import type { Row } from "./Row.js"
import type { Summary } from "./Summary.js"

/** Storing or reading a checkpoint failed (disk full, file changed since it was sealed...). */
export class CheckpointError extends Schema.TaggedError<CheckpointError>()("CheckpointError", {
  message: Schema.String,
}) {}

/** What a sealed checkpoint holds, recorded in its stage's step log as `checkpoint`. */
export interface CheckpointInfo {
  readonly rows: number
  readonly bytes: number
  /** of the stored bytes, hex */
  readonly sha256: string
}

/**
 * The facts the stages up to a checkpoint left for the later ones (`PipelineState`), as plain
 * data. Fields set by later stages are included as they stood; a resumed run starts those
 * stages again, and they set them anew.
 */
export interface StateSnapshot {
  readonly format: string | null
  /** the profile in force (an `auto` request resolved) */
  readonly profile: string | null
  /** the decimal mark `standardize_results` chose (absent in checkpoints stored before it was kept: `.`) */
  readonly decimalMark?: DecimalMark
  readonly output: "summary" | "dataset"
  readonly datasetRows: number
  readonly datasetColumns: ReadonlyArray<string>
  readonly note: string | null
  readonly summary: Summary | null
  /** the problems the stages up to the checkpoint reported (capped like the run's) */
  readonly problems: ReadonlyArray<Problem>
  readonly problemCount: number
  /** the columns of the stored rows */
  readonly columns: ReadonlyArray<string>
}

export interface CheckpointWriter {
  /** Store a chunk of the stage's output. The rows may change after the call: store them now. */
  readonly write: (rows: ReadonlyArray<Row>) => Effect.Effect<void, CheckpointError>
  /** The stage finished: keep the rows with the snapshot. */
  readonly seal: (snapshot: StateSnapshot) => Effect.Effect<CheckpointInfo, CheckpointError>
}

/** Where a run stores the output of its stages (every stage but the last). */
export interface CheckpointStore {
  /** Start the checkpoint of the stage at `index` (replacing one an earlier run left). */
  readonly open: (index: number, stage: string) => Effect.Effect<CheckpointWriter, CheckpointError>
}

/** A run that starts after a stage whose output an earlier run stored. */
export interface ResumePoint {
  /** the stage whose checkpoint the run starts from; it and the stages before it are reused */
  readonly after: string
  readonly snapshot: StateSnapshot
  /** the stored rows, a chunk at a time; undefined at the end */
  readonly next: () => Effect.Effect<ReadonlyArray<Row> | undefined, CheckpointError>
  /** the step logs of the reused stages as the earlier run wrote them (by name) */
  readonly steps: ReadonlyArray<{
    readonly name: string
    readonly durationMs: number
    readonly log: Readonly<Record<string, unknown>>
  }>
}
