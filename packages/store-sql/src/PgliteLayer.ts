/**
 * Embedded Postgres (PGlite) persisted in a data folder, served on a loopback port by
 * pglite-socket and spoken to through `@effect/sql-pg` with a single connection: PGlite runs one
 * session at a time, so the pool holds one connection and every query, transaction and
 * migration goes through it in turn.
 */

import { mkdir } from "node:fs/promises"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, type Layer, Schema } from "effect"
import type { SqlClient, SqlError } from "effect/sql"

/** PGlite could not open its data folder or the socket server could not start. */
export class PgliteError extends Schema.TaggedError<PgliteError>()("PgliteError", {
  message: Schema.String,
}) {}

export interface PgliteOptions {
  /** the folder the database lives in (created when missing) */
  readonly dataDir: string
  /** the loopback port to serve on; 0 (default) picks a free one */
  readonly port?: number | undefined
}

/** A running PGlite behind a socket server; closed when the scope closes. */
export const servePglite = (options: PgliteOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // PGlite creates only the last folder of the path; a fresh data folder may be deeper.
        await mkdir(options.dataDir, { recursive: true })
        const db = await PGlite.create({ dataDir: options.dataDir })
        const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections: 1 })
        try {
          await server.start()
        } catch (error) {
          await db.close()
          throw error
        }
        const port = Number(server.getServerConn().split(":").pop())
        return { db, server, host: "127.0.0.1", port }
      },
      catch: (cause) => new PgliteError({ message: `cannot start PGlite in ${options.dataDir}: ${cause}` }),
    }),
    ({ db, server }) =>
      Effect.promise(async () => {
        await server.stop()
        if (!db.closed) await db.close()
      }),
  )

/**
 * A `SqlClient` (and `PgClient`) over PGlite in `dataDir`. The finalizer closes the client, then
 * the socket server, then PGlite, so the data folder is left consistent for the next open.
 */
export const pgliteLayer = (
  options: PgliteOptions,
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, PgliteError | SqlError.SqlError> =>
  PgClient.layerFrom(
    Effect.gen(function* () {
      const { host, port } = yield* servePglite(options)
      return yield* PgClient.make({
        host,
        port,
        database: "postgres",
        username: "postgres",
        maxConnections: 1,
        minConnections: 0,
        applicationName: "batchops",
      })
    }),
  )
