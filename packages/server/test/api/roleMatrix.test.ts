/**
 * The role matrix, enforced on the server. Every route of the table must have a rule here (a
 * new route without one fails), its declared access must be that rule, and the real server
 * must answer accordingly for every role: 401 without an account, 403 for a role the rule does
 * not allow, and for the roles it allows anything but those and a server error (200, 400,
 * 404, 409...).
 *
 * The matrix: uploading files, viewing runs and issues are for every role; running a schedule
 * by hand for the roles its automation names (backups and the purge: admins); managing issues
 * (incidents, known errors, an upload's plan, a retry that corrects it, approval, column
 * mappings) for admins and moderators; creating and editing schedules, accounts, department
 * sources and the audit log for admins.
 */
import { processNextUpload, TokensRepo } from "@batchops/core"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Access } from "../../src/api/Api.js"
import { apiRoutes } from "../../src/api/Routes.js"
import { startApi, type TestApi } from "./harness.js"

const RULES: Readonly<Record<string, Access>> = {
  "POST /api/auth/login/": "public",
  "POST /api/auth/logout/": "user",
  "GET /api/auth/me/": "user",
  "POST /api/auth/password/": "user",
  "POST /api/auth/verify/send/": "public",
  "POST /api/auth/verify/confirm/": "public",
  "POST /api/auth/forgot/": "public",
  "POST /api/auth/reset/": "public",
  "GET /api/users/": "admin",
  "POST /api/users/": "admin",
  "GET /api/users/:id/": "admin",
  "PATCH /api/users/:id/": "admin",
  "DELETE /api/users/:id/": "admin",
  "GET /api/uploads/": "user",
  "POST /api/uploads/": "user",
  "GET /api/uploads/:id/": "user",
  "PATCH /api/uploads/:id/": "manager",
  "DELETE /api/uploads/:id/": "manager",
  "GET /api/uploads/:id/timeline/": "user",
  "POST /api/uploads/:id/retry/": "user",
  "POST /api/uploads/:id/approve/": "manager",
  "POST /api/uploads/:id/reject/": "manager",
  "GET /api/uploads/:id/events/": "user",
  "POST /api/uploads/preview/": "user",
  "GET /api/column-mappings/": "user",
  "PUT /api/column-mappings/": "manager",
  "DELETE /api/column-mappings/:id/": "admin",
  "GET /api/reports/summary/": "user",
  "GET /api/incidents/": "user",
  "GET /api/incidents/:id/": "user",
  "POST /api/incidents/": "manager",
  "PATCH /api/incidents/:id/": "manager",
  "DELETE /api/incidents/:id/": "admin",
  "POST /api/incidents/:id/transition/": "manager",
  "GET /api/incident-assignees/": "manager",
  "POST /api/incidents/:id/assign/": "manager",
  "POST /api/incidents/:id/note/": "manager",
  "POST /api/incidents/:id/retry/": "manager",
  "POST /api/incidents/:id/archive/": "manager",
  "GET /api/incident-groups/": "user",
  "GET /api/known-errors/": "user",
  "POST /api/known-errors/": "manager",
  "POST /api/known-errors/try/": "manager",
  "GET /api/known-errors/:name/": "user",
  "PATCH /api/known-errors/:name/": "manager",
  "DELETE /api/known-errors/:name/": "manager",
  "GET /api/jobs/": "user",
  "GET /api/jobs/:id/": "user",
  "POST /api/jobs/": "admin",
  "PATCH /api/jobs/:id/": "admin",
  "DELETE /api/jobs/:id/": "admin",
  "POST /api/jobs/:id/trigger/": "user",
  "GET /api/jobs/:id/missed-ticks/": "user",
  "GET /api/schedules/preview/": "user",
  "GET /api/automations/": "user",
  "GET /api/job-runs/": "user",
  "GET /api/job-runs/:id/": "user",
  "GET /api/department-sources/": "user",
  "GET /api/department-sources/:id/": "user",
  "POST /api/department-sources/": "admin",
  "PATCH /api/department-sources/:id/": "admin",
  "DELETE /api/department-sources/:id/": "admin",
  "GET /api/department-sources/:id/records/": "user",
  "GET /api/health/": "public",
  "GET /api/audit/": "admin",
  "GET /api/audit/refused/": "admin",
}

type Caller = "anonymous" | "user" | "moderator" | "admin"
const CALLERS: ReadonlyArray<Caller> = ["anonymous", "user", "moderator", "admin"]

const allowed = (access: Access, caller: Caller): boolean =>
  access === "public" ||
  (access === "user" && caller !== "anonymous") ||
  (access === "manager" && (caller === "moderator" || caller === "admin")) ||
  (access === "admin" && caller === "admin")

/** A path with its parameters filled with values that name nothing. */
const concrete = (path: string) =>
  path.replace(":id", "00000000-0000-4000-8000-000000000000").replace(":name", "no-such-known-error")

