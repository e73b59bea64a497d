/**
 * The schedule preview on both databases: a schedule in words and its next five runs before it
 * is saved; refused by the same checks (and with the same words) as saving a job, naming the
 * field; a skip date already past is noted, not refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

const preview = (query: Record<string, string>) => `/api/schedules/preview/?${new URLSearchParams(query)}`

describe.each<Backend>(["pglite", "postgres"])("the schedule preview on %s", (backend) => {
  let api: TestApi
  let user: { token: string }
  let admin: { token: string }

  beforeAll(async () => {
    api = await startApi(backend)
    user = await api.account("user")
    admin = await api.account("admin")
  }, 60_000)
  afterAll(() => api?.close())

  it("says the schedule in words and gives its next five runs in the time zone", async () => {
    const reply = await api.call(preview({ cron: " 30  7 * * 1-5 ", timezone: "America/Chicago" }), {
      token: user.token,
    })
    expect(reply.status).toBe(200)
    expect(reply.json.cron).toBe("30 7 * * 1-5")
    expect(reply.json.timezone).toBe("America/Chicago")
    expect(reply.json.description).toMatch(/07:30/)
    expect(reply.json.next_runs).toHaveLength(5)
    expect(reply.json.problems).toEqual([])
    for (const at of reply.json.next_runs as Array<string>) {
      const when = new Date(at)
      expect(when.getTime()).toBeGreaterThan(Date.now())
      const local = new Intl.DateTimeFormat("en-US", {
        timeZone: "America/Chicago",
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(when)
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 07:30$/)
    }
    const times = (reply.json.next_runs as Array<string>).map((at) => Date.parse(at))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
  })

  it("describes a schedule as the saved job does", async () => {
    const reply = await api.call(preview({ cron: "0 6 * * *", timezone: "UTC" }), { token: user.token })
    const created = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Preview twin ${backend}`, automation: "purge_old_records", cron: "0 6 * * *", timezone: "UTC" },
    })
    expect(created.status).toBe(201)
    expect(reply.json.description).toBe(created.json.description)
    expect(reply.json.next_runs).toEqual(created.json.next_runs)
  })

  it("refuses what saving refuses, with the same words and the field named", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ cron: "0 7 * *" }, "cron"],
      [{ cron: "0 25 * * *" }, "cron"],
      [{ cron: "0 0 30 2 *" }, "cron"],
      [{ cron: "0 7 * * *", timezone: "Mars/Olympus" }, "timezone"],
      [{ cron: "0 7 * * *", skip_dates: "2099-13-01" }, "skip_dates"],
    ]
    for (const [query, field] of cases) {
      const reply = await api.call(preview(query), { token: user.token })
      expect(reply.status, JSON.stringify(query)).toBe(400)
      expect(reply.json.fields.map((f: { path: string }) => f.path)).toContain(field)
      const saved = await api.call("/api/jobs/", {
        method: "POST",
        token: admin.token,
        json: {
          name: `Refused ${field} ${backend}`,
          automation: "purge_old_records",
          cron: query.cron,
          ...(query.timezone ? { timezone: query.timezone } : {}),
          ...(query.skip_dates ? { skip_dates: query.skip_dates.split(",") } : {}),
        },
      })
      expect(saved.status).toBe(400)
      expect(reply.json.fields).toEqual(saved.json.fields)
    }
  })

  it("asks for a cron", async () => {
    const reply = await api.call("/api/schedules/preview/", { token: user.token })
    expect(reply.status).toBe(400)
    expect(reply.json.fields.map((f: { path: string }) => f.path)).toContain("cron")
  })

  it("leaves out skip dates and notes those already past or listed twice", async () => {
    const all = await api.call(preview({ cron: "0 9 * * *", timezone: "UTC" }), { token: user.token })
    const firstDay = (all.json.next_runs[0] as string).slice(0, 10)
    const reply = await api.call(
      preview({ cron: "0 9 * * *", timezone: "UTC", skip_dates: `${firstDay},2001-01-01,${firstDay}` }),
      { token: user.token },
    )
    expect(reply.status).toBe(200)
    expect((reply.json.next_runs as Array<string>).some((at) => at.startsWith(firstDay))).toBe(false)
    expect(reply.json.problems).toEqual([
      { path: "skip_dates", message: expect.stringContaining("2001-01-01 is already past") },
      { path: "skip_dates", message: expect.stringContaining("listed twice") },
    ])
  })

  it("is for signed-in accounts", async () => {
    const reply = await api.call(preview({ cron: "0 7 * * *" }))
    expect(reply.status).toBe(401)
  })
})
