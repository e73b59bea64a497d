/**
 * The automations over HTTP on both databases: the list of keys with their parameter schemas,
 * and a job's automation and parameters checked against them when the job is saved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

type Account = { user: { id: string }; token: string }

describe.each<Backend>(["pglite", "postgres"])("automations on %s", (backend) => {
  let api: TestApi
  let admin: Account
  let user: Account

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
    user = await api.account("user")
  }, 60_000)
  afterAll(() => api?.close())

  it("lists the automations with their parameter schemas to every role", async () => {
    expect((await api.call("/api/automations/")).status).toBe(401)
    const reply = await api.call("/api/automations/", { token: user.token })
    expect(reply.status).toBe(200)
    const purge = reply.json.find((automation: { key: string }) => automation.key === "purge_old_records")
    expect(purge).toMatchObject({
      key: "purge_old_records",
      plugin: "batchops-automations",
      description: expect.stringContaining("older than"),
      params_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          older_than_days: expect.objectContaining({ type: "integer", minimum: 1 }),
          dry_run: expect.objectContaining({ type: "boolean", description: expect.stringContaining("delete nothing") }),
        },
        additionalProperties: false,
      },
    })
    expect(purge.params_schema.required ?? []).not.toContain("older_than_days")
  })

  it("refuses a job whose parameters the automation's schema refuses, naming params.<field>", async () => {
    const bad = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: {
        name: `Purge ${backend}`,
        automation: "purge_old_records",
        cron: "0 3 * * 0",
        params: { older_than_days: 0 },
      },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain("params.older_than_days")
    expect(bad.json.fields.map((field: { path: string }) => field.path)).toEqual(["params.older_than_days"])

    const typo = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Purge ${backend}`, automation: "purge_old_records", cron: "0 3 * * 0", params: { dryrun: true } },
    })
    expect(typo.status).toBe(400)
    expect(typo.json.fields.map((field: { path: string }) => field.path)).toEqual(["params.dryrun"])

    const good = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Purge ${backend}`, automation: "purge_old_records", cron: "0 3 * * 0", params: { dry_run: true } },
    })
    expect(good.status).toBe(201)
    const patched = await api.call(`/api/jobs/${good.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { params: { older_than_days: "a year" } },
    })
    expect(patched.status).toBe(400)
    expect(patched.json.fields[0].path).toBe("params.older_than_days")
  })

  it("refuses an automation no plugin contributes, naming automation and the known keys", async () => {
    const reply = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      json: { name: `Export ${backend}`, automation: "nightly_export", cron: "0 3 * * *" },
    })
    expect(reply.status).toBe(400)
    expect(reply.json.fields[0].path).toBe("automation")
    expect(reply.json.error).toContain("nightly_export")
    expect(reply.json.error).toContain("purge_old_records")
    const change = await api.call("/api/jobs/job_purge_old_records/", {
      method: "PATCH",
      token: admin.token,
      json: { automation: "nightly_export" },
    })
    expect(change.status).toBe(400)
    expect(change.json.fields[0].path).toBe("automation")
  })
})
