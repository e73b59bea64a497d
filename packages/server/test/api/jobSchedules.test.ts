/**
 * A job's schedule over HTTP on both databases: the JSON says when the job runs next (the
 * stored next tick and the next five), in words, and how its last run went; saving checks the
 * cron, the time zone and the skip dates by the scheduling rules (400 naming the field) and
 * registers the new schedule at once, without a restart.
 */

import { schedulerTick } from "@batchops/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { schedulerLayer } from "../../src/Scheduler.js"
import { type Backend, startApi, type TestApi } from "./harness.js"

type Account = { user: { id: string }; token: string }

const HOUR = 60 * 60 * 1000

describe.each<Backend>(["pglite", "postgres"])("job schedules on %s", (backend) => {
  let api: TestApi
  let admin: Account

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
  }, 60_000)
  afterAll(() => api?.close())

  it("shows the schedule's fields, its next ticks, its words and its last run", async () => {
    const created = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: {
        name: `Morning purge ${backend}`,
        automation: "purge_old_records",
        cron: "30 7 * * 1-5",
        timezone: "America/Chicago",
        misfire_policy: "run_all",
        max_lateness_ms: 600_000,
        skip_dates: ["2099-12-25", "2099-01-01", "2099-12-25"],
      },
    })
    expect(created.status).toBe(201)
    const job = created.json
    expect(job).toMatchObject({
      cron: "30 7 * * 1-5",
      timezone: "America/Chicago",
      enabled: true,
      misfire_policy: "run_all",
      max_lateness_ms: 600_000,
      skip_dates: ["2099-01-01", "2099-12-25"],
      last_run: null,
    })
    expect(job.description).toContain("07:30")
    expect(job.description).toContain("America/Chicago")
    expect(job.next_runs).toHaveLength(5)
    // registered at once: the stored next tick is the first of the next five
    expect(job.next_run_at).toBe(job.next_runs[0])
    expect(Date.parse(job.next_run_at)).toBeGreaterThan(Date.now() - 1000)

    const triggered = await api.call(`/api/jobs/${job.id}/trigger/`, { method: "POST", token: admin.token })
    expect(triggered.status).toBe(202)
    const shown = await api.call(`/api/jobs/${job.id}/`, { token: admin.token })
    expect(shown.json.last_run).toMatchObject({ id: triggered.json.id, status: "queued", trigger: "manual" })
    const list = await api.call("/api/jobs/?page_size=100", { token: admin.token })
    const listed = list.json.results.find((item: { id: string }) => item.id === job.id)
    expect(listed.last_run).toMatchObject({ id: triggered.json.id, status: "queued" })
    expect(listed.next_runs).toEqual(job.next_runs)
    const seeded = list.json.results.find((item: { id: string }) => item.id === "job_purge_old_records")
    expect(seeded).toMatchObject({ last_run: null, description: expect.stringContaining("Sunday") })
  })

  it("a changed cron changes next_run_at at once; a disabled job shows no next tick", async () => {
    const created = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Yearly ${backend}`, automation: "purge_old_records", cron: "0 0 1 1 *" },
    })
    const id = created.json.id as string
    const year = new Date().getUTCFullYear()
    expect(created.json.next_run_at).toBe(`${year + 1}-01-01T00:00:00.000Z`)

    const changed = await api.call(`/api/jobs/${id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { cron: "*/5 * * * *" },
    })
    expect(changed.status).toBe(200)
    const next = Date.parse(changed.json.next_run_at)
    expect(next - Date.now()).toBeLessThanOrEqual(5 * 60_000)
    expect(new Date(next).getUTCMinutes() % 5).toBe(0)

    const disabled = await api.call(`/api/jobs/${id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { enabled: false },
    })
    expect(disabled.json).toMatchObject({ enabled: false, next_run_at: null, next_runs: [] })
  })

  it("lets an admin allow a job's runs to overlap, and shows it", async () => {
    const created = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Overlapping ${backend}`, automation: "purge_old_records", cron: "0 4 * * *" },
    })
    expect(created.json.allow_overlap).toBe(false)
    const allowed = await api.call(`/api/jobs/${created.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { allow_overlap: true },
    })
    expect(allowed.status).toBe(200)
    expect(allowed.json.allow_overlap).toBe(true)
    const listed = await api.call("/api/jobs/?page_size=200", { token: admin.token })
    const found = listed.json.results.find((job: { id: string }) => job.id === created.json.id)
    expect(found.allow_overlap).toBe(true)
    const wrong = await api.call(`/api/jobs/${created.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { allow_overlap: "yes" },
    })
    expect(wrong.status).toBe(400)
    expect(wrong.json.fields.map((field: { path: string }) => field.path)).toEqual(["allow_overlap"])
  })

  it("refuses a bad time zone, skip date or misfire policy with a 400 naming the field", async () => {
    const base = { automation: "purge_old_records", cron: "0 7 * * *" }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timezone: "Mars/Olympus" }, "timezone"],
      [{ skip_dates: ["2099-02-30"] }, "skip_dates"],
      [{ skip_dates: ["tomorrow"] }, "skip_dates"],
      [{ misfire_policy: "sometimes" }, "misfire_policy"],
      [{ max_lateness_ms: -1 }, "max_lateness_ms"],
    ]
    for (const [extra, field] of cases) {
      const reply = await api.call("/api/jobs/", {
        method: "POST",
        token: admin.token,
        json: { name: `Bad ${field} ${backend}`, ...base, ...extra },
      })
      expect(reply.status, JSON.stringify(extra)).toBe(400)
      expect(reply.json.fields.map((f: { path: string }) => f.path).join(" ")).toContain(field)
    }
    const patch = await api.call("/api/jobs/job_run_daily_backup/", {
      method: "PATCH",
      token: admin.token,
      json: { timezone: "Nowhere/Town" },
    })
    expect(patch.status).toBe(400)
    expect(patch.json.fields[0].path).toBe("timezone")
    expect(patch.json.error).toContain("timezone")
  })

  it("lists the ticks a job missed while no scheduler ran, newest first", async () => {
    const created = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Hourly digest ${backend}`, automation: "send_system_status_digest", cron: "0 * * * *" },
    })
    expect(created.status).toBe(201)
    const first = Date.parse(created.json.next_run_at)
    const none = await api.call(`/api/jobs/${created.json.id}/missed-ticks/`, { token: admin.token })
    expect(none.json).toEqual({ job_id: created.json.id, misfire_policy: "coalesce_once", results: [] })

    // the scheduler comes back three hours and a minute after the first tick: the last tick
    // runs late (coalesced), the three before it are missed
    await api.server.run(
      schedulerTick({ now: new Date(first + 3 * HOUR + 60_000) }).pipe(Effect.provide(schedulerLayer)),
    )
    const all = await api.call(`/api/jobs/${created.json.id}/missed-ticks/`, { token: admin.token })
    expect(all.json.results).toHaveLength(3)
    const missed = await api.call(`/api/jobs/${created.json.id}/missed-ticks/?limit=2`, { token: admin.token })
    expect(missed.status).toBe(200)
    expect(missed.json.results).toEqual([
      new Date(first + 2 * HOUR).toISOString(),
      new Date(first + HOUR).toISOString(),
    ])
    const bad = await api.call(`/api/jobs/${created.json.id}/missed-ticks/?limit=0`, { token: admin.token })
    expect(bad.status).toBe(400)
    expect((await api.call("/api/jobs/nope/missed-ticks/", { token: admin.token })).status).toBe(404)
  })
})
