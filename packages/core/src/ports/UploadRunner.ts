import { Context, type Effect, Schema } from "effect"
import type * as Models from "../models/Models.js"
import type { ResumePoint } from "../pipeline/Checkpoint.js"
import type { PublishError } from "../pipeline/Errors.js"
import type { PipelineResult, StepEvent } from "../pipeline/Pipeline.js"
import type { ColumnMappingSource } from "../uploads/ColumnMapping.js"

/**
 * A limit of the place the file runs in (memory, time, processor) stopped it in `stage`: the
 * stage fails for good, as a retry would stop at the same limit.
 */
export class FileLimitExceeded extends Schema.TaggedError<FileLimitExceeded>()("FileLimitExceeded", {
  stage: Schema.String,
  message: Schema.String,
}) {}

/** The published reports' bytes and where they were written, to store on the upload's row. */
export interface StoredReports {
  readonly csv: Uint8Array
  readonly pdf: Uint8Array
  readonly csvPath: string
  readonly pdfPath: string
}

/** One run of a claimed upload, as the upload worker (core's `processNextUpload`) asks for it. */
export interface UploadRun {
  readonly upload: Models.Upload
  /** where the run starts: after a stored stage output the worker read back, or from the file */
  readonly resume: ResumePoint | undefined
  /** every stage's start and finish, in order (the worker writes the step logs) */
  readonly onStep: (event: StepEvent) => Effect.Effect<void>
  /** the share of rows a plan may change before the run waits for approval; none for an approved run */
  readonly maxChange: number | undefined
  /** the column mappings remembered for the upload's department and profile */
  readonly columnMapping: ColumnMappingSource | undefined
  /**
   * asked just before the reports are put in place: false when this worker no longer holds the
   * upload, and then nothing may be published (the run is stopped by the worker)
   */
  readonly mayPublish: Effect.Effect<boolean>
  /** stores the published reports on the upload's row; call it once they are in place */
  readonly storeReports: (reports: StoredReports, rows: number) => Effect.Effect<void, PublishError>
}

/**
 * Where and how an upload's file runs through the pipeline: the host reads the original,
 * runs the registry's stages (in an isolated thread with limits, or in place), stores stage
 * outputs for resuming and writes the reports. The worker's rules (leases, retries, the
 * incident, the approval, the statuses) stay in core.
 */
export interface UploadRunnerShape {
  /** the site's share of rows a plan may change before approval (core's DEFAULT_MAX_SHARE when absent) */
  readonly maxChange?: number | undefined
  /**
   * runs the upload's file; a failure other than FileLimitExceeded or a RequestError (the
   * registry refuses the request) is unexpected and the worker tries the upload again later
   */
  readonly run: (run: UploadRun) => Effect.Effect<PipelineResult, unknown>
}

export class UploadRunner extends Context.Service<UploadRunner, UploadRunnerShape>()("@batchops/core/UploadRunner") {}
