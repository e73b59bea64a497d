/**
 * The operations area over HTTP on both databases: schedules with their role rules and cron
 * check, triggering a run (the run and its work item stored together), the job runs list,
 * department sources and their records, health with heartbeats, and the audit log.
 */
import { JobRunsRepo, JobsRepo, StoreError, triggerJob, WorkQueue } from "@batchops/core"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { beat } from "../../src/Heartbeats.js"
import { type Backend, startApi, type TestApi } from "./harness.js"

type Account = { user: { id: string }; token: string }

describe.each<Backend>(["pglite", "postgres"])("operations on %s", (backend) => {
  let api: TestApi
  let admin: Account
  let moderator: Account
  let user: Account

  const sql = <A extends object>(run: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
    api.server.run(
      Effect.gen(function* () {
        return yield* run(yield* SqlClient.SqlClient)
      }),
    )

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
    moderator = await api.account("moderator")
    user = await api.account("user")
  }, 60_000)
  afterAll(() => api?.close())

  describe("schedules", () => {
    it("lists the seeded jobs to every role and shows one", async () => {
      for (const who of [admin, moderator, user]) {
        const list = await api.call("/api/jobs/?page_size=100", { token: who.token })
        expect(list.status).toBe(200)
        expect(list.json.count).toBeGreaterThanOrEqual(10)
        expect(list.json.results.map((job: { id: string }) => job.id)).toContain("job_purge_old_records")
      }
      const one = await api.call("/api/jobs/job_purge_old_records/", { token: user.token })
      expect(one.status).toBe(200)
      expect(one.json).toEqual({
        id: "job_purge_old_records",
        name: "Purge old records",
        automation: "purge_old_records",
        cron: "30 3 * * 0",
        timezone: "UTC",
        enabled: true,
        params: { olderThanDays: 365 },
        misfire_policy: "coalesce_once",
        max_lateness_ms: 3_600_000,
        skip_dates: [],
        allow_overlap: false,
        run_by_hand: "admin",
        // seeded jobs get their next tick from the scheduler's first pass (none runs here)
        next_run_at: null,
        next_runs: expect.any(Array),
        description: expect.stringContaining("03:30"),
        last_run: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      })
      expect((await api.call("/api/jobs/nope/", { token: user.token })).status).toBe(404)
      expect((await api.call("/api/jobs/")).status).toBe(401)
    })

    it("lets only admins create, change and delete a job", async () => {
      const body = { name: `Weekly purge ${backend}`, automation: "purge_old_records", cron: "0  4 * * *" }
      for (const who of [moderator, user]) {
        expect((await api.call("/api/jobs/", { method: "POST", token: who.token, json: body })).status).toBe(403)
      }
      const created = await api.call("/api/jobs/", { method: "POST", token: admin.token, json: body })
      expect(created.status).toBe(201)
      expect(created.json).toMatchObject({ ...body, cron: "0 4 * * *", enabled: true, params: {} })
      const id = created.json.id as string

      const again = await api.call("/api/jobs/", { method: "POST", token: admin.token, json: body })
      expect(again.status).toBe(409)
      expect(again.json.error).toContain("already exists")

      const change = { enabled: false, params: { older_than_days: 30, dry_run: true } }
      for (const who of [moderator, user]) {
        const refused = await api.call(`/api/jobs/${id}/`, { method: "PATCH", token: who.token, json: change })
        expect(refused.status).toBe(403)
        expect((await api.call(`/api/jobs/${id}/`, { method: "DELETE", token: who.token })).status).toBe(403)
      }
      const changed = await api.call(`/api/jobs/${id}/`, { method: "PATCH", token: admin.token, json: change })
      expect(changed.status).toBe(200)
      expect(changed.json).toMatchObject({ ...body, cron: "0 4 * * *", ...change })
      const taken = await api.call(`/api/jobs/${id}/`, {
        method: "PATCH",
        token: admin.token,
        json: { name: "Purge old records" },
      })
      expect(taken.status).toBe(409)
      const missing = await api.call("/api/jobs/nope/", { method: "PATCH", token: admin.token, json: change })
      expect(missing.status).toBe(404)

      expect((await api.call(`/api/jobs/${id}/`, { method: "DELETE", token: admin.token })).status).toBe(204)
      expect((await api.call(`/api/jobs/${id}/`, { token: admin.token })).status).toBe(404)
      expect((await api.call(`/api/jobs/${id}/`, { method: "DELETE", token: admin.token })).status).toBe(404)
    })

    it("refuses an invalid cron with a 400 naming cron", async () => {
      for (const cron of ["0 7 * *", "0 0 7 * * *", "61 * * * *", "every day"]) {
        const reply = await api.call("/api/jobs/", {
          method: "POST",
          token: admin.token,
          json: { name: `Bad ${cron}`, automation: "purge_old_records", cron },
        })
        expect(reply.status).toBe(400)
        expect(reply.json.error).toContain("cron")
        expect(reply.json.fields.map((field: { path: string }) => field.path)).toContain("cron")
      }
      const patch = await api.call("/api/jobs/job_run_daily_backup/", {
        method: "PATCH",
        token: admin.token,
        json: { cron: "* * * * * * *" },
      })
      expect(patch.status).toBe(400)
      expect(patch.json.fields[0].path).toBe("cron")
      expect(patch.json.error).toContain("five fields")
      const unknown = await api.call("/api/jobs/", {
        method: "POST",
        token: admin.token,
        json: { name: "x", automation: "purge_old_records", cron: "* * * * *", color: "red" },
      })
      expect(unknown.status).toBe(400)
    })

    it("lets every role trigger a job its automation opens to all: the run and its work item are stored together", async () => {
      for (const who of [admin, moderator, user]) {
        const reply = await api.call("/api/jobs/job_run_web_scrape/trigger/", { method: "POST", token: who.token })
        expect(reply.status, reply.text).toBe(202)
        expect(reply.json).toMatchObject({
          job_id: "job_run_web_scrape",
          automation: "run_web_scrape",
          status: "queued",
          trigger: "manual",
          requested_by: who.user.id,
          started_at: null,
          finished_at: null,
          duration_ms: null,
          error: null,
          steps: [],
          details: {},
          logs: [],
        })
        const items = await sql<{ payload: { jobRunId: string; jobId: string }; status: string }>(
          (db) =>
            db`SELECT payload, status FROM work_queue WHERE kind = 'run_job' AND payload->>'jobRunId' = ${reply.json.id}`,
        )
        expect(items).toEqual([{ payload: { jobRunId: reply.json.id, jobId: "job_run_web_scrape" }, status: "queued" }])
        // the run is over before the next person asks (a queued run refuses another)
        await sql((db) => db`UPDATE job_runs SET status = 'succeeded', finished_at = now() WHERE id = ${reply.json.id}`)
      }
      const missing = await api.call("/api/jobs/nope/trigger/", { method: "POST", token: user.token })
      expect(missing.status).toBe(404)
    })

    it("stores no run when its work item cannot be queued", async () => {
      const count = async () =>
        (
          await sql<{ n: number }>(
            (db) => db`SELECT count(*)::int AS n FROM job_runs WHERE job_id = 'job_run_daily_backup'`,
          )
        )[0]!.n
      const before = await count()
      const failure = await api.server.run(
        Effect.gen(function* () {
          const jobs = yield* JobsRepo
          const job = Option.getOrThrow(yield* jobs.get("job_run_daily_backup"))
          const queue = yield* WorkQueue
          return yield* triggerJob(job, null).pipe(
            Effect.provideService(WorkQueue, {
              ...queue,
              enqueue: () => Effect.fail(new StoreError({ message: "the queue is full" })),
            }),
            Effect.flip,
          )
        }),
      )
      expect(failure.message).toBe("the queue is full")
      expect(await count()).toBe(before)
    })
  })

  describe("job runs", () => {
    let runs: ReadonlyArray<string>

    beforeAll(async () => {
      const sqlRows = await sql<{ id: string }>(
        (
          db,
        ) => db`INSERT INTO job_runs (id, job_id, automation, status, trigger, details, logs, started_at, finished_at, created_at)
          VALUES
            ('run_a', 'job_ingest_library', 'ingest_department', 'succeeded', 'schedule', '{"records": 2}', '["fetched 2", "stored 2"]',
              '2026-03-01T06:10:00Z', '2026-03-01T06:11:00Z', '2026-03-01T06:10:00Z'),
            ('run_b', 'job_ingest_library', 'ingest_department', 'failed', 'schedule', '{}', '["timeout"]',
              '2026-03-02T06:10:00Z', '2026-03-02T06:12:00Z', '2026-03-02T06:10:00Z'),
            ('run_c', 'job_run_daily_backup', 'run_daily_backup', 'succeeded', 'schedule', '{}', '[]',
              '2026-03-03T02:00:00Z', '2026-03-03T02:05:00Z', '2026-03-03T02:00:00Z')
          RETURNING id`,
      )
      runs = sqlRows.map((row) => row.id)
    })

    it("lists runs newest first, filtered and paginated, to every role", async () => {
      expect(runs).toHaveLength(3)
      const march = "created_after=2026-03-01&created_before=2026-03-04"
      const all = await api.call(`/api/job-runs/?${march}`, { token: user.token })
      expect(all.status).toBe(200)
      expect(all.json.count).toBe(3)
      expect(all.json.results.map((run: { id: string }) => run.id)).toEqual(["run_c", "run_b", "run_a"])
      expect(all.json.results[0]).toEqual({
        id: "run_c",
        job_id: "job_run_daily_backup",
        automation: "run_daily_backup",
        status: "succeeded",
        trigger: "schedule",
        requested_by: null,
        started_at: "2026-03-03T02:00:00.000Z",
        finished_at: "2026-03-03T02:05:00.000Z",
        duration_ms: null,
        error: null,
        created_at: "2026-03-03T02:00:00.000Z",
      })

      const first = await api.call(`/api/job-runs/?${march}&page_size=2`, { token: moderator.token })
      expect(first.json.results.map((run: { id: string }) => run.id)).toEqual(["run_c", "run_b"])
      expect(first.json.next).toContain("page=2")
      const second = await api.call(first.json.next, { token: moderator.token })
      expect(second.json.results.map((run: { id: string }) => run.id)).toEqual(["run_a"])
      expect(second.json.next).toBeNull()

      const ids = async (query: string) =>
        (await api.call(`/api/job-runs/?${query}`, { token: user.token })).json.results.map(
          (run: { id: string }) => run.id,
        )
      expect(await ids(`${march}&job_id=job_ingest_library`)).toEqual(["run_b", "run_a"])
      expect(await ids(`${march}&job=job_ingest_library`)).toEqual(["run_b", "run_a"])
      expect(await ids(`${march}&job=job_ingest_library&status=failed`)).toEqual(["run_b"])
      const both = await api.call("/api/job-runs/?job=job_ingest_library&job_id=job_run_daily_backup", {
        token: user.token,
      })
      expect(both.status).toBe(400)
      expect(both.json.error).toContain("job and job_id name different jobs")
      expect(await ids(`${march}&status=failed`)).toEqual(["run_b"])
      expect(await ids(`${march}&automation=run_daily_backup`)).toEqual(["run_c"])
      expect(await ids("created_after=2026-03-02T00:00:00Z&created_before=2026-03-03")).toEqual(["run_b"])

      const bad = await api.call("/api/job-runs/?status=done&created_after=yesterday", { token: user.token })
      expect(bad.status).toBe(400)
      expect(bad.json.fields.map((field: { path: string }) => field.path).sort()).toEqual(["created_after", "status"])
    })

    it("shows one run with its details and logs", async () => {
      const one = await api.call("/api/job-runs/run_a/", { token: user.token })
      expect(one.status).toBe(200)
      expect(one.json).toMatchObject({ id: "run_a", details: { records: 2 }, logs: ["fetched 2", "stored 2"] })
      expect((await api.call("/api/job-runs/nope/", { token: user.token })).status).toBe(404)
      const stored = await api.server.run(
        Effect.gen(function* () {
          return yield* (yield* JobRunsRepo).get("run_b")
        }),
      )
      expect(Option.getOrThrow(stored).logs).toEqual(["timeout"])
    })
  })

  describe("department sources", () => {
    it("lists the seeded sources and their records, newest first, to every role", async () => {
      const list = await api.call("/api/department-sources/", { token: user.token })
      expect(list.status).toBe(200)
      expect(list.json.results.map((source: { id: string }) => source.id)).toEqual(
        expect.arrayContaining(["src_admissions", "src_library", "src_facilities"]),
      )
      const one = await api.call("/api/department-sources/src_admissions/", { token: moderator.token })
      expect(one.json).toEqual({
        id: "src_admissions",
        name: "Admissions applications",
        code: "ADM",
        department: "admissions",
        kind: "simulated",
        settings: { feed: "admissions" },
        enabled: true,
      })
      const records = await api.call("/api/department-sources/src_admissions/records/", { token: user.token })
      expect(records.status).toBe(200)
      expect(records.json.count).toBe(2)
      expect(records.json.results).toEqual([
        {
          id: "rec_admissions_2",
          source_id: "src_admissions",
          kind: "application",
          key: "A-1002",
          payload: { applicant: "A-1002", program: "Arts", status: "accepted" },
          recorded_at: "2026-01-06T10:30:00.000Z",
        },
        expect.objectContaining({ id: "rec_admissions_1" }),
      ])
      const paged = await api.call("/api/department-sources/src_admissions/records/?page=2&page_size=1", {
        token: user.token,
      })
      expect(paged.json.results.map((record: { id: string }) => record.id)).toEqual(["rec_admissions_1"])
      expect(paged.json.previous).toContain("page=1")
      const ofKind = await api.call("/api/department-sources/src_admissions/records/?kind=loan", { token: user.token })
      expect(ofKind.json.count).toBe(0)
      expect((await api.call("/api/department-sources/nope/records/", { token: user.token })).status).toBe(404)
      expect((await api.call("/api/department-sources/nope/", { token: user.token })).status).toBe(404)
    })

    it("lets only admins add, change and remove a source (its records go with it)", async () => {
      const body = {
        name: `Sports results ${backend}`,
        code: "SPORT",
        department: "sports",
        kind: "directory",
        settings: { path: "sports" },
      }
      for (const who of [moderator, user]) {
        const refused = await api.call("/api/department-sources/", { method: "POST", token: who.token, json: body })
        expect(refused.status).toBe(403)
      }
      const created = await api.call("/api/department-sources/", { method: "POST", token: admin.token, json: body })
      expect(created.status).toBe(201)
      expect(created.json).toMatchObject({ ...body, enabled: true })
      const id = created.json.id as string
      expect(
        (await api.call("/api/department-sources/", { method: "POST", token: admin.token, json: body })).status,
      ).toBe(409)
      const blank = await api.call("/api/department-sources/", {
        method: "POST",
        token: admin.token,
        json: { ...body, name: "  " },
      })
      expect(blank.status).toBe(400)
      expect(blank.json.fields[0].path).toBe("name")
      const sameCode = await api.call("/api/department-sources/", {
        method: "POST",
        token: admin.token,
        json: { ...body, name: "Sports fixtures" },
      })
      expect(sameCode.status).toBe(409)
      expect(sameCode.json.error).toContain('code "SPORT"')
      const badKind = await api.call("/api/department-sources/", {
        method: "POST",
        token: admin.token,
        json: { ...body, name: "Sports feed", code: "SPF", kind: "ftp" },
      })
      expect(badKind.status).toBe(400)
      expect(badKind.json.fields[0].path).toBe("kind")
      const escaping = await api.call("/api/department-sources/", {
        method: "POST",
        token: admin.token,
        json: { ...body, name: "Sports feed", code: "SPF", settings: { path: "../../etc" } },
      })
      expect(escaping.status).toBe(400)
      expect(escaping.json.error).toContain("settings.path: must not leave the inbox folder")

      for (const who of [moderator, user]) {
        const patch = { method: "PATCH", token: who.token, json: { enabled: false } }
        expect((await api.call(`/api/department-sources/${id}/`, patch)).status).toBe(403)
        expect((await api.call(`/api/department-sources/${id}/`, { method: "DELETE", token: who.token })).status).toBe(
          403,
        )
      }
      const changed = await api.call(`/api/department-sources/${id}/`, {
        method: "PATCH",
        token: admin.token,
        json: { enabled: false, kind: "url", settings: { url: "https://sports.example.edu/results" } },
      })
      expect(changed.status).toBe(200)
      expect(changed.json).toMatchObject({
        ...body,
        kind: "url",
        settings: { url: "https://sports.example.edu/results" },
        enabled: false,
      })
      // a kind whose settings the source does not have is refused, naming the setting
      const mismatch = await api.call(`/api/department-sources/${id}/`, {
        method: "PATCH",
        token: admin.token,
        json: { kind: "directory" },
      })
      expect(mismatch.status).toBe(400)
      expect(mismatch.json.error).toContain("settings.path")

      await sql(
        (db) =>
          db`INSERT INTO department_records (source_id, kind, key, payload) VALUES (${id}, 'score', 'k1', '{"score": 3}')`,
      )
      const records = await api.call(`/api/department-sources/${id}/records/`, { token: user.token })
      expect(records.json.results.map((record: { payload: unknown }) => record.payload)).toEqual([{ score: 3 }])

      expect((await api.call(`/api/department-sources/${id}/`, { method: "DELETE", token: admin.token })).status).toBe(
        204,
      )
      const left = await sql<{ n: number }>(
        (db) => db`SELECT count(*)::int AS n FROM department_records WHERE source_id = ${id}`,
      )
      expect(left[0]!.n).toBe(0)
      expect((await api.call(`/api/department-sources/${id}/`, { token: admin.token })).status).toBe(404)
    })
  })

  describe("health", () => {
    it("tells anyone, and any account but an admin's, only whether BatchOps is up", async () => {
      await api.server.run(Effect.all([beat("worker"), beat("scheduler", { everyMs: 60_000 })]))
      for (const token of [undefined, user.token, moderator.token]) {
        const reply = await api.call("/api/health/", { token })
        expect(reply.status).toBe(200)
        expect(reply.json).toEqual({ status: "up" })
        expect(reply.headers.get("cache-control")).toBe("no-store")
      }
    })

    it("gives an admin the database, queue, heartbeats, mail and disk", async () => {
      await api.server.run(Effect.all([beat("worker"), beat("scheduler", { everyMs: 60_000 })]))
      const reply = await api.call("/api/health/", { token: admin.token })
      expect(reply.status).toBe(200)
      expect(reply.json).toEqual({
        status: "ok",
        database: { ok: true, latency_ms: expect.any(Number) },
        queue: { queued: expect.any(Number), running: 0, failed: 0, expired: 0 },
        worker: {
          last_beat: expect.any(String),
          ok: true,
          live: expect.arrayContaining([expect.objectContaining({ pid: process.pid })]),
        },
        scheduler: {
          last_beat: expect.any(String),
          ok: true,
          live: expect.arrayContaining([expect.objectContaining({ pid: process.pid })]),
        },
        mail: { configured: false },
        disk: { free_bytes: expect.any(Number), ok: true },
      })
      expect(Date.now() - Date.parse(reply.json.worker.last_beat)).toBeLessThan(60_000)
      expect(reply.json.disk.free_bytes).toBeGreaterThan(0)
      expect(reply.text).not.toMatch(/postgres:\/\/|password|DATABASE_URL/i)
    })

    it("reports a stale heartbeat as not ok, and the status as degraded", async () => {
      await sql((db) => db`UPDATE worker_heartbeats SET beat_at = now() - interval '31 seconds' WHERE kind = 'worker'`)
      const reply = await api.call("/api/health/", { token: admin.token })
      expect(reply.status).toBe(200)
      expect(reply.json.status).toBe("degraded")
      expect(reply.json.worker.ok).toBe(false)
      expect(reply.json.worker.last_beat).not.toBeNull()
      // the scheduler beats every minute: 31 seconds is still fresh for it
      await sql((db) => db`UPDATE worker_heartbeats SET beat_at = now() - interval '31 seconds'`)
      expect((await api.call("/api/health/", { token: admin.token })).json.scheduler.ok).toBe(true)
      await api.server.run(beat("worker"))
      expect((await api.call("/api/health/", { token: admin.token })).json.status).toBe("ok")
    })
  })

  describe("audit log", () => {
    it("records a state-changing request with actor, route, status, record and address", async () => {
      const trigger = await api.call("/api/jobs/job_send_system_status_digest/trigger/", {
        method: "POST",
        token: moderator.token,
      })
      expect(trigger.status).toBe(202)
      const reply = await api.call(`/api/audit/?record_type=job_run&record_id=${trigger.json.id}`, {
        token: admin.token,
      })
      expect(reply.status).toBe(200)
      expect(reply.json.count).toBe(1)
      expect(reply.json.results[0]).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        actor_id: moderator.user.id,
        method: "POST",
        route: "/api/jobs/:id/trigger/",
        status: 202,
        record_type: "job_run",
        record_id: trigger.json.id,
        detail: "queued a manual run of job job_send_system_status_digest",
        ip: expect.stringMatching(/127\.0\.0\.1/),
        request_id: trigger.headers.get("x-request-id"),
      })
    })

    it("counts requests refused without an account per hour, route and status: 200 of them write no entry", async () => {
      const entries = async () => (await sql<{ n: number }>((db) => db`SELECT count(*)::int AS n FROM audit_log`))[0]!.n
      const before = await entries()
      const answers: Array<number> = []
      for (let i = 0; i < 190; i++) {
        answers.push((await api.call("/api/uploads/nope/retry/", { method: "POST", json: {} })).status)
      }
      for (let i = 0; i < 10; i++) {
        const login = await api.call("/api/auth/login/", {
          method: "POST",
          json: { email: `nobody-${backend}@school.test`, password: "not the password" },
        })
        answers.push(login.status)
      }
      expect(answers.filter((status) => status >= 400 && status < 500)).toHaveLength(200)
      expect(await entries()).toBe(before)

      const reply = await api.call("/api/audit/refused/?page_size=200", { token: admin.token })
      expect(reply.status).toBe(200)
      const counted = (route: string) =>
        reply.json.results
          .filter((row: { route: string }) => row.route === route)
          .reduce((sum: number, row: { count: number }) => sum + row.count, 0)
      expect(counted("/api/uploads/:id/retry/")).toBe(190)
      expect(counted("/api/auth/login/")).toBe(10)
      expect(reply.json.results[0]).toEqual({
        hour: expect.stringMatching(/T\d\d:00:00\.000Z$/),
        method: "POST",
        route: expect.any(String),
        status: expect.any(Number),
        count: expect.any(Number),
        last_at: expect.any(String),
      })
      expect(JSON.stringify(reply.json)).not.toContain("not the password")
      expect((await api.call("/api/audit/refused/", { token: moderator.token })).status).toBe(403)
      expect((await api.call("/api/audit/refused/")).status).toBe(401)
    })

    it("records refusals too, lists newest first with filters, and is for admins only", async () => {
      const refused = await api.call("/api/jobs/", {
        method: "POST",
        token: user.token,
        json: { name: "x", automation: "x", cron: "* * * * *" },
      })
      expect(refused.status).toBe(403)
      const mine = await api.call(`/api/audit/?actor_id=${user.user.id}`, { token: admin.token })
      expect(mine.json.results[0]).toMatchObject({
        method: "POST",
        route: "/api/jobs/",
        status: 403,
        record_type: null,
      })
      const times = mine.json.results.map((entry: { at: string }) => Date.parse(entry.at))
      expect([...times].sort((a, b) => b - a)).toEqual(times)

      const posts = await api.call("/api/audit/?method=POST&page_size=1", { token: admin.token })
      expect(posts.json.results).toHaveLength(1)
      expect(posts.json.count).toBeGreaterThan(1)
      const future = await api.call("/api/audit/?created_after=2999-01-01", { token: admin.token })
      expect(future.json.count).toBe(0)
      const past = await api.call("/api/audit/?created_before=2000-01-01", { token: admin.token })
      expect(past.json.count).toBe(0)

      for (const who of [moderator, user]) {
        expect((await api.call("/api/audit/", { token: who.token })).status).toBe(403)
      }
      expect((await api.call("/api/audit/")).status).toBe(401)
    })
  })
})
