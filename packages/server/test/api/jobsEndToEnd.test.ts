/**
 * A job run end to end in the running server: an admin saves a job, a user runs it by hand,
 * and the server's own runner (started with the server, as `npm start` does) carries it out:
 * the run goes queued -> succeeded with who asked, its duration, steps and log.
 */
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startApi, type TestApi } from "./harness.js"

describe("a job run in the running server", () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi("pglite", { worker: true })
  }, 60_000)
  afterAll(() => api?.close())

  it("is carried out by the server's runner after a user triggers it", async () => {
    const admin = await api.account("admin")
    const user = await api.account("user")
    const job = await api.call("/api/jobs/", {
      method: "POST",
      token: admin.token,
      // a chore every role may run by hand: the library's (simulated) loans
      json: {
        name: "Ingest the library",
        automation: "ingest_department",
        cron: "30 3 * * 0",
        params: { sourceIds: ["src_library"] },
      },
    })
    expect(job.status).toBe(201)
    const triggered = await api.call(`/api/jobs/${job.json.id}/trigger/`, { method: "POST", token: user.token })
    expect(triggered.status).toBe(202)
    expect(triggered.json).toMatchObject({ status: "queued", trigger: "manual", requested_by: user.user.id })

    const deadline = Date.now() + 30_000
    let run = triggered.json
    while (run.status === "queued" || run.status === "running") {
      if (Date.now() > deadline) throw new Error(`the run is still ${run.status}`)
      await sleep(100)
      run = (await api.call(`/api/job-runs/${triggered.json.id}/`, { token: user.token })).json
    }
    expect(run).toMatchObject({ status: "succeeded", requested_by: user.user.id, error: null })
    expect(run.duration_ms).toBeGreaterThanOrEqual(0)
    expect(run.steps.length).toBeGreaterThan(0)
    expect(run.logs.length).toBeGreaterThan(0)
  }, 60_000)
})
