/**
 * Health when things go wrong, and the heartbeat loop: the database refusing connections
 * answers 503 `down` to anyone, admins included (real Postgres), and a heartbeat loop records
 * its interval and survives beats that cannot be stored.
 */
import { HeartbeatsRepo, StoreError } from "@batchops/core"
import { Effect, Layer, References } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { psql } from "../../../../test/support/postgres.js"
import { beat, runHeartbeat } from "../../src/Heartbeats.js"
import { startApi, type TestApi } from "./harness.js"

describe("the heartbeat loop", () => {
  it("keeps beating after a beat could not be stored", async () => {
    let calls = 0
    const failing = Layer.succeed(HeartbeatsRepo, {
      beat: () =>
        Effect.suspend(() => {
          calls++
          return Effect.fail(new StoreError({ message: "the database is away" }))
        }),
      liveness: () => Effect.succeed({ lastBeat: null, alive: false }),
      live: () => Effect.succeed([]),
    })
    await Effect.runPromise(
      runHeartbeat("scheduler", 10).pipe(
        Effect.timeoutOption(200),
        Effect.provide(failing),
        // the loop warns on every failed beat: expected here
        Effect.provideService(References.MinimumLogLevel, "Error"),
        Effect.asVoid,
      ),
    )
    expect(calls).toBeGreaterThanOrEqual(3)
  })

  it("refuses an interval that is not a positive number", async () => {
    const unused = Layer.succeed(HeartbeatsRepo, {
      beat: () => Effect.void,
      liveness: () => Effect.succeed({ lastBeat: null, alive: false }),
      live: () => Effect.succeed([]),
    })
    const exit = await Effect.runPromiseExit(runHeartbeat("worker", 0).pipe(Effect.provide(unused)))
    expect(exit._tag).toBe("Failure")
  })
})

describe("health on Postgres", () => {
  let api: TestApi
  let database: string
  let admin: string
  /** the admin's full report */
  const health = () => api.call("/api/health/", { token: admin })

  beforeAll(async () => {
    api = await startApi("postgres")
    database = api.server.database.split("/").pop()!
    admin = (await api.account("admin")).token
  }, 60_000)
  afterAll(async () => {
    await psql("postgres", `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`).catch(() => undefined)
    await api?.close()
  })

  it("records a running heartbeat loop with its interval", async () => {
    await api.server.run(runHeartbeat("worker", 5_000).pipe(Effect.timeoutOption(300)))
    const rows = await api.server.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{
          kind: string
          every_ms: number
          pid: number
        }>`SELECT kind, every_ms, pid FROM worker_heartbeats`
      }),
    )
    expect(rows).toEqual([{ kind: "worker", every_ms: 5_000, pid: process.pid }])
    const reply = await health()
    expect(reply.json.worker.ok).toBe(true)
    // no scheduler ever beat here (none is set up): reported, but the site is not degraded by it
    expect(reply.json.scheduler).toEqual({ last_beat: null, ok: false, live: [] })
    expect(reply.json.status).toBe(reply.json.disk.ok ? "ok" : "degraded")
  })

  it("lists each live worker loop and scheduler (id, host, pid, last beat, age), not the stopped ones", async () => {
    await api.server.run(
      Effect.all([
        beat("worker", { workerId: "machine-a:11:w/1", everyMs: 10_000 }),
        beat("worker", { workerId: "machine-a:11:w/2", everyMs: 10_000 }),
        beat("worker", { workerId: "machine-b:12:gone", everyMs: 10_000 }),
        beat("scheduler", { workerId: "machine-c:13:scheduler", everyMs: 15_000 }),
      ]),
    )
    await api.server.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE worker_heartbeats SET beat_at = now() - interval '5 minutes' WHERE worker_id = 'machine-b:12:gone'`
      }),
    )
    const reply = await health()
    expect(reply.status).toBe(200)
    const ids = reply.json.worker.live.map((w: { id: string }) => w.id)
    expect(ids).toEqual(expect.arrayContaining(["machine-a:11:w/1", "machine-a:11:w/2"]))
    expect(ids).not.toContain("machine-b:12:gone")
    expect(reply.json.worker.live.find((w: { id: string }) => w.id === "machine-a:11:w/2")).toEqual({
      id: "machine-a:11:w/2",
      host: expect.any(String),
      pid: process.pid,
      last_beat: expect.any(String),
      age_ms: expect.any(Number),
    })
    expect(reply.json.scheduler.ok).toBe(true)
    expect(reply.json.scheduler.live).toEqual([
      {
        id: "machine-c:13:scheduler",
        host: expect.any(String),
        pid: process.pid,
        last_beat: expect.any(String),
        age_ms: expect.any(Number),
      },
    ])
    for (const loop of [...reply.json.worker.live, ...reply.json.scheduler.live]) {
      expect(loop.age_ms).toBeGreaterThanOrEqual(0)
      expect(Number.isNaN(Date.parse(loop.last_beat))).toBe(false)
    }
    // the summary stays: the freshest beat of each kind
    expect(reply.json.worker.last_beat).toBe(reply.json.worker.live[0].last_beat)
  })

  it("answers 503 down when the database refuses connections, and ok again after", async () => {
    expect(database).toMatch(/^batchops_api_[0-9a-f]+$/)
    await psql("postgres", `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`)
    await psql(
      "postgres",
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
    )
    const down = await api.call("/api/health/")
    expect(down.status).toBe(503)
    expect(down.json).toEqual({ status: "down" })
    // an admin's token cannot be checked without the database: a 503 too, saying why
    const forAdmin = await health()
    expect(forAdmin.status).toBe(503)
    expect(forAdmin.json).toMatchObject({ code: "unavailable", error: "the database could not be reached; try again" })
    expect(forAdmin.text).not.toMatch(/postgres:\/\/|batchops_api|password/i)

    await psql("postgres", `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`)
    let status = 0
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await health()).status
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(status).toBe(200)
  })
})
