/**
 * The jobs port: the site's schedules (an automation, when it runs as a five-field cron, its
 * parameters). Runs of a job are the job runs port's. The reference adapter is
 * `@batchops/store-sql`.
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type * as Models from "../Models.js"
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
}

/** The fields to change; absent fields keep their value. */
export type JobChanges = Partial<NewJob>

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
}

export class JobsRepo extends Context.Service<JobsRepo, JobsRepoShape>()("@batchops/core/JobsRepo") {}
