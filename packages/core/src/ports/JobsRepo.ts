/**
 * The jobs port: the site's schedules (an automation, when it runs as a five-field cron, its
 * parameters). Runs of a job are the job runs port's. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type * as Models from "../models/Models.js"
import type { MisfirePolicy } from "../schedules/Schedule.js"
import type { StoreError } from "./StoreError.js"

/** Another job already has this name (names are unique: people pick schedules by name). */
export class JobNameTaken extends Schema.TaggedError<JobNameTaken>()("JobNameTaken", {
  name: Schema.String,
  message: Schema.String,
}) {}

export interface NewJob {
  readonly name: string
  readonly automation: string
  /** five fields: minute hour day month weekday (checked by the caller) */
  readonly cron: string
  /** default true */
  readonly enabled?: boolean | undefined
  /** default `{}` */
  readonly params?: Readonly<Record<string, unknown>> | undefined
  /** may a run start while the previous run of the job is still going (default false) */
  readonly allowOverlap?: boolean | undefined
  /** IANA time zone the cron is read in (checked by the caller); default "UTC" */
  readonly timezone?: string | undefined
  /** default `coalesce_once` */
  readonly misfirePolicy?: MisfirePolicy | undefined
  /** default one hour */
  readonly maxLatenessMs?: number | undefined
  /** local dates `YYYY-MM-DD` the job does not run on; default none */
  readonly skipDates?: ReadonlyArray<string> | undefined
  /**
   * The schedule as registered by the caller (ISO-8601): the next tick and the moment from
   * which ticks count. Absent: the repository registers it itself at once, at the time of its
   * `Clock` (no restart needed). A change to the cron, time zone, skip dates or `enabled`
   * registers the schedule afresh the same way, so an old `next_run_at` never outlives its cron.
   */
  readonly nextRunAt?: string | null | undefined
  readonly lastScheduledFor?: string | null | undefined
}

/** The fields to change; absent fields keep their value. */
export type JobChanges = Partial<NewJob>

/** What the scheduler stores after handling a job's due ticks (ISO-8601). */
export interface JobScheduleState {
  readonly nextRunAt: string | null
  readonly lastScheduledFor: string | null
}

/** One page of a list and how many items the whole list has. */
export interface PageResult<A> {
  readonly count: number
  readonly items: ReadonlyArray<A>
}

/** Which page: at most `limit` items after skipping `offset`. */
export interface PageRequest {
  readonly limit: number
  readonly offset: number
}

export interface JobsRepoShape {
  /** by name */
  readonly list: (page: PageRequest) => Effect.Effect<PageResult<Models.Job>, StoreError>
  readonly get: (id: string) => Effect.Effect<Option.Option<Models.Job>, StoreError>
  readonly create: (input: NewJob) => Effect.Effect<Models.Job, JobNameTaken | StoreError>
  /** `None` when there is no such job */
  readonly update: (
    id: string,
    changes: JobChanges,
  ) => Effect.Effect<Option.Option<Models.Job>, JobNameTaken | StoreError>
  /** whether runs of the job may overlap; `None` when there is no such job */
  readonly allowsOverlap: (id: string) => Effect.Effect<Option.Option<boolean>, StoreError>
  /** false when there was no such job; its runs stay, without their job */
  readonly remove: (id: string) => Effect.Effect<boolean, StoreError>
  /**
   * Takes up to `limit` enabled jobs that are due at `now` (ISO-8601: `next_run_at` at or
   * before it) or not registered yet (both `next_run_at` and `last_scheduled_for` null: seeded
   * by SQL), locking them for the caller's
   * transaction and skipping jobs another scheduler holds (`FOR UPDATE SKIP LOCKED`): call it
   * inside `Transactions.withTransaction`, where the locks last until the schedule is stored.
   */
  readonly due: (now: string, limit: number) => Effect.Effect<ReadonlyArray<Models.Job>, StoreError>
  /** stores the next tick and the last handled one; false when there is no such job */
  readonly setSchedule: (id: string, state: JobScheduleState) => Effect.Effect<boolean, StoreError>
}

export class JobsRepo extends Context.Service<JobsRepo, JobsRepoShape>()("@batchops/core/JobsRepo") {}
