/**
 * Database backups: a consistent copy of everything BatchOps stores in its database, written
 * into a backup folder, and bringing one back. The host provides it for the database it runs
 * on (Postgres or embedded PGlite).
 *
 * Bringing a backup back is not a port: it replaces the whole database, so the host does it
 * from its command line while BatchOps is stopped (`batchops restore`).
 */
import { Context, type Effect } from "effect"
import type { StoreError } from "./StoreError.js"

/**
 * Why a backup was taken: by its job's schedule, or by hand (a person ran the job, or
 * `batchops backup`). Rotation keeps each kind apart, so backups by hand never push out the
 * scheduled ones.
 */
export type BackupOrigin = "schedule" | "manual"

export interface BackupInfo {
  /** the backup file's path */
  readonly path: string
  readonly bytes: number
  /** of the whole file, as `sha256sum` prints it (also in `<path>.sha256`) */
  readonly sha256: string
  /** when the backup's snapshot was taken (ISO-8601, UTC) */
  readonly createdAt: string
  /** "postgres" or "pglite" */
  readonly database: string
  /** a backup written before BatchOps recorded it counts as scheduled */
  readonly origin: BackupOrigin
}

export interface BackupsShape {
  /** writes a new backup into `dir` (created when missing) */
  readonly create: (dir: string, origin: BackupOrigin) => Effect.Effect<BackupInfo, StoreError>
  /** the BatchOps backups in `dir`, newest first; other files are not listed */
  readonly list: (dir: string) => Effect.Effect<ReadonlyArray<BackupInfo>, StoreError>
  /** deletes a backup (and its `.sha256`); refuses a file that is not a BatchOps backup */
  readonly remove: (path: string) => Effect.Effect<void, StoreError>
}

export class Backups extends Context.Service<Backups, BackupsShape>()("@batchops/core/Backups") {}
