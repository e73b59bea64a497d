/**
 * `GET /api/health/`. Anyone (a load balancer, a container's health check) learns whether
 * BatchOps is up: `{"status": "up"}`, or `{"status": "down"}` with a 503 when the database
 * does not answer, so the instance is taken out. Nothing more: no host names, pids or disk.
 *
 * A signed-in admin gets the full report: whether the database answers (and how fast), the
 * work queue's counts, whether the worker and the scheduler beat recently (and each live worker
 * loop and scheduler: id, host, pid, last beat, age), whether mail is configured, and the free
 * space of the data folder. `ok` when all is well; `degraded` when the API works but something
 * around it does not (no live worker or scheduler, the disk nearly full); `down` with a 503.
 */
import { statfs } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { HeartbeatsRepo, type LivenessReport, type LiveProcess, WorkQueue } from "@batchops/core"
import { mailConfigFromEnv } from "@batchops/mailer-smtp"
import { UploadSettings } from "@batchops/runner-node"
import { Effect, Exit, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { defineRoute } from "../Api.js"
import { HostEnv } from "../Services.js"

/** the disk is not ok below this much free space (uploads and reports would start failing) */
export const MIN_FREE_BYTES = 1024 ** 3

/** how long the database may take to answer `SELECT 1` before it counts as down */
export const DATABASE_TIMEOUT_MS = 3_000

/**
 * Whether mail goes out over SMTP: `EMAIL_HOST` (and the rest of the mail settings) of the
 * process's environment, read as the host reads them (a site without SMTP writes or logs its
 * mails instead, which is not "configured"). Settings that do not read count as unconfigured.
 */
const mailConfigured = Effect.gen(function* () {
  const { env } = yield* HostEnv
  const config = yield* Effect.option(mailConfigFromEnv(env))
  return Option.isSome(config) && Option.isSome(config.value)
})

/** Free bytes of the file system holding `folder` (its nearest existing parent, before it is made). */
const freeBytes = (folder: string) =>
  Effect.promise(async () => {
    let at = resolve(folder)
    while (true) {
      try {
        const stats = await statfs(at)
        return Number(stats.bavail) * Number(stats.bsize)
      } catch {
        const parent = dirname(at)
        if (parent === at) return null
        at = parent
      }
    }
  })

/** one live process loop: its id, host, pid, last beat and how long ago that was (database clock) */
const LiveProcessJson = Schema.Struct({
  id: Schema.String,
  host: Schema.String,
  pid: Schema.Number,
  last_beat: Schema.String,
  age_ms: Schema.Number,
})

const Beat = Schema.Struct({
  last_beat: Schema.NullOr(Schema.String),
  ok: Schema.Boolean,
  /** each loop of this kind that beat within three of its intervals, freshest first */
  live: Schema.Array(LiveProcessJson),
})

export const HealthJson = Schema.Struct({
  status: Schema.Literals(["ok", "degraded", "down"]),
  database: Schema.Struct({ ok: Schema.Boolean, latency_ms: Schema.Number }),
  queue: Schema.NullOr(
    Schema.Struct({ queued: Schema.Number, running: Schema.Number, failed: Schema.Number, expired: Schema.Number }),
  ),
  worker: Beat,
  scheduler: Beat,
  mail: Schema.Struct({ configured: Schema.Boolean }),
  disk: Schema.Struct({ free_bytes: Schema.NullOr(Schema.Number), ok: Schema.Boolean }),
})

/** at most this many live loops of a kind are listed */
export const MAX_LISTED = 100

const beatJson = (report: LivenessReport, live: ReadonlyArray<LiveProcess> = []) => ({
  last_beat: report.lastBeat,
  ok: report.alive,
  live: live.map((p) => ({ id: p.workerId, host: p.host, pid: p.pid, last_beat: p.lastBeat, age_ms: p.ageMs })),
})
const NO_BEAT: LivenessReport = { lastBeat: null, alive: false }

/** What anyone may know: whether BatchOps is up. */
export const HealthSummaryJson = Schema.Struct({ status: Schema.Literals(["up", "down"]) })

/** Whether the database answers `SELECT 1` in time. */
const databaseAnswers = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return Exit.isSuccess(yield* Effect.exit(sql`SELECT 1 AS ok`.pipe(Effect.timeout(DATABASE_TIMEOUT_MS))))
})

/** Up (200) or down (503), and nothing else. */
export const checkUp = Effect.map(databaseAnswers, (up) =>
  up ? { status: 200, json: { status: "up" as const } } : { status: 503, json: { status: "down" as const } },
)

/** The admin's health report, and the status code it answers with. */
export const checkHealth = Effect.gen(function* () {
  const settings = yield* UploadSettings
  // the data folder holds the uploads folder (and the embedded database)
  const free = yield* freeBytes(dirname(settings.uploadsDir))
  const disk = { free_bytes: free, ok: free !== null && free >= MIN_FREE_BYTES }
  const mail = { configured: yield* mailConfigured }

  const started = performance.now()
  const answers = yield* databaseAnswers
  const latency_ms = Math.round(performance.now() - started)
  const queue = yield* WorkQueue
  const heartbeats = yield* HeartbeatsRepo
  const state = answers
    ? yield* Effect.exit(
        Effect.all(
          {
            queue: queue.stats(),
            worker: heartbeats.liveness("worker"),
            scheduler: heartbeats.liveness("scheduler"),
            workers: heartbeats.live("worker", MAX_LISTED),
            schedulers: heartbeats.live("scheduler", MAX_LISTED),
          },
          { concurrency: "unbounded" },
        ).pipe(Effect.timeout(DATABASE_TIMEOUT_MS)),
      )
    : undefined

  if (state === undefined || Exit.isFailure(state)) {
    return {
      status: 503,
      json: {
        status: "down" as const,
        database: { ok: false, latency_ms },
        queue: null,
        worker: beatJson(NO_BEAT),
        scheduler: beatJson(NO_BEAT),
        mail,
        disk,
      },
    }
  }
  const { worker, scheduler, workers, schedulers } = state.value
  const counts = state.value.queue
  // a scheduler that never beat is not set up (yet): reported, but not a degradation
  const healthy = worker.alive && (scheduler.alive || scheduler.lastBeat === null) && disk.ok
  return {
    status: 200,
    json: {
      status: healthy ? ("ok" as const) : ("degraded" as const),
      database: { ok: true, latency_ms },
      queue: { queued: counts.queued, running: counts.running, failed: counts.failed, expired: counts.expired },
      worker: beatJson(worker, workers),
      scheduler: beatJson(scheduler, schedulers),
      mail,
      disk,
    },
  }
})

export const healthRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/health/",
    summary:
      "Health: whether BatchOps is up for anyone; for admins the database, queue, worker and scheduler heartbeats, mail and disk (503 when the database is down)",
    tag: "Operations",
    access: "public",
    response: Schema.Union([HealthSummaryJson, HealthJson]),
    handler: (ctx) => (ctx.user?.role === "admin" ? checkHealth : checkUp),
  }),
]
