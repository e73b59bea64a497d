/**
 * The job runs port: each time a job ran or is about to (by its schedule, by hand, or for an
 * upload), with what it did (`details`) and its log lines. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option } from "effect"
import type * as Models from "../Models.js"
import type { PageRequest, PageResult } from "./JobsRepo.js"
import type { StoreError } from "./StoreError.js"

export type JobRunStatus = Models.JobRun["status"]
export type JobRunTrigger = Models.JobRun["trigger"]

/** A run as stored: the model's fields and when the run was asked for. */
export interface JobRunRecord {
  readonly id: string
  readonly jobId: string | null
  readonly automation: string
  readonly status: JobRunStatus
  readonly trigger: JobRunTrigger
  readonly details: Readonly<Record<string, unknown>>
  readonly logs: ReadonlyArray<string>
  readonly startedAt: string | null
  readonly finishedAt: string | null
  readonly createdAt: string
}

export interface NewJobRun {
  readonly jobId: string | null
  readonly automation: string
  readonly trigger: JobRunTrigger
  /** default `{}` */
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

/** Every given field narrows the list; times are ISO-8601, `createdAfter` inclusive, `createdBefore` exclusive. */
export interface JobRunFilter {
  readonly jobId?: string | undefined
  readonly status?: JobRunStatus | undefined
  readonly automation?: string | undefined
  readonly createdAfter?: string | undefined
  readonly createdBefore?: string | undefined
}

export interface JobRunsRepoShape {
  /** stores a `queued` run */
  readonly create: (input: NewJobRun) => Effect.Effect<JobRunRecord, StoreError>
  readonly get: (id: string) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /** newest first */
  readonly list: (filter: JobRunFilter, page: PageRequest) => Effect.Effect<PageResult<JobRunRecord>, StoreError>
}

export class JobRunsRepo extends Context.Service<JobRunsRepo, JobRunsRepoShape>()("@batchops/core/JobRunsRepo") {}
