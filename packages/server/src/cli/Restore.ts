/**
 * `batchops restore <file>`: checks the file, refuses the embedded database while a BatchOps
 * holds it and a database with data without --yes, then restores and migrates; 0 restored,
 * 1 refused or failed.
 */

import { stat } from "node:fs/promises"
import { resolve } from "node:path"
import { errorChainMessage, fileErrorReason } from "@batchops/core"
import { pgliteInUseBy, RestoreRefused, restoreBackup, targetHasData, verifyBackup } from "@batchops/store-sql"
import { backupTargetFromEnv, chooseDatabase } from "../Database.js"
import { UsageError } from "../Host.js"
import { defineCommand, type Output } from "./Command.js"

interface RestoreCommandOptions {
  readonly file: string
  readonly yes: boolean
  readonly json: boolean
}

const runRestoreCommand = async (options: RestoreCommandOptions, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const target = backupTargetFromEnv(process.env)
  const file = resolve(options.file)
  const info = await stat(file).catch((cause: unknown) => {
    throw new UsageError(`cannot read ${options.file}: ${fileErrorReason(cause)}`)
  })
  if (!info.isFile()) throw new UsageError(`cannot read ${options.file}: it is not a file`)
  const refuse = (message: string) => {
    if (options.json)
      output.out(`${JSON.stringify({ status: "refused", database: database.describe, error: message })}\n`)
    else output.err(`batchops restore: ${message}\n`)
    return 1
  }
  try {
    const { header } = await verifyBackup(file)
    if (header.database !== target.kind) {
      return refuse(
        `${options.file} is a backup of ${header.database === "pglite" ? "an embedded (PGlite)" : "a Postgres"} ` +
          `database, but this BatchOps uses ${database.describe}; nothing was changed`,
      )
    }
    if (target.kind === "pglite") {
      const owner = await pgliteInUseBy(target.dataDir)
      if (owner !== undefined) {
        return refuse(
          `the embedded database is in use by a running BatchOps (pid ${owner}); stop it first, then restore. ` +
            "Nothing was changed",
        )
      }
    }
    if (!options.yes && (await targetHasData(target))) {
      return refuse(
        `restoring replaces EVERYTHING in ${database.describe} with the backup taken ${header.createdAt}; ` +
          "nothing was changed. Run again with --yes to replace it",
      )
    }
    const restored = await restoreBackup(target, file)
    const migrated = restored.migrated.map((v) => String(v).padStart(4, "0"))
    if (options.json) {
      output.out(
        `${JSON.stringify({ status: "restored", file, database: database.describe, createdAt: header.createdAt, migrated: restored.migrated })}\n`,
      )
    } else {
      output.out(
        `restored ${options.file} (taken ${header.createdAt}) into ${database.describe}` +
          (migrated.length > 0 ? `; then applied migrations ${migrated.join(", ")}` : "") +
          "\n",
      )
    }
    return 0
  } catch (error) {
    if (error instanceof RestoreRefused) return refuse(`${error.message}; nothing was changed`)
    const message = errorChainMessage(error)
    if (options.json)
      output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
    else output.err(`batchops restore: ${database.describe}: ${message}\n`)
    return 1
  }
}

export const restoreCommand = defineCommand({
  name: "restore",
  summary: `\`restore\` puts a backup back in place of EVERYTHING in the database, then migrates it. It
    checks the file first and refuses one that is not a BatchOps backup of this kind of database,
    and the embedded database while a BatchOps uses it; a database that holds data is replaced
    only with --yes.`,
  argument: { name: "<backup file>", missing: "the backup file to restore", one: "backup" },
  options: {
    yes: { type: "boolean" },
    json: { type: "boolean" },
  },
  run: ({ values, argument }, output) =>
    runRestoreCommand({ file: argument, yes: values.yes ?? false, json: values.json ?? false }, output),
})
