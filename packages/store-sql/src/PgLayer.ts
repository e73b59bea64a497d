/**
 * The Postgres `SqlClient` layer, configured from an environment-like record: `DATABASE_URL`, or
 * `DB_NAME` with `DB_USER`, `DB_PASSWORD`, `DB_HOST` and `DB_PORT`.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, type Layer, Redacted, Schema } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/** Neither `DATABASE_URL` nor `DB_NAME` is set (or a value is malformed). */
export class DatabaseConfigError extends Schema.TaggedError<DatabaseConfigError>()("DatabaseConfigError", {
  message: Schema.String,
}) {}

export type Env = Readonly<Record<string, string | undefined>>

export interface PgLayerOptions {
  /** pool size (default 10) */
  readonly maxConnections?: number | undefined
  readonly applicationName?: string | undefined
}

const present = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim()

/** The pool configuration the environment describes. */
export const pgConfigFromEnv = (
  env: Env,
  options: PgLayerOptions = {},
): Effect.Effect<PgClient.PgPoolConfig, DatabaseConfigError> =>
  Effect.gen(function* () {
    const common = {
      maxConnections: options.maxConnections ?? 10,
      applicationName: options.applicationName ?? "batchops",
    }
    const url = present(env.DATABASE_URL)
    if (url !== undefined) return { ...common, url: Redacted.make(url) }
    const database = present(env.DB_NAME)
    if (database === undefined) {
      return yield* new DatabaseConfigError({
        message:
          "no database configured: set DATABASE_URL (postgres://user:password@host:port/name) " +
          "or DB_NAME with DB_USER, DB_PASSWORD, DB_HOST and DB_PORT",
      })
    }
    const portText = present(env.DB_PORT)
    const port = portText === undefined ? 5432 : Number(portText)
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      return yield* new DatabaseConfigError({
        message: `DB_PORT must be a port number, got ${JSON.stringify(portText)}`,
      })
    }
    const password = env.DB_PASSWORD
    return {
      ...common,
      database,
      host: present(env.DB_HOST) ?? "127.0.0.1",
      port,
      username: present(env.DB_USER) ?? "postgres",
      ...(password === undefined || password === "" ? {} : { password: Redacted.make(password) }),
    }
  })

/** A pooled Postgres `SqlClient` (and `PgClient`) from the environment record (e.g. `process.env`). */
export const pgLayerFromEnv = (
  env: Env,
  options: PgLayerOptions = {},
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseConfigError | SqlError.SqlError> =>
  PgClient.layerFrom(Effect.flatMap(pgConfigFromEnv(env, options), PgClient.make))
