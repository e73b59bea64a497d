/**
 * The database the reference host uses: Postgres when `DATABASE_URL` or the seed's `DB_*`
 * variables say so, otherwise embedded PGlite in the data folder (`BATCHOPS_DATA_DIR`,
 * default `./.batchops`).
 */
import { join, resolve } from "node:path"
import { type DatabaseConfigError, type PgliteError, pgLayerFromEnv, pgliteLayer } from "@batchops/store-sql"
import type { Layer } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

export type Env = Readonly<Record<string, string | undefined>>

export interface DatabaseChoice {
  readonly kind: "postgres" | "pglite"
  /** for people: where the data is (never a password) */
  readonly describe: string
}

export const dataDirectory = (env: Env): string => resolve(env.BATCHOPS_DATA_DIR ?? ".batchops")

export const chooseDatabase = (env: Env): DatabaseChoice => {
  if (env.DATABASE_URL) {
    const url = URL.canParse(env.DATABASE_URL) ? new URL(env.DATABASE_URL) : undefined
    return { kind: "postgres", describe: url ? `postgres ${url.host}${url.pathname}` : "postgres (DATABASE_URL)" }
  }
  if (env.DB_NAME) {
    return {
      kind: "postgres",
      describe: `postgres ${env.DB_HOST ?? "127.0.0.1"}:${env.DB_PORT ?? "5432"}/${env.DB_NAME}`,
    }
  }
  return { kind: "pglite", describe: `embedded PGlite in ${join(dataDirectory(env), "pgdata")}` }
}

/** The SqlClient layer for the chosen database. */
export const databaseLayer = (
  env: Env,
): Layer.Layer<SqlClient.SqlClient, DatabaseConfigError | PgliteError | SqlError.SqlError> =>
  chooseDatabase(env).kind === "postgres"
    ? pgLayerFromEnv(env, { applicationName: "batchops" })
    : pgliteLayer({ dataDir: join(dataDirectory(env), "pgdata") })
