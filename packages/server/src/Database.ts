/**
 * The database the reference host uses: Postgres when `DATABASE_URL` or the seed's `DB_*`
 * variables say so, otherwise embedded PGlite in the data folder (`BATCHOPS_DATA_DIR`,
 * default `./.batchops`).
 */
import { join } from "node:path"
import { settingsProvider } from "@batchops/core"
import {
  type BackupTargetShape,
  type DatabaseConfigError,
  DatabaseSettings,
  type PgliteError,
  pgLayerFromEnv,
  pgliteLayer,
} from "@batchops/store-sql"
import { type Config, Effect, type Layer, Option, Redacted } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import { dataDirectory, type Env } from "./Settings.js"

export { dataDirectory, type Env } from "./Settings.js"

export interface DatabaseChoice {
  readonly kind: "postgres" | "pglite"
  /** for people: where the data is (never a password) */
  readonly describe: string
}

/** The embedded database's folder: `<data folder>/pgdata`. */
const pgliteDataDir = (env: Env): string => join(dataDirectory(env), "pgdata")

/** One of store-sql's database settings in `env`; None when it cannot be read. */
const databaseSetting = <A>(env: Env, config: Config.Config<A>): Option.Option<A> =>
  Effect.runSync(Effect.option(config.parse(settingsProvider(env, ["DB_PASSWORD"]))))

export const chooseDatabase = (env: Env): DatabaseChoice => {
  const url = Option.flatten(databaseSetting(env, DatabaseSettings.url))
  if (Option.isSome(url)) {
    const text = Redacted.value(url.value)
    const parsed = URL.canParse(text) ? new URL(text) : undefined
    return {
      kind: "postgres",
      describe: parsed ? `postgres ${parsed.host}${parsed.pathname}` : "postgres (DATABASE_URL)",
    }
  }
  const database = Option.flatten(databaseSetting(env, DatabaseSettings.database))
  if (Option.isSome(database)) {
    const host = Option.getOrElse(databaseSetting(env, DatabaseSettings.host), () => "127.0.0.1")
    // a DB_PORT that is not a port: connecting says so
    const port = Option.getOrElse(databaseSetting(env, DatabaseSettings.port), () => "(DB_PORT?)")
    return { kind: "postgres", describe: `postgres ${host}:${port}/${database.value}` }
  }
  return { kind: "pglite", describe: `embedded PGlite in ${pgliteDataDir(env)}` }
}

/** The SqlClient layer for the chosen database. */
export const databaseLayer = (
  env: Env,
): Layer.Layer<SqlClient.SqlClient, DatabaseConfigError | PgliteError | SqlError.SqlError> =>
  chooseDatabase(env).kind === "postgres"
    ? pgLayerFromEnv(env, { applicationName: "batchops" })
    : pgliteLayer({ dataDir: pgliteDataDir(env) })

/** The host's database as the environment describes it (the same choice as `databaseLayer`), for backups. */
export const backupTargetFromEnv = (env: Env): BackupTargetShape =>
  chooseDatabase(env).kind === "pglite" ? { kind: "pglite", dataDir: pgliteDataDir(env) } : { kind: "postgres", env }
