/**
 * The host's job runner: core's (`runJobRunnerLoop`, JobRunner.ts) with the services the
 * automations use, built over the database in context: the activity report, backups, record
 * retention, and the job and department repositories (an upload's files come with the upload
 * lifecycle's layer).
 */
import { type JobRunnerLoopOptions, runJobRunnerLoop } from "@batchops/core"
import {
  ActivityReportLayer,
  BackupsLayer,
  DepartmentsRepoLayer,
  JobRunsRepoLayer,
  JobsRepoLayer,
  RecordRetentionLayer,
} from "@batchops/store-sql"
import { Effect, Layer } from "effect"

/** The services the runner gives automations that the upload lifecycle's layer does not. */
export const jobRunnerLayer = Layer.mergeAll(
  ActivityReportLayer,
  BackupsLayer,
  JobRunsRepoLayer,
  JobsRepoLayer,
  DepartmentsRepoLayer,
  RecordRetentionLayer,
)

/**
 * Carries out job runs until interrupted, pausing `idleMs` whenever nothing is due (with
 * `once`, until nothing is due). Needs the upload lifecycle's services (its registry, the queue,
 * the incidents) over a database; brings the job repositories and the automations' services itself.
 */
export const runJobRunner = (options: JobRunnerLoopOptions) =>
  runJobRunnerLoop(options).pipe(Effect.provide(jobRunnerLayer))
