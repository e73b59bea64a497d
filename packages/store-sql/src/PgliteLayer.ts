/**
 * Embedded Postgres (PGlite) persisted in a data folder, served on a loopback port by
 * pglite-socket and spoken to through `@effect/sql-pg` with a single connection: PGlite runs one
 * session at a time, so the pool holds one connection and every query, transaction and
 * migration goes through it in turn.
 */

import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import type { PGlite } from "@electric-sql/pglite"
import { Effect, type Layer, Schema, type Scope } from "effect"
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

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The pid in a data folder's lock file, when that process is alive and is not this one. */
const liveOwner = async (lock: string): Promise<number | undefined> => {
  const owner = Number((await readFile(lock, "utf8").catch(() => "")).trim())
  return Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner) ? owner : undefined
}

/** The pid of a running BatchOps holding the PGlite folder, if any (the lock below). */
export const pgliteInUseBy = (dataDir: string): Promise<number | undefined> => liveOwner(join(dataDir, "batchops.pid"))

/**
 * The data folder is one process's at a time (PGlite is not made for two writers): a lock
 * file holds the owner's pid. A lock whose process is gone is taken over.
 */
const lockDataDir = async (dataDir: string): Promise<string> => {
  const lock = join(dataDir, "batchops.pid")
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: "wx" })
      return lock
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      const owner = await liveOwner(lock)
      if (owner !== undefined) {
        throw new Error(
          `the embedded database is in use by another BatchOps process (pid ${owner}); stop it first, ` +
            "or set DATABASE_URL to a Postgres database to run several processes",
        )
      }
      await rm(lock, { force: true })
    }
  }
  throw new Error(`cannot lock ${lock}`)
}

/**
 * Where a served embedded database listens. Only the address is public: PGlite's own types need
 * Emscripten's, which a project that imports this package should not have to install.
 */
export interface ServedPglite {
  readonly host: string
  readonly port: number
}

/** A running PGlite behind a socket server, at the address it answers; closed when the scope closes. */
export const servePglite = (options: PgliteOptions): Effect.Effect<ServedPglite, PgliteError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // Loaded when a database is opened, not when the module is: commands that never open
        // one (`batchops process`, `--help`) start without them.
        const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
          import("@electric-sql/pglite"),
          import("@electric-sql/pglite-socket"),
        ])
        // PGlite creates only the last folder of the path; a fresh data folder may be deeper.
        await mkdir(options.dataDir, { recursive: true })
        const lock = await lockDataDir(options.dataDir)
        let db: PGlite
        try {
          db = await PGlite.create({ dataDir: options.dataDir })
        } catch (error) {
          await rm(lock, { force: true })
          throw error
        }
        const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections: 1 })
        try {
          await server.start()
        } catch (error) {
          await db.close()
          await rm(lock, { force: true })
          throw error
        }
        const port = Number(server.getServerConn().split(":").pop())
        return { db, server, host: "127.0.0.1", port, lock }
      },
      catch: (cause) =>
        new PgliteError({
          message: `cannot start PGlite in ${options.dataDir}: ${cause instanceof Error ? cause.message : cause}`,
        }),
    }),
    ({ db, server, lock }) =>
      Effect.promise(async () => {
        await server.stop()
        if (!db.closed) await db.close()
        await rm(lock, { force: true })
      }),
  ).pipe(Effect.map(({ host, port }): ServedPglite => ({ host, port })))

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
