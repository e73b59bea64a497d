/**
 * Running jobs by hand over HTTP on both databases: only the roles an automation names may
 * (backups and the purge are admins'); a disabled job is refused with its reason; a job with a
 * run queued or going is not queued again, also when several ask at the same moment; each
 * person starts a limited number of runs a minute (429 with Retry-After). And the job runs
 * shown to anyone but an admin carry none of the server's paths.
 */

import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

type Account = { user: { id: string }; token: string }

describe.each<Backend>(["pglite", "postgres"])("running jobs by hand on %s", (backend) => {
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
  const trigger = (job: string, who: Account) =>
    api.call(`/api/jobs/${job}/trigger/`, { method: "POST", token: who.token })
  /** ends every queued or running run, as a runner would (no runner runs in these tests) */
  const settle = () =>
    sql((db) => db`UPDATE job_runs SET status = 'succeeded', finished_at = now() WHERE status IN ('queued', 'running')`)

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
    moderator = await api.account("moderator")
    user = await api.account("user")
  }, 60_000)
  afterAll(() => api?.close())

  it("lets only the roles an automation names run its jobs by hand: backups and the purge are admins'", async () => {
    const expected: ReadonlyArray<[string, "any" | "moderator" | "admin"]> = [
      ["job_run_daily_backup", "admin"],
      ["job_purge_old_records", "admin"],
      ["job_send_system_status_digest", "moderator"],
      ["job_send_attendance_reminders", "moderator"],
      ["job_ingest_library", "any"],
    ]
    for (const [job, access] of expected) {
      expect((await api.call(`/api/jobs/${job}/`, { token: user.token })).json.run_by_hand).toBe(access)
      for (const [who, role] of [
        [user, "user"],
        [moderator, "moderator"],
        [admin, "admin"],
      ] as const) {
        const allowed = access === "any" || role === "admin" || (access === "moderator" && role === "moderator")
        const reply = await trigger(job, who)
        expect(reply.status, `${role} ${job}: ${reply.text}`).toBe(allowed ? 202 : 403)
        if (!allowed) expect(reply.json.error).toMatch(/^only (admins|admins and moderators) may run ".+" by hand$/)
        await settle()
      }
    }
    const automations = await api.call("/api/automations/", { token: user.token })
    const byKey = Object.fromEntries(
      automations.json.map((automation: { key: string; run_by_hand: string }) => [
        automation.key,
        automation.run_by_hand,
      ]),
    )
    expect(byKey).toMatchObject({ run_daily_backup: "admin", purge_old_records: "admin", run_web_scrape: "any" })
    const backups = await sql<{ n: number }>(
      (db) =>
        db`SELECT count(*)::int AS n FROM job_runs WHERE job_id = 'job_run_daily_backup' AND requested_by <> ${admin.user.id}`,
    )
    expect(backups[0]!.n).toBe(0)
  })

  it("refuses a disabled job with the reason, for every role", async () => {
    const disabled = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Paused ingest ${backend}`, automation: "ingest_department", cron: "0 6 * * *", enabled: false },
    })
    expect(disabled.status, disabled.text).toBe(201)
    for (const who of [user, admin]) {
      const reply = await trigger(disabled.json.id, who)
      expect(reply.status).toBe(409)
      expect(reply.json.error).toBe(
        `"Paused ingest ${backend}" is disabled, so it does not run; an admin can enable it first`,
      )
    }
    const runs = await sql<{ n: number }>(
      (db) => db`SELECT count(*)::int AS n FROM job_runs WHERE job_id = ${disabled.json.id}`,
    )
    expect(runs[0]!.n).toBe(0)
  })

  it("does not queue a job again while a run of it is queued or going, also when many ask at once", async () => {
    // accounts of their own: the earlier tests' runs count towards the per-minute limit
    const [one, other, boss] = [await api.account("user"), await api.account("moderator"), await api.account("admin")]
    const first = await trigger("job_ingest_admissions", one)
    expect(first.status).toBe(202)
    const queued = await trigger("job_ingest_admissions", other)
    expect(queued.status).toBe(409)
    expect(queued.json.error).toBe(
      'a run of "Ingest admissions" is queued to run; wait for it to finish, then run it again',
    )
    await sql((db) => db`UPDATE job_runs SET status = 'running', started_at = now() WHERE id = ${first.json.id}`)
    const running = await trigger("job_ingest_admissions", boss)
    expect(running.status).toBe(409)
    expect(running.json.error).toContain("is running now")
    await settle()

    // five people at the same moment: one run
    const people = [one, other, boss, await api.account("user"), await api.account("user")]
    const replies = await Promise.all(people.map((who) => trigger("job_ingest_facilities", who)))
    expect(replies.map((reply) => reply.status).sort()).toEqual([202, 409, 409, 409, 409])
    const runs = await sql<{ n: number }>(
      (db) => db`SELECT count(*)::int AS n FROM job_runs WHERE job_id = 'job_ingest_facilities'`,
    )
    expect(runs[0]!.n).toBe(1)
    await settle()
  })

  it("limits how many runs one person starts a minute: 429 with Retry-After", async () => {
    const busy = await api.account("user")
    const jobs = [
      "job_ingest_library",
      "job_ingest_all_departments",
      "job_ingest_attendance",
      "job_schedule_file_ingest",
      "job_run_web_scrape",
    ]
    for (const job of jobs) expect((await trigger(job, busy)).status).toBe(202)
    const over = await trigger("job_ingest_admissions", busy)
    expect(over.status).toBe(429)
    expect(over.json.error).toBe(
      "you have asked to run jobs 5 times within a minute, the most one account may: try again in a minute",
    )
    const wait = Number(over.headers.get("retry-after"))
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(60)
    // someone else is not held back by it
    await settle()
    expect((await trigger("job_ingest_admissions", await api.account("user"))).status).toBe(202)
    await settle()
  })

  it("shows job runs without the server's paths to everyone but admins", async () => {
    const backups = `${api.dataDir}/backups`
    const file = `${backups}/batchops-pglite-20260301T020000000Z.backup`
    const details = JSON.stringify({ result: { path: file, kept: 1 }, source: "/etc/batchops/secret.env" })
    const steps = JSON.stringify([{ name: "backup", at: "2026-03-01T02:00:01.000Z", details: { into: backups } }])
    const logs = JSON.stringify([`backing up the database into ${backups} (by hand)`, `wrote ${file}`])
    const error = `cannot delete the old backup: EACCES: permission denied, unlink '${file}'`
    await sql(
      (db) => db`INSERT INTO job_runs (id, job_id, automation, status, trigger, details, steps, logs, error, created_at)
        VALUES ('run_paths', 'job_run_daily_backup', 'run_daily_backup', 'failed', 'schedule',
          ${details}::jsonb, ${steps}::jsonb, ${logs}::jsonb, ${error}, '2026-03-01T02:00:00Z')`,
    )
    for (const who of [user, moderator]) {
      const one = await api.call("/api/job-runs/run_paths/", { token: who.token })
      expect(one.status).toBe(200)
      expect(one.text).not.toContain(api.dataDir)
      expect(one.text).not.toContain("/etc/")
      expect(one.json.details).toEqual({
        result: { path: "<backup folder>/batchops-pglite-20260301T020000000Z.backup", kept: 1 },
        source: "…/secret.env",
      })
      expect(one.json.steps[0].details).toEqual({ into: "<backup folder>" })
      expect(one.json.logs).toEqual([
        "backing up the database into <backup folder> (by hand)",
        "wrote <backup folder>/batchops-pglite-20260301T020000000Z.backup",
      ])
      expect(one.json.error).toBe(
        "cannot delete the old backup: EACCES: permission denied, unlink '<backup folder>/batchops-pglite-20260301T020000000Z.backup'",
      )
      const listed = await api.call("/api/job-runs/?job=job_run_daily_backup&status=failed", { token: who.token })
      expect(listed.text).not.toContain(api.dataDir)
    }
    const forAdmin = await api.call("/api/job-runs/run_paths/", { token: admin.token })
    expect(forAdmin.json.error).toBe(error)
    expect(forAdmin.json.details.result.path).toBe(file)
  })
})
