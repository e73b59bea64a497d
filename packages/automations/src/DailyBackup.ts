/**
 * `run_daily_backup`: takes a consistent backup of the database (Postgres with pg_dump, the
 * embedded PGlite by a copy of its data under its one connection) into the backup folder
 * (`BATCHOPS_BACKUP_DIR`, default `<data>/backups`), then rotates: of the backups of that
 * database with the same origin as this one (by the schedule, or by hand), the newest `keep`
 * stay and older ones are deleted. A run by hand never deletes a scheduled backup, so however
 * often someone runs the job, the last `keep` scheduled backups are there. Only files it
 * recognises as BatchOps backups (by name and by their first lines) are ever deleted; anything
 * else in the folder is left alone.
 */

import { basename } from "node:path"
import { AutomationError, AutomationSettings, Backups, defineAutomation } from "@batchops/core"
import { Effect, Schema } from "effect"

const DEFAULT_KEEP = 7

export const BackupParams = Schema.Struct({
  keep: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
    .annotate({
      description: `how many backups of the database to keep of each origin (by the schedule, by hand), this one included (default ${DEFAULT_KEEP}); older ones of the same origin are deleted`,
    })
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(DEFAULT_KEEP))),
})

export type BackupParams = typeof BackupParams.Type

const failed = (what: string) => (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot ${what}: ${error.message}`, cause: error })

export const dailyBackup = defineAutomation({
  key: "run_daily_backup",
  description:
    "Backs up the database (Postgres with pg_dump, the embedded database by a copy of its data) into the " +
    "backup folder, each backup with its sha256, and keeps the newest ones (keep, default 7) of its origin: runs by hand " +
    "rotate only backups by hand, so they never delete the scheduled ones.",
  params: BackupParams,
  // by hand: a backup copies every account and student record, and its rotation deletes older backups
  runByHand: "admin",
  run: (params, context) =>
    Effect.gen(function* () {
      const backups = yield* Backups
      const { backupDir } = yield* AutomationSettings
      const origin = context.trigger === "schedule" ? "schedule" : "manual"
      yield* context.log(
        `backing up the database into ${backupDir} (${origin === "schedule" ? "scheduled" : "by hand"})`,
      )
      const made = yield* backups.create(backupDir, origin).pipe(Effect.mapError(failed("back up the database")))
      yield* context.step("backup", {
        file: basename(made.path),
        database: made.database,
        origin,
        bytes: made.bytes,
        sha256: made.sha256,
      })
      yield* context.log(`wrote ${basename(made.path)} (${made.bytes} bytes, sha256 ${made.sha256})`)

      // backups of the other database kind (from before a move to Postgres, say) are not this
      // database's history, and backups of the other origin are not this run's to rotate:
      // they are neither counted nor deleted
      const all = yield* backups.list(backupDir).pipe(Effect.mapError(failed("list the backups")))
      const ours = all.filter((backup) => backup.database === made.database && backup.origin === origin)
      // the one just written is kept whatever the clock says of the others
      const newestFirst = [made, ...ours.filter((backup) => backup.path !== made.path)]
      const old = newestFirst.slice(params.keep)
      const deleted: Array<string> = []
      for (const backup of old) {
        yield* backups
          .remove(backup.path)
          .pipe(Effect.mapError(failed(`delete the old backup ${basename(backup.path)}`)))
        deleted.push(basename(backup.path))
      }
      const kept = newestFirst.length - deleted.length
      yield* context.step("rotate", { origin, keep: params.keep, kept, deleted: deleted.length })
      yield* context.log(
        deleted.length === 0
          ? `${kept} backup${kept === 1 ? "" : "s"} kept, none deleted`
          : `${kept} backup${kept === 1 ? "" : "s"} kept, deleted ${deleted.join(", ")}`,
      )
      return {
        path: made.path,
        database: made.database,
        origin,
        bytes: made.bytes,
        sha256: made.sha256,
        created_at: made.createdAt,
        kept,
        deleted,
      }
    }),
})