describe("the role matrix", () => {
  it("has a rule for every route, and every route declares the rule's access", () => {
    const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`
    const unruled = apiRoutes.map(key).filter((k) => !(k in RULES))
    expect(unruled, "routes without a rule in the role matrix").toEqual([])
    const gone = Object.keys(RULES).filter((k) => !apiRoutes.some((route) => key(route) === k))
    expect(gone, "rules of routes that no longer exist").toEqual([])
    for (const route of apiRoutes) expect(route.access, key(route)).toBe(RULES[key(route)])
  })

  describe("over HTTP", () => {
    let api: TestApi
    const users: Partial<Record<Caller, string>> = {}
    beforeAll(async () => {
      api = await startApi("pglite")
      for (const caller of ["user", "moderator", "admin"] as const) users[caller] = (await api.account(caller)).user.id
    }, 60_000)
    afterAll(() => api?.close())

    /** a fresh token for each call: an allowed logout must not sign the next call out */
    const tokenFor = (caller: Caller) =>
      caller === "anonymous"
        ? Promise.resolve(undefined)
        : api.server.run(
            Effect.gen(function* () {
              const tokens = yield* TokensRepo
              return (yield* tokens.issue(users[caller]!, 60_000)).token
            }),
          )

    it("answers every route as the matrix says, for every role", async () => {
      const wrong: Array<string> = []
      for (const route of apiRoutes) {
        for (const caller of CALLERS) {
          const token = await tokenFor(caller)
          const method = route.method
          const path = concrete(route.path)
          const reply =
            route.body === "multipart"
              ? await api.call(path, { method, token, body: new FormData() })
              : method === "GET" || method === "DELETE"
                ? await api.call(path, { method, token })
                : await api.call(path, { method, token, json: {} })
          const expected = allowed(route.access, caller) ? "allowed" : caller === "anonymous" ? 401 : 403
          const ok =
            expected === "allowed"
              ? reply.status !== 401 && reply.status !== 403 && reply.status < 500
              : reply.status === expected
          if (!ok) wrong.push(`${caller} ${method} ${route.path}: ${reply.status} (expected ${expected})`)
        }
      }
      expect(wrong).toEqual([])
    }, 120_000)

    /** each caller's answers to `call`, as "caller: status" */
    const answers = async (call: (token: string | undefined) => Promise<{ status: number }>) => {
      const seen: Array<string> = []
      for (const caller of CALLERS) seen.push(`${caller}: ${(await call(await tokenFor(caller))).status}`)
      return seen
    }

    it("runs a schedule by hand only for the roles its automation names", async () => {
      // the first allowed caller queues a run; the next ones are told it is queued (409)
      const trigger = (job: string) => (token: string | undefined) =>
        api.call(`/api/jobs/${job}/trigger/`, { method: "POST", token })
      expect(await answers(trigger("job_run_daily_backup"))).toEqual([
        "anonymous: 401",
        "user: 403",
        "moderator: 403",
        "admin: 202",
      ])
      expect(await answers(trigger("job_purge_old_records"))).toEqual([
        "anonymous: 401",
        "user: 403",
        "moderator: 403",
        "admin: 202",
      ])
      expect(await answers(trigger("job_send_system_status_digest"))).toEqual([
        "anonymous: 401",
        "user: 403",
        "moderator: 202",
        "admin: 409",
      ])
      expect(await answers(trigger("job_ingest_library"))).toEqual([
        "anonymous: 401",
        "user: 202",
        "moderator: 409",
        "admin: 409",
      ])
    })

    it("retries a failed upload with a corrected plan for admins and moderators only, as it is for every role", async () => {
      const failedUpload = async () => {
        const body = new FormData()
        body.set("file", new Blob(["Student ID,Name,Score\nS001,Ada,91\n"]), "matrix.csv")
        body.set("process_mode", "delete")
        body.set("process_config", JSON.stringify({ rules: [{ column: "house", value: "x" }] }))
        const created = await api.call("/api/uploads/", { method: "POST", token: await tokenFor("user"), body })
        expect(created.status, created.text).toBe(201)
        for (let i = 0; i < 100; i++) {
          const outcome = await api.server.run(
            Effect.map(processNextUpload({ worker: "matrix", leaseMs: 60_000 }), (next) => Option.getOrNull(next)),
          )
          if (outcome !== null && outcome.uploadId === created.json.id) {
            expect(outcome.status).toBe("failed")
            return created.json.id as string
          }
          if (outcome === null) break
        }
        throw new Error("the upload did not run")
      }
      const corrected = await failedUpload()
      const correct = (token: string | undefined) =>
        api.call(`/api/uploads/${corrected}/retry/`, { method: "POST", token, json: { process_mode: "transform" } })
      // a moderator's retry queues the upload: the admin's then finds it no longer failed (409)
      expect(await answers(correct)).toEqual(["anonymous: 401", "user: 403", "moderator: 200", "admin: 409"])
      const asIs = await failedUpload()
      const retry = (token: string | undefined) => api.call(`/api/uploads/${asIs}/retry/`, { method: "POST", token })
      expect(await answers(retry)).toEqual(["anonymous: 401", "user: 200", "moderator: 409", "admin: 409"])
    }, 60_000)
  })
})
