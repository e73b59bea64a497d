/**
 * The job runs port: each time a job ran or is about to (by its schedule, by hand, or for an
 * upload), with what it did (`details`) and its log lines. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option } from "effect"
import type * as Models from "../models/Models.js"
import type { PageRequest, PageResult } from "./JobsRepo.js"
import type { StoreError } from "./StoreError.js"

export type JobRunStatus = Models.JobRun["status"]
export type JobRunTrigger = Models.JobRun["trigger"]

/** One step of a run as the automation reported it (counts and short facts). */
export interface JobRunStep {
  readonly name: string
  /** ISO-8601 */
  readonly at: string
  readonly details: Readonly<Record<string, unknown>>
}

/** A run as stored: the model's fields, who asked, how it went, and when the run was asked for. */
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
  /** the user who asked for a manual run (null: the schedule, or someone whose id was not known) */
  readonly requestedBy: string | null
  /** from start to end, once finished */
  readonly durationMs: number | null
  readonly steps: ReadonlyArray<JobRunStep>
  /** why a failed run failed, for people */
  readonly error: string | null
  /** the moment a scheduled run was due (ISO-8601) */
  readonly scheduledFor: string | null
}

export interface NewJobRun {
  readonly jobId: string | null
  readonly automation: string
  readonly trigger: JobRunTrigger
  /** default `{}` */
  readonly details?: Readonly<Record<string, unknown>> | undefined
  readonly requestedBy?: string | null | undefined
  /** ISO-8601 */
  readonly scheduledFor?: string | null | undefined
}

/** What `start` did. */
export type JobRunStart =
  | { readonly _tag: "started"; readonly run: JobRunRecord }
  | { readonly _tag: "busy" }
  | { readonly _tag: "gone" }

/** How a run ended: what it did, and why when it failed. */
export interface JobRunOutcome {
  readonly status: "succeeded" | "failed"
  readonly steps: ReadonlyArray<JobRunStep>
  readonly logs: ReadonlyArray<string>
  readonly error?: string | null | undefined
  /** merged into the run's details (the result's counts, the incident a failure became) */
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

/** A run the scheduler queues for one tick of a job. */
export interface NewScheduledRun {
  readonly jobId: string
  readonly automation: string
  /** the tick (ISO-8601) */
  readonly scheduledFor: string
  readonly details?: Readonly<Record<string, unknown>> | undefined
}

export interface JobRunsRepoShape {
  /** stores a `queued` run */
  readonly create: (input: NewJobRun) => Effect.Effect<JobRunRecord, StoreError>
  /**
   * Stores a `queued` run (trigger `schedule`) for one tick of a job, unless that tick has a run
   * already: `None` then (another scheduler won it, or this one did before a restart), and the
   * caller queues no work for it. This is what makes each tick fire exactly once.
   */
  readonly createScheduled: (input: NewScheduledRun) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /** records ticks of a job that were not run (too late); a tick recorded already is kept once. How many were new. */
  readonly recordMissed: (jobId: string, ticks: ReadonlyArray<string>) => Effect.Effect<number, StoreError>
  /** the missed ticks of a job, newest first (ISO-8601) */
  readonly missedTicks: (jobId: string, limit: number) => Effect.Effect<ReadonlyArray<string>, StoreError>
  /** the newest run of a job (by creation), if any */
  readonly latest: (jobId: string) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /** the newest run of each of `jobIds` that has one, by job id (one query for a page of jobs) */
  readonly latestOf: (jobIds: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, JobRunRecord>, StoreError>
  readonly get: (id: string) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /** newest first */
  readonly list: (filter: JobRunFilter, page: PageRequest) => Effect.Effect<PageResult<JobRunRecord>, StoreError>
  /**
   * moves a `queued` run to `running` with its start time (now, by the database clock); a run
   * already `running` (its runner died) starts again. With `exclusive`, only when no other run
   * of the same job is `running`, decided under a lock on the job so two runners cannot both
   * start one. `busy` when another run is going; `gone` when the run is gone or finished.
   */
  readonly start: (
    id: string,
    options?: { readonly exclusive?: boolean | undefined },
  ) => Effect.Effect<JobRunStart, StoreError>
  /** stores the steps and log lines so far (a long run shows its progress) */
  readonly progress: (
    id: string,
    steps: ReadonlyArray<JobRunStep>,
    logs: ReadonlyArray<string>,
  ) => Effect.Effect<void, StoreError>
  /**
   * ends a `queued` or `running` run: its status, end (now), duration, steps, log, error and
   * details. `None` when the run is gone or was finished already.
   */
  readonly finish: (id: string, outcome: JobRunOutcome) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /**
   * the oldest `queued` or `running` run of `jobId`, if any, read under a lock on the job held
   * to the end of the transaction: in a transaction that then creates a run, two callers at
   * once cannot both find none
   */
  readonly activeRun: (jobId: string) => Effect.Effect<Option.Option<JobRunRecord>, StoreError>
  /** whether another run of `jobId` than `exceptRunId` is `running` */
  readonly isRunning: (jobId: string, exceptRunId?: string | undefined) => Effect.Effect<boolean, StoreError>
}

export class JobRunsRepo extends Context.Service<JobRunsRepo, JobRunsRepoShape>()("@batchops/core/JobRunsRepo") {}
