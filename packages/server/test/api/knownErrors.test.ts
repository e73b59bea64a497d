/**
 * The known errors API over HTTP on both databases: adding, reading, changing and
 * deactivating, the pattern safety check, trying a pattern against recent failures (real
 * ones from the pipeline too), and who may do what.
 */

import { processNextUpload, submitUpload } from "@batchops/core"
import { Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

describe.each<Backend>(["pglite", "postgres"])("the known errors API on %s", (backend) => {
  let api: TestApi
  let admin: string
  let moderator: string
  let user: string

  beforeAll(async () => {
    api = await startApi(backend)
    admin = (await api.account("admin")).token
    moderator = (await api.account("moderator")).token
    user = (await api.account("user")).token
  }, 60_000)
  afterAll(() => api?.close())

  const knownError = (name: string, fields: Record<string, unknown> = {}) => ({
    name,
    pattern: "missing column",
    severity: "high",
    root_cause: "the department's template changed",
    corrective_action: "ask the department for the usual template",
    ...fields,
  })

  const create = (json: unknown, token = moderator) => api.call("/api/known-errors/", { method: "POST", token, json })

  it("adds, reads, changes and deactivates a known error", async () => {
    const created = await create(knownError("missing-column", { stage: "validate_results" }))
    expect(created.status, created.text).toBe(201)
    expect(created.json).toMatchObject({
      name: "missing-column",
      pattern: "missing column",
      stage: "validate_results",
      severity: "high",
      root_cause: "the department's template changed",
      corrective_action: "ask the department for the usual template",
      active: true,
    })
    expect(typeof created.json.id).toBe("string")

    const duplicate = await create(knownError("missing-column"))
    expect(duplicate.status).toBe(409)
    expect(duplicate.json.error).toBe('a known error named "missing-column" already exists')

    const read = await api.call("/api/known-errors/missing-column/", { token: moderator })
    expect(read.status).toBe(200)
    expect(read.json).toEqual(created.json)

    const changed = await api.call("/api/known-errors/missing-column/", {
      method: "PATCH",
      token: admin,
      json: { severity: "critical", stage: null, pattern: "missing (column|field)" },
    })
    expect(changed.status, changed.text).toBe(200)
    expect(changed.json).toMatchObject({ severity: "critical", stage: null, pattern: "missing (column|field)" })
    expect(changed.json.root_cause).toBe(created.json.root_cause)

    expect((await create(knownError("quiet-one", { active: false }))).json.active).toBe(false)

    const deactivated = await api.call("/api/known-errors/missing-column/", { method: "DELETE", token: moderator })
    expect(deactivated.status).toBe(200)
    expect(deactivated.json).toMatchObject({ name: "missing-column", active: false })

    const names = async (query: string) => {
      const reply = await api.call(`/api/known-errors/${query}`, { token: user })
      expect(reply.status).toBe(200)
      return reply.json.results.map((row: { name: string }) => row.name)
    }
    expect(await names("")).toEqual(expect.arrayContaining(["missing-column", "quiet-one"]))
    expect(await names("?active=false")).toEqual(expect.arrayContaining(["missing-column", "quiet-one"]))
    expect(await names("?active=true")).not.toContain("missing-column")
    const paged = await api.call("/api/known-errors/?page_size=1", { token: user })
    expect(paged.json.results).toHaveLength(1)
    expect(paged.json.count).toBeGreaterThanOrEqual(2)

    const reactivated = await api.call("/api/known-errors/missing-column/", {
      method: "PATCH",
      token: moderator,
      json: { active: true },
    })
    expect(reactivated.json.active).toBe(true)

    expect((await api.call("/api/known-errors/nothing-here/", { token: moderator })).status).toBe(404)
    const patchMissing = await api.call("/api/known-errors/nothing-here/", {
      method: "PATCH",
      token: moderator,
      json: { severity: "low" },
    })
    expect(patchMissing.status).toBe(404)
    expect((await api.call("/api/known-errors/nothing-here/", { method: "DELETE", token: moderator })).status).toBe(404)

    const invalid = await create({ ...knownError("bad name!"), severity: "urgent", root_cause: " " })
    expect(invalid.status).toBe(400)
    expect(invalid.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(["name", "root_cause", "severity"])
  })

  it("refuses an unsafe or uncompilable pattern with the checker's message, naming pattern", async () => {
    const lookahead = await create(knownError("lookahead", { pattern: "disk(?= full)" }))
    expect(lookahead.status).toBe(400)
    expect(lookahead.json.code).toBe("invalid_request")
    expect(lookahead.json.fields).toEqual([
      { path: "pattern", message: expect.stringContaining('the pattern "disk(?= full)" uses a lookahead') },
    ])

    const broken = await create(knownError("broken", { pattern: "([" }))
    expect(broken.status).toBe(400)
    expect(broken.json.fields[0]).toMatchObject({
      path: "pattern",
      message: expect.stringContaining("does not compile"),
    })
    expect((await api.call("/api/known-errors/broken/", { token: moderator })).status).toBe(404)

    expect((await create(knownError("safe-one"))).status).toBe(201)
    const unsafeChange = await api.call("/api/known-errors/safe-one/", {
      method: "PATCH",
      token: moderator,
      json: { pattern: "(x)\\1y" },
    })
    expect(unsafeChange.status).toBe(400)
    expect(unsafeChange.json.fields[0].path).toBe("pattern")
    const kept = await api.call("/api/known-errors/safe-one/", { token: moderator })
    expect(kept.json.pattern).toBe("missing column")

    const trial = await api.call("/api/known-errors/try/", {
      method: "POST",
      token: moderator,
      json: { pattern: "(a{1,40}){1,40}$" },
    })
    expect(trial.status).toBe(400)
    expect(trial.json.fields[0]).toMatchObject({
      path: "pattern",
      message: expect.stringContaining("repeats {1,40} inside another repeat, more than 1,000 times in all"),
    })
  })

  it("tries a pattern against the most recent failures, naming the known error that wins now", async () => {
    const opened: Array<string> = []
    for (const error of ["student 41 has no score in Term 2", "student 7 has no score in Term 3", "disk full"]) {
      const reply = await api.call("/api/incidents/", {
        method: "POST",
        token: moderator,
        json: { stage: "validate_results", error, severity: "low" },
      })
      opened.push(reply.json.id)
    }
    // a real failure of the pipeline: the registry's header-only known error recognizes it
    const upload = await api.server.run(
      submitUpload({
        fileName: `trial-${backend}.csv`,
        bytes: new TextEncoder().encode("Student ID,Name,Score\n"),
        profile: "gradebook",
        processMode: "transform",
        processConfig: {},
      }),
    )
    const outcome = Option.getOrThrow(
      await api.server.run(processNextUpload({ worker: "known-errors-test", leaseMs: 60_000 })),
    )
    expect(outcome).toMatchObject({ uploadId: upload.id, status: "failed" })
    const pipelineIncident = (outcome as { incidentId: string }).incidentId

    const trial = async (json: unknown) => {
      const reply = await api.call("/api/known-errors/try/", { method: "POST", token: moderator, json })
      expect(reply.status, reply.text).toBe(200)
      return reply.json
    }

    const scores = await trial({ pattern: "has no score in term \\d" })
    expect(scores.tried).toBeGreaterThanOrEqual(4)
    expect(scores.matched).toEqual([
      {
        incident_id: opened[1],
        stage: "validate_results",
        message: "student 7 has no score in Term 3",
        shadowed_by: null,
      },
      {
        incident_id: opened[0],
        stage: "validate_results",
        message: "student 41 has no score in Term 2",
        shadowed_by: null,
      },
    ])
    expect((await trial({ pattern: "no score", stage: "publish_results" })).matched).toEqual([])
    expect((await trial({ pattern: "no score", limit: 2 })).matched).toEqual([])

    const everyStandardize = await trial({ pattern: ".", stage: "standardize_results" })
    expect(everyStandardize.matched).toContainEqual(
      expect.objectContaining({ incident_id: pipelineIncident, shadowed_by: "header-only" }),
    )

    // once saved, the site's known error is the one that wins for those failures
    expect((await create(knownError("no-score", { pattern: "has no score" }))).status).toBe(201)
    const shadowed = await trial({ pattern: "student \\d+ has" })
    expect(shadowed.matched.map((match: { shadowed_by: string | null }) => match.shadowed_by)).toEqual([
      "no-score",
      "no-score",
    ])

    // a sample failure is matched here, as the worker would, so the browser never runs a pattern
    const sample = { stage: "validate_results", message: "Student 3 has no score in TERM 1" }
    expect(await trial({ pattern: "^validate_results: student \\d+ has no score", sample })).toMatchObject({
      sample_matched: true,
    })
    expect(await trial({ pattern: "no score", stage: "publish_results", sample })).toMatchObject({
      sample_matched: false,
    })
    expect(await trial({ pattern: "no score" })).toMatchObject({ sample_matched: null })

    const tooMany = await api.call("/api/known-errors/try/", {
      method: "POST",
      token: moderator,
      json: { pattern: "x", limit: 5000 },
    })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.fields[0].path).toBe("limit")
  })

  it("lets every role read known errors, and only admins and moderators change or try them", async () => {
    expect((await create(knownError("roles-check"))).status).toBe(201)
    expect((await api.call("/api/known-errors/", { token: user })).status).toBe(200)
    expect((await api.call("/api/known-errors/roles-check/", { token: user })).json).toMatchObject({
      name: "roles-check",
    })
    const refused: Array<[string, string, unknown]> = [
      ["POST", "/api/known-errors/", knownError("by-a-user")],
      ["PATCH", "/api/known-errors/roles-check/", { severity: "low" }],
      ["DELETE", "/api/known-errors/roles-check/", undefined],
      ["POST", "/api/known-errors/try/", { pattern: "x" }],
    ]
    for (const [method, path, json] of refused) {
      const reply = await api.call(path, { method, token: user, json })
      expect(reply.status, `${method} ${path}`).toBe(403)
    }
    const still = await api.call("/api/known-errors/roles-check/", { token: admin })
    expect(still.json).toMatchObject({ severity: "high", active: true })
    expect((await api.call("/api/known-errors/by-a-user/", { token: admin })).status).toBe(404)
    expect((await api.call("/api/known-errors/")).status).toBe(401)
  })
})
