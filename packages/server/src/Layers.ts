/**
 * The upload lifecycle's layer: the settings, the repositories and the work queue over a given
 * database layer (Postgres, PGlite). The host and the tests build it the same way.
 */
import path from "node:path"
import {
  AutomationSettings,
  type AutomationSettingsShape,
  type CurrentRegistry,
  IntakeRefused,
  type OriginalFiles,
  type Registry,
  StoreError,
  submitUpload,
  type Transactions,
  UploadIntake,
  type UploadsRepo,
  type WorkQueue,
} from "@batchops/core"
import type { ParserLimits } from "@batchops/parsers"
import {
  currentRegistryLayer,
  type FileIsolation,
  originalFilesLayer,
  UploadSettings,
  uploadCheckpointsLayer,
  uploadFilesLayer,
  uploadRunnerLayer,
} from "@batchops/runner-node"
import {
  AutomationLedgerLayer,
  ColumnMappingsRepoLayer,
  IncidentsRepoLayer,
  KnownErrorsRepoLayer,
  TransactionsLayer,
  UploadsRepoLayer,
  UsersRepoLayer,
  WorkQueueLayer,
} from "@batchops/store-sql"
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { defaultRegistry } from "./Registry.js"

export interface UploadLayerOptions {
  readonly uploadsDir: string
  readonly exportDir: string
  /** default: `defaultRegistry()` with `parserLimits` */
  readonly registry?: Registry | undefined
  /** how much reading one file may cost, for the default registry (the host: `parserLimitsFromEnv`) */
  readonly parserLimits?: Partial<ParserLimits> | undefined
  /** the mass-change guard's share (default 20%) */
  readonly maxChange?: number | undefined
  /**
   * where automations work: backups and department inboxes default to `backups/` and
   * `inbox/` beside the uploads folder; no host may be scraped unless listed
   */
  readonly automation?: Partial<AutomationSettingsShape> | undefined
  /** run each file in a worker thread with limits (`@batchops/runner-node`); in place when absent */
  readonly isolation?: FileIsolation | undefined
  /** the work queue over the database (default the SQL adapter; `REDIS_URL` picks BullMQ, see Host.ts) */
  readonly workQueue?: Layer.Layer<WorkQueue, never, SqlClient.SqlClient> | undefined
}

/** The automations' folders and allow-list, with their defaults beside the uploads folder. */
export const automationSettings = (options: UploadLayerOptions): AutomationSettingsShape => {
  const data = path.dirname(path.resolve(options.uploadsDir))
  return {
    backupDir: options.automation?.backupDir ?? path.join(data, "backups"),
    inboxDir: options.automation?.inboxDir ?? path.join(data, "inbox"),
    scrapeAllowedHosts: options.automation?.scrapeAllowedHosts ?? [],
  }
}

/** Intake from inside BatchOps (inbox folders, fetched files): the API's intake, same rules. */
export const UploadIntakeLayer = Layer.effect(
  UploadIntake,
  Effect.gen(function* () {
    const context = yield* Effect.context<CurrentRegistry | OriginalFiles | Transactions | UploadsRepo | WorkQueue>()
    return UploadIntake.of({
      submit: (file) =>
        submitUpload({
          fileName: file.fileName,
          bytes: file.bytes,
          profile: file.profile,
          processMode: file.plan,
          processConfig: file.planConfig,
          uploadedBy: file.uploadedBy ?? null,
        }).pipe(
          Effect.map((upload) => ({ uploadId: upload.id, sha256: upload.sha256 })),
          Effect.catchTags({
            UploadRejected: (error) => Effect.fail(new IntakeRefused({ message: error.message })),
            UploadFileError: (error) => Effect.fail(new StoreError({ message: error.message, cause: error })),
          }),
          Effect.provide(context),
        ),
    })
  }),
)

/** Everything core's `submitUpload`, its upload worker (`processNextUpload`) and the incident mails (but the Mailer) need, over `database`. */
export const uploadLifecycleLayer = <E, R>(
  database: Layer.Layer<SqlClient.SqlClient, E, R>,
  options: UploadLayerOptions,
) =>
  Layer.mergeAll(
    AutomationLedgerLayer,
    ColumnMappingsRepoLayer,
    Layer.succeed(AutomationSettings, AutomationSettings.of(automationSettings(options))),
    UploadsRepoLayer,
    IncidentsRepoLayer,
    KnownErrorsRepoLayer,
    UsersRepoLayer,
    options.workQueue ?? WorkQueueLayer,
    TransactionsLayer,
    Layer.effect(
      UploadSettings,
      Effect.gen(function* () {
        const registry = options.registry ?? (yield* Effect.orDie(defaultRegistry([], options.parserLimits)))
        return UploadSettings.of({
          uploadsDir: options.uploadsDir,
          exportDir: options.exportDir,
          registry,
          maxChange: options.maxChange,
          isolation: options.isolation,
        })
      }),
    ),
  ).pipe(
    (base) =>
      Layer.provideMerge(
        Layer.mergeAll(currentRegistryLayer, uploadCheckpointsLayer, originalFilesLayer, uploadFilesLayer),
        base,
      ),
    (base) => Layer.provideMerge(Layer.mergeAll(UploadIntakeLayer, uploadRunnerLayer), base),
    Layer.provideMerge(database),
  )
