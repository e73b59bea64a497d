/**
 * The operations repositories on PGlite and Postgres: jobs, job runs, department sources and
 * records, the audit log and heartbeats (freshness judged by the database clock).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  AuditRepo,
  AutomationLedger,
  DepartmentsRepo,
  HeartbeatsRepo,
  JobRunsRepo,
  JobsRepo,
  type NewAuditEntry,
  type RefusedRequest,
} from "@batchops/core"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, dropDatabase } from "../../../test/support/postgres.js"
import {
  AuditRepoLayer,
  AutomationLedgerLayer,
  DepartmentsRepoLayer,
  HeartbeatsRepoLayer,
  JobRunsRepoLayer,
  JobsRepoLayer,
  migrate,
  pgLayerFromEnv,
  pgliteLayer,
} from "../src/index.js"

const repositories = Layer.mergeAll(
  JobsRepoLayer,
  JobRunsRepoLayer,
  DepartmentsRepoLayer,
  AuditRepoLayer,
  HeartbeatsRepoLayer,
  AutomationLedgerLayer,
)

type Services =
  | JobsRepo
  | JobRunsRepo
  | DepartmentsRepo
  | AuditRepo
  | HeartbeatsRepo
  | AutomationLedger
  | SqlClient.SqlClient

describe.each(["pglite", "postgres"] as const)("operations repositories on %s", (backend) => {
  let runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  let cleanup: () => Promise<unknown>

  const run = <A, E>(effect: Effect.Effect<A, E, Services>) => runtime.runPromise(effect)

  beforeAll(async () => {
    if (backend === "pglite") {
      const dataDir = mkdtempSync(join(tmpdir(), "batchops-ops-"))
      runtime = ManagedRuntime.make(Layer.provideMerge(repositories, pgliteLayer({ dataDir })))
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true })
    } else {
      const database = await createDatabase("ops")
      runtime = ManagedRuntime.make(Layer.provideMerge(repositories, pgLayerFromEnv({ DATABASE_URL: database.url })))
      cleanup = () => dropDatabase(database.name)
    }
    await run(migrate())
  }, 60_000)
  afterAll(async () => {
    await runtime?.dispose()
    await cleanup?.()
  })

  it("creates, changes and removes jobs; names are unique; runs outlive their job", async () => {
    const result = await run(
      Effect.gen(function* () {
        const jobs = yield* JobsRepo
        const runs = yield* JobRunsRepo
        const job = yield* jobs.create({ name: "Weekly export", automation: "weekly_export", cron: "0 5 * * 1" })
        const duplicate = yield* Effect.flip(jobs.create({ name: "Weekly export", automation: "x", cron: "* * * * *" }))
        const changed = yield* jobs.update(job.id, { enabled: false, params: { days: 7 } })
        const renamedToTaken = yield* Effect.flip(jobs.update(job.id, { name: "Run daily backup" }))
        const missing = yield* jobs.update("nope", { enabled: true })
        const run = yield* runs.create({ jobId: job.id, automation: job.automation, trigger: "manual" })
        const removed = yield* jobs.remove(job.id)
        const again = yield* jobs.remove(job.id)
        const orphan = yield* runs.get(run.id)
        const page = yield* jobs.list({ limit: 3, offset: 0 })
        return { job, duplicate, changed, renamedToTaken, missing, run, removed, again, orphan, page }
      }),
    )
    expect(result.job).toMatchObject({ name: "Weekly export", enabled: true, params: {}, cron: "0 5 * * 1" })
    expect(result.duplicate._tag).toBe("JobNameTaken")
    expect(Option.getOrThrow(result.changed)).toMatchObject({
      name: "Weekly export",
      automation: "weekly_export",
      cron: "0 5 * * 1",
      enabled: false,
      params: { days: 7 },
    })
    expect(result.renamedToTaken._tag).toBe("JobNameTaken")
    expect(Option.isNone(result.missing)).toBe(true)
    expect(result.run).toMatchObject({ status: "queued", trigger: "manual", logs: [], details: {}, startedAt: null })
    expect(result.removed).toBe(true)
    expect(result.again).toBe(false)
    expect(Option.getOrThrow(result.orphan).jobId).toBeNull()
    expect(result.page.count).toBe(11)
    expect(result.page.items.map((job) => job.name)).toEqual([...result.page.items.map((job) => job.name)].sort())
    expect(result.page.items).toHaveLength(3)
  })

  it("lists job runs newest first with every filter", async () => {
    const ids = await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO job_runs (id, job_id, automation, status, trigger, created_at) VALUES
          ('r1', 'job_run_web_scrape', 'run_web_scrape', 'succeeded', 'schedule', '2026-04-01T00:00:00Z'),
          ('r2', 'job_run_web_scrape', 'run_web_scrape', 'failed', 'schedule', '2026-04-02T00:00:00Z'),
          ('r3', 'job_run_daily_backup', 'run_daily_backup', 'running', 'manual', '2026-04-03T00:00:00Z')`
        const runs = yield* JobRunsRepo
        const list = (filter: Parameters<typeof runs.list>[0], limit = 10, offset = 0) =>
          Effect.map(
            runs.list(
              { createdAfter: "2026-04-01T00:00:00Z", createdBefore: "2026-05-01T00:00:00Z", ...filter },
              { limit, offset },
            ),
            (page) => ({
              count: page.count,
              ids: page.items.map((run) => run.id),
            }),
          )
        return {
          all: yield* list({}),
          page2: yield* list({}, 2, 2),
          job: yield* list({ jobId: "job_run_web_scrape" }),
          status: yield* list({ status: "running" }),
          automation: yield* list({ automation: "run_web_scrape" }),
          window: yield* list({ createdAfter: "2026-04-02T00:00:00Z", createdBefore: "2026-04-03T00:00:00Z" }),
        }
      }),
    )
    expect(ids.all).toEqual({ count: 3, ids: ["r3", "r2", "r1"] })
    expect(ids.page2).toEqual({ count: 3, ids: ["r1"] })
    expect(ids.job.ids).toEqual(["r2", "r1"])
    expect(ids.status.ids).toEqual(["r3"])
    expect(ids.automation.ids).toEqual(["r2", "r1"])
    expect(ids.window.ids).toEqual(["r2"])
  })

  it("keeps department sources unique by name and code and removes their records with them", async () => {
    const result = await run(
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        const source = yield* departments.createSource({
          name: "Canteen sales",
          code: "CAN",
          department: "canteen",
          kind: "directory",
          settings: { path: "canteen" },
        })
        const duplicate = yield* Effect.flip(
          departments.createSource({ name: "Canteen sales", code: "CAN2", department: "canteen", kind: "url" }),
        )
        const sameCode = yield* Effect.flip(
          departments.createSource({ name: "Canteen stock", code: "CAN", department: "canteen", kind: "url" }),
        )
        const taken = yield* Effect.flip(departments.updateSource(source.id, { name: "Library loans" }))
        const codeTaken = yield* Effect.flip(departments.updateSource(source.id, { code: "LIB" }))
        const changed = yield* departments.updateSource(source.id, {
          kind: "url",
          settings: { url: "https://canteen.example.edu/sales" },
        })
        const byCode = yield* departments.getSourceByCode("CAN")
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO department_records (source_id, kind, key, payload, recorded_at) VALUES
          (${source.id}, 'sale', 'a', '{"n": 1}', '2026-05-01T00:00:00Z'),
          (${source.id}, 'sale', 'b', '{"n": 2}', '2026-05-02T00:00:00Z')`
        const records = yield* departments.listRecords(source.id, { limit: 10, offset: 0 })
        const removed = yield* departments.removeSource(source.id)
        const left = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM department_records
          WHERE source_id = ${source.id}`
        return { source, duplicate, sameCode, taken, codeTaken, changed, byCode, records, removed, left: left[0]!.n }
      }),
    )
    expect(result.source).toMatchObject({
      name: "Canteen sales",
      code: "CAN",
      department: "canteen",
      kind: "directory",
      settings: { path: "canteen" },
      enabled: true,
    })
    expect(result.duplicate).toMatchObject({ _tag: "SourceNameTaken", field: "name" })
    expect(result.sameCode).toMatchObject({ _tag: "SourceNameTaken", field: "code" })
    expect(result.sameCode.message).toContain('code "CAN"')
    expect(result.taken).toMatchObject({ _tag: "SourceNameTaken", field: "name" })
    expect(result.codeTaken).toMatchObject({ _tag: "SourceNameTaken", field: "code" })
    expect(Option.getOrThrow(result.changed)).toMatchObject({
      name: "Canteen sales",
      kind: "url",
      settings: { url: "https://canteen.example.edu/sales" },
    })
    expect(Option.getOrThrow(result.byCode).id).toBe(result.source.id)
    expect(result.records.count).toBe(2)
    expect(result.records.items.map((record) => [record.kind, record.key, record.payload])).toEqual([
      ["sale", "b", { n: 2 }],
      ["sale", "a", { n: 1 }],
    ])
    expect(result.removed).toBe(true)
    expect(result.left).toBe(0)
  })

  it("upserts records by source, kind and key, and reads one kind over a window", async () => {
    const result = await run(
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        const a = yield* departments.createSource({
          name: "Register A",
          code: "REGA",
          department: "a",
          kind: "simulated",
          settings: { feed: "attendance" },
        })
        const b = yield* departments.createSource({
          name: "Register B",
          code: "REGB",
          department: "b",
          kind: "simulated",
          settings: { feed: "attendance" },
        })
        const mark = (key: string, status: string, at: string) => ({
          kind: "attendance",
          key,
          payload: { status },
          recordedAt: at,
        })
        const first = yield* departments.upsertRecords(a.id, [
          mark("s1:d1", "present", "2026-05-01T08:00:00.000Z"),
          mark("s1:d2", "absent", "2026-05-02T08:00:00.000Z"),
          { kind: "student", key: "s1", payload: { name: "Ann" }, recordedAt: "2026-05-01T08:00:00.000Z" },
        ])
        const again = yield* departments.upsertRecords(a.id, [
          mark("s1:d1", "present", "2026-05-01T08:00:00.000Z"),
          mark("s1:d2", "late", "2026-05-02T08:00:00.000Z"),
        ])
        yield* departments.upsertRecords(b.id, [mark("s9:d2", "absent", "2026-05-02T09:00:00.000Z")])
        const window = yield* departments.recordsByKind({
          kind: "attendance",
          since: "2026-05-02T00:00:00Z",
          until: "2026-05-03T00:00:00Z",
        })
        const onlyA = yield* departments.recordsByKind({ kind: "attendance", sourceIds: [a.id] })
        const none = yield* departments.recordsByKind({ kind: "attendance", sourceIds: [] })
        const students = yield* departments.listRecords(a.id, { limit: 10, offset: 0 }, "student")
        return { first, again, window, onlyA, none, students }
      }),
    )
    expect(result.first).toEqual({ inserted: 3, updated: 0, unchanged: 0 })
    expect(result.again).toEqual({ inserted: 0, updated: 1, unchanged: 1 })
    expect(result.window.map((record) => [record.key, record.payload])).toEqual([
      ["s1:d2", { status: "late" }],
      ["s9:d2", { status: "absent" }],
    ])
    expect(result.onlyA.map((record) => record.key)).toEqual(["s1:d1", "s1:d2"])
    expect(result.none).toEqual([])
    expect(result.students.items.map((record) => record.key)).toEqual(["s1"])
  })

  it("claims a ledger key once, also when two claims race", async () => {
    const result = await run(
      Effect.gen(function* () {
        const ledger = yield* AutomationLedger
        const racing = yield* Effect.all(
          Array.from({ length: 5 }, () => ledger.claim({ scope: "test_scope", key: "k1", data: { n: 1 } })),
          { concurrency: "unbounded" },
        )
        const other = yield* ledger.claim({ scope: "test_scope", key: "k2", jobRunId: "no-such-run" })
        yield* ledger.annotate("test_scope", "k1", { upload: "u-1" })
        const entry = yield* ledger.get("test_scope", "k1")
        const released = yield* ledger.release("test_scope", "k1")
        const releasedAgain = yield* ledger.release("test_scope", "k1")
        const reclaimed = yield* ledger.claim({ scope: "test_scope", key: "k1" })
        return { racing, other, entry, released, releasedAgain, reclaimed }
      }),
    )
    expect(result.racing.filter(Boolean)).toHaveLength(1)
    expect(result.other).toBe(true)
    expect(Option.getOrThrow(result.entry)).toMatchObject({ scope: "test_scope", key: "k1", data: { upload: "u-1" } })
    expect(result.released).toBe(true)
    expect(result.releasedAgain).toBe(false)
    expect(result.reclaimed).toBe(true)
  })

  it("stores every field of an audit entry and lists entries newest first with filters", async () => {
    const entry = (at: string, changes: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
      at,
      actorId: "u-1",
      method: "POST",
      route: "/api/jobs/:id/trigger/",
      status: 202,
      recordType: "job_run",
      recordId: "run-1",
      detail: "queued",
      ip: "10.0.0.5",
      requestId: `req-${at}`,
      ...changes,
    })
    const result = await run(
      Effect.gen(function* () {
        const audit = yield* AuditRepo
        yield* audit.record(entry("2026-06-01T08:00:00.000Z"))
        yield* audit.record(entry("2026-06-02T08:00:00.000Z", { actorId: null, method: "DELETE", status: 204 }))
        yield* audit.record(
          entry("2026-06-03T08:00:00.000Z", { recordType: null, recordId: null, detail: null, status: 403 }),
        )
        const page = { limit: 10, offset: 0 }
        return {
          all: yield* audit.list({}, page),
          actor: yield* audit.list({ actorId: "u-1" }, page),
          method: yield* audit.list({ method: "DELETE" }, page),
          record: yield* audit.list({ recordType: "job_run", recordId: "run-1" }, page),
          window: yield* audit.list(
            { createdAfter: "2026-06-02T00:00:00Z", createdBefore: "2026-06-03T00:00:00Z" },
            page,
          ),
        }
      }),
    )
    expect(result.all.count).toBe(3)
    expect(result.all.items.map((item) => item.at)).toEqual([
      "2026-06-03T08:00:00.000Z",
      "2026-06-02T08:00:00.000Z",
      "2026-06-01T08:00:00.000Z",
    ])
    expect(result.all.items[2]).toEqual({ id: expect.any(String), ...entry("2026-06-01T08:00:00.000Z") })
    expect(result.actor.count).toBe(2)
    expect(result.method.items.map((item) => item.actorId)).toEqual([null])
    expect(result.record.count).toBe(2)
    expect(result.window.items.map((item) => item.method)).toEqual(["DELETE"])
  })

  it("counts refused requests per hour (UTC), method, route and status, newest hour first", async () => {
    const refused = (at: string, changes: Partial<RefusedRequest> = {}): RefusedRequest => ({
      at,
      method: "POST",
      route: "/api/auth/login/",
      status: 401,
      ...changes,
    })
    const result = await run(
      Effect.gen(function* () {
        const audit = yield* AuditRepo
        for (const minute of ["05", "17", "59"]) yield* audit.countRefused(refused(`2026-07-01T08:${minute}:00.000Z`))
        yield* audit.countRefused(refused("2026-07-01T08:30:00.000Z", { status: 429 }))
        yield* audit.countRefused(refused("2026-07-01T09:00:00.000Z"))
        yield* audit.countRefused(refused("2026-07-01T09:10:00.000+02:00", { route: "/api/uploads/" }))
        const page = { limit: 10, offset: 0 }
        return {
          all: yield* audit.listRefused({}, page),
          window: yield* audit.listRefused(
            { createdAfter: "2026-07-01T08:00:00Z", createdBefore: "2026-07-01T09:00:00Z" },
            page,
          ),
        }
      }),
    )
    expect(result.all.items).toEqual([
      {
        hour: "2026-07-01T09:00:00.000Z",
        method: "POST",
        route: "/api/auth/login/",
        status: 401,
        count: 1,
        lastAt: "2026-07-01T09:00:00.000Z",
      },
      {
        hour: "2026-07-01T08:00:00.000Z",
        method: "POST",
        route: "/api/auth/login/",
        status: 401,
        count: 3,
        lastAt: "2026-07-01T08:59:00.000Z",
      },
      {
        hour: "2026-07-01T08:00:00.000Z",
        method: "POST",
        route: "/api/auth/login/",
        status: 429,
        count: 1,
        lastAt: "2026-07-01T08:30:00.000Z",
      },
      {
        hour: "2026-07-01T07:00:00.000Z",
        method: "POST",
        route: "/api/uploads/",
        status: 401,
        count: 1,
        lastAt: "2026-07-01T07:10:00.000Z",
      },
    ])
    expect(result.window.count).toBe(2)
  })

  it("tells a live process from a stopped one by its beats and its interval", async () => {
    const result = await run(
      Effect.gen(function* () {
        const heartbeats = yield* HeartbeatsRepo
        const sql = yield* SqlClient.SqlClient
        const before = yield* heartbeats.liveness("mailer")
        const beat = { workerId: "host:1:mailer", kind: "mailer" as const, host: "host", pid: 1, everyMs: 1000 }
        yield* heartbeats.beat(beat)
        const fresh = yield* heartbeats.liveness("mailer")
        yield* sql`UPDATE worker_heartbeats SET beat_at = now() - interval '4 seconds'`
        const stale = yield* heartbeats.liveness("mailer")
        yield* heartbeats.beat(beat)
        const again = yield* heartbeats.liveness("mailer")
        const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM worker_heartbeats`
        const other = yield* heartbeats.liveness("scheduler")
        return { before, fresh, stale, again, rows: rows[0]!.n, other }
      }),
    )
    expect(result.before).toEqual({ lastBeat: null, alive: false })
    expect(result.fresh.alive).toBe(true)
    expect(result.stale.alive).toBe(false)
    expect(Date.parse(result.stale.lastBeat!)).toBeLessThan(Date.parse(result.fresh.lastBeat!))
    expect(result.again.alive).toBe(true)
    expect(result.rows).toBe(1)
    expect(result.other).toEqual({ lastBeat: null, alive: false })
  })

  it("lists each live loop of a kind (freshest first) and leaves out stale ones and other kinds", async () => {
    const result = await run(
      Effect.gen(function* () {
        const heartbeats = yield* HeartbeatsRepo
        const sql = yield* SqlClient.SqlClient
        const loop = (workerId: string, host: string, pid: number) =>
          heartbeats.beat({ workerId, kind: "worker", host, pid, everyMs: 10_000 })
        yield* loop("a:1:x/1", "a", 1)
        yield* loop("a:1:x/2", "a", 1)
        yield* loop("b:7:y", "b", 7)
        yield* heartbeats.beat({ workerId: "c:2:scheduler", kind: "scheduler", host: "c", pid: 2, everyMs: 15_000 })
        // b stopped a minute ago; a/2 beat a second ago
        yield* sql`UPDATE worker_heartbeats SET beat_at = now() - interval '60 seconds' WHERE worker_id = 'b:7:y'`
        yield* sql`UPDATE worker_heartbeats SET beat_at = now() - interval '1 second' WHERE worker_id = 'a:1:x/2'`
        return {
          workers: yield* heartbeats.live("worker"),
          schedulers: yield* heartbeats.live("scheduler"),
          one: yield* heartbeats.live("worker", 1),
        }
      }),
    )
    expect(result.workers.map((w) => w.workerId)).toEqual(["a:1:x/1", "a:1:x/2"])
    expect(result.workers[0]).toEqual({
      workerId: "a:1:x/1",
      host: "a",
      pid: 1,
      lastBeat: expect.any(String),
      ageMs: expect.any(Number),
      everyMs: 10_000,
    })
    expect(result.workers[1]!.ageMs).toBeGreaterThanOrEqual(1000)
    expect(result.workers[1]!.ageMs).toBeGreaterThanOrEqual(result.workers[0]!.ageMs)
    expect(result.schedulers.map((s) => [s.workerId, s.host, s.everyMs])).toEqual([["c:2:scheduler", "c", 15_000]])
    expect(result.one).toHaveLength(1)
  })
})
