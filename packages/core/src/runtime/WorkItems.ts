/** The work items BatchOps queues for its workers, and what each carries. */

/** The work item kind that processes one upload; its payload is {@link ProcessUploadPayload}. */
export const PROCESS_UPLOAD = "process_upload"

export interface ProcessUploadPayload {
  readonly uploadId: string
  /** start after this stage's stored output (a retry, or an approved run); absent or null: from the file */
  readonly resumeAfter?: string | null | undefined
  /** a person approved the change the run would make: the mass-change guard is off */
  readonly approved?: boolean | undefined
  /** a retry counted on this incident: success resolves it, failure adds an occurrence to it */
  readonly incidentId?: string | undefined
}

/** The work item kind a queued job run waits under; its payload is {@link RunJobPayload}. */
export const RUN_JOB = "run_job"

export interface RunJobPayload {
  readonly jobRunId: string
  readonly jobId: string | null
}
