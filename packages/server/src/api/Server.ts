/**
 * The control room as one process: the API on `http://127.0.0.1:8000` (`PORT`, `HOST`), the
 * upload worker and the incident mail beside it, over the configured database (embedded
 * PGlite in `BATCHOPS_DATA_DIR` unless `DATABASE_URL` or `DB_*` say Postgres). It migrates
 * first, and says how to get the first admin in when there is none.
 */
import { randomUUID } from "node:crypto"
import type { AddressInfo } from "node:net"
import { hostname } from "node:os"
import { join } from "node:path"
import { runIncidentMailer, runUploadWorker } from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import { serve } from "@hono/node-server"
import { Effect, Fiber, Layer, ManagedRuntime } from "effect"
import { SqlClient } from "effect/sql"
import { chooseDatabase, dataDirectory, type Env } from "../Database.js"
import { runHeartbeat } from "../Heartbeats.js"
import { lifecycleLayer } from "../Host.js"
import { runJobRunner } from "../JobRunner.js"
import { runScheduler } from "../Scheduler.js"
import { checkHostSettings, readSetting } from "../Settings.js"
import { makeApp } from "./App.js"
import { apiRoutes, areaLayers } from "./Routes.js"
import { HostEnv, RouteTable } from "./Services.js"
import { findWebDir } from "./WebApp.js"

export const DEFAULT_PORT = 8000
export const DEFAULT_HOST = "127.0.0.1"

export interface ServerOptions {
  readonly env: Env
  /** default `PORT` or 8000; 0 picks a free port */
  readonly port?: number | undefined
  /** default `HOST` or 127.0.0.1 */
  readonly host?: string | undefined
  /** run the upload worker, the job runner and the incident mail in this process (default true) */
  readonly worker?: boolean | undefined
  /** run the scheduler in this process (default: as `worker`) */
  readonly scheduler?: boolean | undefined
  /** for the worker's lease (default 60 s) */
  readonly leaseMs?: number | undefined
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  /** whether the database has an active admin (when not, the person is told how to make one) */
  readonly hasAdmin: boolean
  readonly database: string
  /** runs an effect on the server's runtime (tests: seed accounts, read the database) */
  // biome-ignore lint/suspicious/noExplicitAny: tests run effects needing any of the runtime's services
  readonly run: <A, E>(effect: Effect.Effect<A, E, any>) => Promise<A>
  /** stops the server, then the worker (its upload goes back to the queue), then the database */
  readonly close: () => Promise<void>
}

/** The API's runtime over the configured database: the base services, then each area's. */
export const apiLayer = (env: Env) => {
  const base = Layer.mergeAll(
    lifecycleLayer(env, true),
    mailerLayerFromEnv(env, join(dataDirectory(env), "mail")),
    Layer.succeed(HostEnv, { env }),
    Layer.succeed(RouteTable, { routes: apiRoutes }),
  )
  return Layer.mergeAll(areaLayers.auth, areaLayers.uploads, areaLayers.incidents, areaLayers.ops).pipe(
    Layer.provideMerge(base),
  )
}

/** The API listening on `host:port`; a taken port is one plain sentence, without Node's stack. */
const listen = (fetch: Parameters<typeof serve>[0]["fetch"], port: number, host: string) =>
  new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch, port, hostname: host }, () => resolve(started))
    started.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is in use: stop the other process or set PORT`)
          : error,
      ),
    )
  })

export const startServer = async (options: ServerOptions): Promise<RunningServer> => {
  const { env } = options
  checkHostSettings(env)
  const where = readSetting(env, "listen")
  const port = options.port ?? where.port ?? DEFAULT_PORT
  const host = options.host ?? where.host ?? DEFAULT_HOST
  const { corsOrigins, trustedProxies } = where
  const runtime = ManagedRuntime.make(apiLayer(env))
  let hasAdmin = false
  let server: ReturnType<typeof serve>
  try {
    hasAdmin = await runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND is_active`
        return (rows[0]?.n ?? 0) > 0
      }),
    )
    const app = makeApp(apiRoutes, runtime as never, {
      corsOrigins,
      trustedProxies,
      webApp: true,
      webDir: findWebDir(options.env),
    })
    server = await listen(app.fetch, port, host)
  } catch (cause) {
    // nothing else runs yet: releasing the database lets the process end (and others open it)
    await runtime.dispose()
    throw cause
  }

  // the background work starts once the API listens, so a taken port starts none of it
  const runsWorker = options.worker !== false
  const runsScheduler = options.scheduler ?? runsWorker
  const background = [
    ...(runsWorker
      ? [
          runUploadWorker({
            worker: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
            leaseMs: options.leaseMs ?? 60_000,
          }),
          runJobRunner({
            worker: `${hostname()}:${process.pid}:jobs:${randomUUID().slice(0, 8)}`,
            leaseMs: options.leaseMs ?? 60_000,
          }),
          runIncidentMailer({ worker: `${hostname()}:${process.pid}:mail`, leaseMs: 120_000 }),
          runHeartbeat("worker", 10_000),
        ]
      : []),
    // jobs fire on their schedule from the server too; a second scheduler is harmless
    ...(runsScheduler ? [runScheduler({ everyMs: 15_000 })] : []),
  ]
  const worker =
    background.length === 0
      ? undefined
      : runtime.runFork(Effect.all(background, { concurrency: "unbounded", discard: true }))

  const address = server.address() as AddressInfo
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    hasAdmin,
    database: chooseDatabase(env).describe,
    run: (effect) => runtime.runPromise(effect as never),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // idle keep-alive connections would hold the close open
        ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
      })
      if (worker) await Effect.runPromise(Fiber.interrupt(worker))
      await runtime.dispose()
    },
  }
}
