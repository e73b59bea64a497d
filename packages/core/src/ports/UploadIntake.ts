/**
 * Taking a file in as an upload from inside BatchOps (an inbox folder, a fetched CSV): the
 * same intake as the API's, so the file goes through the normal pipeline, gets its incident
 * when it fails, and shows in the uploads list. The host provides it.
 */
import { Context, type Effect, Schema } from "effect"
import type { StoreError } from "./StoreError.js"

/** The upload was refused before anything was stored (an unknown profile or plan, an empty file...). */
export class IntakeRefused extends Schema.TaggedError<IntakeRefused>()("IntakeRefused", {
  message: Schema.String,
}) {}

export interface IntakeFile {
  readonly fileName: string
  readonly bytes: Uint8Array
  /** a profile id, or "auto" */
  readonly profile: string
  /** a plan (e.g. "transform") */
  readonly plan: string
  readonly planConfig?: unknown
  /** the user it is on behalf of, when there is one */
  readonly uploadedBy?: string | null | undefined
}

export interface IntakeReceipt {
  readonly uploadId: string
  readonly sha256: string
}

export interface UploadIntakeShape {
  /** stores the file and queues it for the pipeline, in one transaction */
  readonly submit: (file: IntakeFile) => Effect.Effect<IntakeReceipt, IntakeRefused | StoreError>
}

export class UploadIntake extends Context.Service<UploadIntake, UploadIntakeShape>()("@batchops/core/UploadIntake") {}
