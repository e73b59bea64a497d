/** `batchops backup`: one backup of the database into a folder; 0 written, 1 failed. */

import { resolve } from "node:path"
import { causeMessage } from "@batchops/core"
import { createBackup } from "@batchops/store-sql"
import { Effect, Logger } from "effect"
import { SqlClient } from "effect/sql"
import { backupTargetFromEnv, chooseDatabase, databaseLayer } from "../Database.js"
import { automationFolders, UsageError } from "../Host.js"
import { defineCommand, type Output } from "./Command.js"

interface BackupCommandOptions {
  readonly dir: string
  readonly json: boolean
}

const runBackupCommand = async (options: BackupCommandOptions, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const target = backupTargetFromEnv(process.env)
  const program = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* createBackup(target, sql, options.dir, "manual")
  }).pipe(Effect.provide(databaseLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const backup = exit.value
    if (options.json) output.out(`${JSON.stringify({ status: "backed_up", ...backup })}\n`)
    else {
      output.err(`batchops backup: ${database.describe}: ${backup.bytes} bytes, sha256 ${backup.sha256}\n`)
      output.out(`${backup.path}\n`)
    }
    return 0
  }
  const message = causeMessage(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
  else output.err(`batchops backup: ${database.describe}: ${message}\n`)
  return 1
}

export const backupCommand = defineCommand({
  name: "backup",
  summary: `\`backup\` writes a backup of the database into --dir (default BATCHOPS_BACKUP_DIR, or
    <data dir>/backups) and prints its path; a .sha256 file beside it holds its checksum.
    Postgres is backed up with pg_dump; the embedded database by a copy of its data, so stop
    BatchOps first (it takes one process at a time). The run_daily_backup job does the same
    every day and keeps the newest few.`,
  options: {
    dir: { type: "string", value: "<dir>" },
    json: { type: "boolean" },
  },
  // where backups go: --dir, else BATCHOPS_BACKUP_DIR, else `<data dir>/backups` (as run_daily_backup)
  run: ({ values }, output) => {
    if (values.dir !== undefined && values.dir.trim() === "") throw new UsageError("--dir needs a folder")
    const dir = resolve(values.dir ?? automationFolders(process.env).backupDir)
    return runBackupCommand({ dir, json: values.json ?? false }, output)
  },
})
