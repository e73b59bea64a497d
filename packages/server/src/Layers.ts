/**
 * The upload lifecycle's layer: the settings, the repositories and the work queue over a given
 * database layer (Postgres, PGlite). The host and the tests build it the same way.
 */
import type { Registry } from "@batchops/core"
import {
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
import { UploadSettings } from "./UploadSettings.js"

export interface UploadLayerOptions {
  readonly uploadsDir: string
  readonly exportDir: string
  /** default: `defaultRegistry()` */
  readonly registry?: Registry | undefined
  /** the mass-change guard's share (default 20%) */
  readonly maxChange?: number | undefined
}

/** Everything `submitUpload`, `processNext`, `runWorker` and the incident mails (but the Mailer) need, over `database`. */
export const uploadLifecycleLayer = <E, R>(
  database: Layer.Layer<SqlClient.SqlClient, E, R>,
  options: UploadLayerOptions,
) =>
  Layer.mergeAll(
    UploadsRepoLayer,
    IncidentsRepoLayer,
    KnownErrorsRepoLayer,
    UsersRepoLayer,
    WorkQueueLayer,
    TransactionsLayer,
    Layer.effect(
      UploadSettings,
      Effect.gen(function* () {
        const registry = options.registry ?? (yield* Effect.orDie(defaultRegistry()))
        return UploadSettings.of({
          uploadsDir: options.uploadsDir,
          exportDir: options.exportDir,
          registry,
          maxChange: options.maxChange,
        })
      }),
    ),
  ).pipe(Layer.provideMerge(database))
