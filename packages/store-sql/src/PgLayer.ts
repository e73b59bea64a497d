/**
 * The Postgres `SqlClient` layer, configured from an environment-like record: `DATABASE_URL`, or
 * `DB_NAME` with `DB_USER`, `DB_PASSWORD`, `DB_HOST` and `DB_PORT`.
 */

import { settingsProvider } from "@batchops/core"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, type Layer, Option, Schema } from "effect"
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

/**
 * The settings this package reads, in one place, as Effect `Config`: `DATABASE_URL`, or
 * `DB_NAME` with `DB_USER`, `DB_PASSWORD`, `DB_HOST` and `DB_PORT` (blank counts as unset).
 */
export const DatabaseSettings = {
  /** wins over the parts when set */
  url: Config.option(Config.Redacted("DATABASE_URL")),
  /** without `DATABASE_URL`: Postgres when set */
  database: Config.option(Config.String("DB_NAME")),
  username: Config.withDefault(Config.String("DB_USER"), "postgres"),
  password: Config.option(Config.Redacted("DB_PASSWORD")),
  host: Config.withDefault(Config.String("DB_HOST"), "127.0.0.1"),
  port: Config.withDefault(Config.Port("DB_PORT"), 5432),
}

/** The settings that make up a connection without `DATABASE_URL`. */
const connectionParts = Config.all({
  database: DatabaseSettings.database,
  username: DatabaseSettings.username,
  password: DatabaseSettings.password,
  host: DatabaseSettings.host,
  port: DatabaseSettings.port,
})

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
    const provider = settingsProvider(env, ["DB_PASSWORD"])
    const url = yield* DatabaseSettings.url.parse(provider).pipe(Effect.orElseSucceed(() => Option.none()))
    if (Option.isSome(url)) return { ...common, url: url.value }
    // only DB_PORT can be malformed: the others are text
    const settings = yield* connectionParts
      .parse(provider)
      .pipe(
        Effect.mapError(
          () =>
            new DatabaseConfigError({ message: `DB_PORT must be a port number, got ${JSON.stringify(env.DB_PORT)}` }),
        ),
      )
    if (Option.isNone(settings.database)) {
      return yield* new DatabaseConfigError({
        message:
          "no database configured: set DATABASE_URL (postgres://user:password@host:port/name) " +
          "or DB_NAME with DB_USER, DB_PASSWORD, DB_HOST and DB_PORT",
      })
    }
    return {
      ...common,
      database: settings.database.value,
      host: settings.host,
      port: settings.port,
      username: settings.username,
      ...(Option.isSome(settings.password) ? { password: settings.password.value } : {}),
    }
  })

/** A pooled Postgres `SqlClient` (and `PgClient`) from the environment record (e.g. `process.env`). */
export const pgLayerFromEnv = (
  env: Env,
  options: PgLayerOptions = {},
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, DatabaseConfigError | SqlError.SqlError> =>
  PgClient.layerFrom(Effect.flatMap(pgConfigFromEnv(env, options), PgClient.make))
