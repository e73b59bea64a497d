/** `batchops migrate`: applies pending migrations; 0 when up to date, 1 when refused or failed. */
import { migrate } from "@batchops/store-sql"
import { Cause, Effect } from "effect"
import { chooseDatabase, databaseLayer } from "../Database.js"
import { defineCommand, type Output } from "./Command.js"

const runMigrate = async (options: { readonly json: boolean }, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const exit = await Effect.runPromiseExit(migrate().pipe(Effect.provide(databaseLayer(process.env))))
  if (exit._tag === "Success") {
    const applied = exit.value
    if (options.json) output.out(`${JSON.stringify({ status: "migrated", database: database.describe, applied })}\n`)
    else {
      output.out(
        applied.length === 0
          ? `${database.describe}: up to date\n`
          : `${database.describe}: applied ${applied.map((v) => String(v).padStart(4, "0")).join(", ")}\n`,
      )
    }
    return 0
  }
  const failure = Cause.squash(exit.cause)
  const message = failure instanceof Error ? failure.message : String(failure)
  if (options.json) output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
  else output.err(`batchops migrate: ${database.describe}: ${message}\n`)
  return 1
}

export const migrateCommand = defineCommand({
  name: "migrate",
  summary: `\`migrate\` brings the database up to date: Postgres when DATABASE_URL or DB_NAME (with
    DB_USER, DB_PASSWORD, DB_HOST, DB_PORT) is set, otherwise embedded PGlite in
    BATCHOPS_DATA_DIR (default ./.batchops).`,
  options: { json: { type: "boolean" } },
  run: ({ values }, output) => runMigrate({ json: values.json ?? false }, output),
})
