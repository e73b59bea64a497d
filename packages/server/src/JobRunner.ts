/**
 * The host's job runner: core's (`runJobRunnerLoop`, JobRunner.ts) with the services the
 * automations use, built over the database and folders in context: the activity report,
 * backups, record retention and upload files, and the job and department repositories.
 */
import { type JobRunnerLoopOptions, runJobRunnerLoop } from "@batchops/core"
import { uploadFilesLayer } from "@batchops/runner-node"
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
  uploadFilesLayer,
)

/**
 * Carries out job runs until interrupted, pausing `idleMs` whenever nothing is due (with
 * `once`, until nothing is due). Needs the upload lifecycle's services (its registry, the queue,
 * the incidents) over a database; brings the job repositories and the automations' services itself.
 */
export const runJobRunner = (options: JobRunnerLoopOptions) =>
  runJobRunnerLoop(options).pipe(Effect.provide(jobRunnerLayer))
