/**
 * The incidents API over HTTP on both databases: opening by hand, the list's filters and
 * pages, the whole lifecycle with its timeline and actors, optimistic concurrency, a retry
 * through the incident of a real failed upload, incident groups, and who may do what.
 */
import {
  IncidentsRepo,
  type Models,
  processNextUpload,
  submitUpload,
  type UploadOutcome,
  UploadsRepo,
  UsersRepo,
} from "@batchops/core"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

type Account = { user: Models.User; token: string }

describe.each<Backend>(["pglite", "postgres"])("the incidents API on %s", (backend) => {
  let api: TestApi
  let admin: Account
  let moderator: Account
  let user: Account

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
    moderator = await api.account("moderator")
    user = await api.account("user")
  }, 60_000)
  afterAll(() => api?.close())

  /** opens an incident by hand as the moderator and answers its JSON */
  const open = async (fields: Record<string, unknown> = {}) => {
    const reply = await api.call("/api/incidents/", {
      method: "POST",
      token: moderator.token,
      json: { stage: "validate_results", error: "a column is missing", severity: "medium", ...fields },
    })
    expect(reply.status, reply.text).toBe(201)
    return reply.json
  }

  const act = (id: string, action: string, json: unknown, token = moderator.token) =>
    api.call(`/api/incidents/${id}/${action}/`, { method: "POST", token, json })

  const sql = <A extends object>(run: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
    api.server.run(Effect.flatMap(SqlClient.SqlClient, run))

  /** submits a header-only gradebook and runs the worker once: a failed upload with its incident */
  const failedUpload = async (fileName: string) => {
    const upload = await api.server.run(
      submitUpload({
        fileName,
        bytes: new TextEncoder().encode("Student ID,Name,Score\n"),
        profile: "gradebook",
        processMode: "transform",
        processConfig: {},
      }),
    )
    const outcome = await api.server.run(processNextUpload({ worker: "incidents-test", leaseMs: 60_000 }))
    const processed = Option.getOrThrow(outcome) as UploadOutcome & { incidentId: string }
    expect(processed).toMatchObject({ uploadId: upload.id, status: "failed" })
    return { uploadId: upload.id, incidentId: processed.incidentId }
  }

  it("opens an incident by hand with its ticket and a timeline entry by the caller", async () => {
    const incident = await open({ error: "the export folder is full", severity: "high" })
    expect(incident).toMatchObject({
      upload_id: null,
      stage: "validate_results",
      error: "the export folder is full",
      status: "open",
      severity: "high",
      known_error: null,
      root_cause: null,
      assignee: null,
      retry_count: 0,
      last_retry_at: null,
      group: null,
    })
    expect(incident.timeline).toHaveLength(1)
    expect(incident.timeline[0]).toMatchObject({ kind: "opened", actor: moderator.user.id })
    expect(incident.tickets).toEqual([
      expect.objectContaining({ status: "open", title: "validate_results failed: the export folder is full" }),
    ])

    const read = await api.call(`/api/incidents/${incident.id}/`, { token: user.token })
    expect(read.status).toBe(200)
    expect(read.json).toEqual(incident)

    const missingUpload = await api.call("/api/incidents/", {
      method: "POST",
      token: moderator.token,
      json: { stage: "publish_results", error: "x", severity: "low", upload_id: "no-such-upload" },
    })
    expect(missingUpload.status).toBe(400)
    expect(missingUpload.json.fields).toEqual([{ path: "upload_id", message: "no upload no-such-upload" }])

    const invalid = await api.call("/api/incidents/", {
      method: "POST",
      token: moderator.token,
      json: { stage: " ", error: "x", severity: "urgent", extra: 1 },
    })
    expect(invalid.status).toBe(400)
    expect(invalid.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(["extra", "severity", "stage"])

    const missing = await api.call("/api/incidents/no-such-incident/", { token: user.token })
    expect(missing.status).toBe(404)
  })

  it("lists incidents newest first, with filters and pages", async () => {
    const stage = `listing_${backend}`
    const made: Array<{ id: string }> = []
    for (const [i, severity] of (["low", "high", "high", "critical", "medium"] as const).entries()) {
      made.push(await open({ stage, error: `failure ${i}`, severity }))
    }
    // created a day apart, the first the oldest
    for (const [i, incident] of made.entries()) {
      await sql(
        (q) => q`UPDATE incidents SET created_at = ${`2026-03-0${i + 1}T10:00:00Z`}::timestamptz
        WHERE id = ${incident.id} RETURNING id`,
      )
    }
    await sql(
      (q) => q`INSERT INTO known_errors (name, pattern, severity, root_cause, corrective_action)
      VALUES (${`listing-${backend}`}, 'failure 3', 'critical', 'cause', 'action') RETURNING id`,
    )
    await sql(
      (q) => q`UPDATE incidents SET known_error = ${`listing-${backend}`} WHERE id = ${made[3]!.id}
      RETURNING id`,
    )
    expect((await act(made[1]!.id, "transition", { to: "in_progress" })).status).toBe(200)
    expect((await act(made[2]!.id, "assign", { assignee: admin.user.id })).status).toBe(200)

    const list = async (query: string) => {
      const reply = await api.call(`/api/incidents/?stage=${stage}${query}`, { token: user.token })
      expect(reply.status, reply.text).toBe(200)
      return reply.json
    }
    const ids = (page: { results: Array<{ id: string }> }) => page.results.map((incident) => incident.id)

    const all = await list("")
    expect(all.count).toBe(5)
    expect(ids(all)).toEqual([...made].reverse().map((incident) => incident.id))
    expect(all.results[0].timeline[0]).toMatchObject({ kind: "opened" })
    expect(all.results[0]).not.toHaveProperty("tickets")

    const first = await list("&page_size=2")
    expect(first).toMatchObject({ count: 5, previous: null })
    expect(ids(first)).toEqual([made[4]!.id, made[3]!.id])
    expect(first.next).toContain("page=2")
    const last = await list("&page_size=2&page=3")
    expect(last).toMatchObject({ count: 5, next: null })
    expect(ids(last)).toEqual([made[0]!.id])
    const beyond = await list("&page_size=2&page=4")
    expect(beyond).toMatchObject({ count: 5, results: [] })

    expect(ids(await list("&severity=high"))).toEqual([made[2]!.id, made[1]!.id])
    expect(ids(await list("&status=in_progress"))).toEqual([made[1]!.id])
    expect(ids(await list("&created_after=2026-03-02&created_before=2026-03-04T10:00:00Z"))).toEqual([
      made[2]!.id,
      made[1]!.id,
    ])
    expect(ids(await list(`&assignee=${admin.user.id}`))).toEqual([made[2]!.id])
    expect((await list("&assignee=none")).count).toBe(4)
    expect(ids(await list(`&known_error=listing-${backend}`))).toEqual([made[3]!.id])
    expect((await list("&status=resolved")).count).toBe(0)

    const bad = await api.call("/api/incidents/?created_after=yesterday&status=closed", { token: user.token })
    expect(bad.status).toBe(400)
    expect(bad.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(["created_after", "status"])
  })

  it("lists the people an incident can be assigned to, for moderators too, and accepts each of them", async () => {
    const gone = await api.account("moderator")
    await api.server.run(Effect.flatMap(UsersRepo, (users) => users.update(gone.user.id, { isActive: false })))
    const reply = await api.call("/api/incident-assignees/", { token: moderator.token })
    expect(reply.status, reply.text).toBe(200)
    const people = reply.json.results as Array<{ id: string; username: string }>
    const ids = people.map((person) => person.id)
    expect(ids).toContain(admin.user.id)
    expect(ids).toContain(moderator.user.id)
    expect(ids).not.toContain(user.user.id)
    expect(ids).not.toContain(gone.user.id)
    expect(people.map((person) => person.username)).toEqual(people.map((person) => person.username).sort())
    expect(people.find((person) => person.id === admin.user.id)).toEqual({
      id: admin.user.id,
      username: admin.user.username,
    })
    expect((await api.call("/api/incident-assignees/", { token: user.token })).status).toBe(403)
    const { id } = await open()
    for (const person of people) expect((await act(id, "assign", { assignee: person.id })).status).toBe(200)
    expect((await act(id, "assign", { assignee: gone.user.id })).status).toBe(400)
  })

  it("runs the lifecycle: start, resolve, reopen, fields, assignment, notes, archive", async () => {
    const incident = await open()
    const id = incident.id

    const started = await act(id, "transition", { to: "in_progress", note: "looking at it" })
    expect(started.status).toBe(200)
    expect(started.json.status).toBe("in_progress")
    expect(started.json.timeline.at(-1)).toMatchObject({
      kind: "status",
      actor: moderator.user.id,
      message: "open -> in progress: looking at it",
      data: { from: "open", to: "in_progress", note: "looking at it" },
    })

    const resolved = await act(id, "transition", { to: "resolved" }, admin.token)
    expect(resolved.json.status).toBe("resolved")
    expect(resolved.json.timeline.at(-1)).toMatchObject({ kind: "status", actor: admin.user.id })
    expect(resolved.json.tickets[0].status).toBe("closed")

    const invalid = await act(id, "transition", { to: "in_progress" })
    expect(invalid.status).toBe(409)
    expect(invalid.json).toMatchObject({
      code: "invalid_transition",
      error: "cannot move an incident from resolved to in_progress; from resolved it can move to open or archived",
    })
    const unknownStatus = await act(id, "transition", { to: "closed" })
    expect(unknownStatus.status).toBe(400)
    expect(unknownStatus.json.fields[0].path).toBe("to")

    const reopened = await act(id, "transition", { to: "open" })
    expect(reopened.json.status).toBe("open")
    expect(reopened.json.timeline.at(-1)).toMatchObject({ kind: "reopened", message: "reopened" })
    expect(reopened.json.tickets).toHaveLength(1)
    expect(reopened.json.tickets[0].status).toBe("open")

    const fields = await api.call(`/api/incidents/${id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { root_cause: "the template lost a column", impact_summary: "two reports late", analysis_notes: null },
    })
    expect(fields.status, fields.text).toBe(200)
    expect(fields.json).toMatchObject({
      root_cause: "the template lost a column",
      impact_summary: "two reports late",
      corrective_action: null,
      analysis_notes: null,
    })
    const fieldEvents = fields.json.timeline.filter((event: { kind: string }) => event.kind === "field")
    expect(fieldEvents).toEqual([
      expect.objectContaining({
        actor: admin.user.id,
        message: "set the root cause",
        data: { field: "rootCause", from: null, to: "the template lost a column" },
      }),
      expect.objectContaining({ actor: admin.user.id, message: "set the impact summary" }),
    ])
    const cleared = await api.call(`/api/incidents/${id}/`, {
      method: "PATCH",
      token: moderator.token,
      json: { impact_summary: "  " },
    })
    expect(cleared.json.impact_summary).toBeNull()
    expect(cleared.json.timeline.at(-1)).toMatchObject({ kind: "field", message: "cleared the impact summary" })

    const assigned = await act(id, "assign", { assignee: moderator.user.id }, admin.token)
    expect(assigned.status).toBe(200)
    expect(assigned.json.assignee).toBe(moderator.user.id)
    expect(assigned.json.timeline.at(-1)).toMatchObject({
      kind: "assigned",
      actor: admin.user.id,
      data: { from: null, to: moderator.user.id },
    })
    const toUser = await act(id, "assign", { assignee: user.user.id })
    expect(toUser.status).toBe(400)
    expect(toUser.json.fields[0].path).toBe("assignee")
    const toNobody = await act(id, "assign", { assignee: "no-such-user" })
    expect(toNobody.status).toBe(400)
    const unassigned = await act(id, "assign", { assignee: null })
    expect(unassigned.json.assignee).toBeNull()
    expect(unassigned.json.timeline.at(-1)).toMatchObject({ kind: "assigned", message: "unassigned" })

    const noted = await act(id, "note", { text: "  called the department  " })
    expect(noted.status).toBe(201)
    expect(noted.json.timeline.at(-1)).toMatchObject({
      kind: "note",
      actor: moderator.user.id,
      message: "called the department",
    })
    const blank = await act(id, "note", { text: "   " })
    expect(blank.status).toBe(400)
    expect(blank.json.fields[0].path).toBe("text")

    const archived = await act(id, "archive", { note: "duplicate" })
    expect(archived.status).toBe(200)
    expect(archived.json.status).toBe("archived")
    expect(archived.json.timeline.at(-1)).toMatchObject({ kind: "status", data: { to: "archived", note: "duplicate" } })
    expect(archived.json.tickets[0].status).toBe("closed")

    const again = await api.call(`/api/incidents/${id}/archive/`, { method: "POST", token: moderator.token })
    expect(again.status).toBe(409)
    expect(again.json.code).toBe("invalid_transition")
    const noteOnArchived = await act(id, "note", { text: "too late" })
    expect(noteOnArchived.status).toBe(409)
    expect(noteOnArchived.json.error).toContain("archived")
    const patchArchived = await api.call(`/api/incidents/${id}/`, {
      method: "PATCH",
      token: moderator.token,
      json: { root_cause: "something else" },
    })
    expect(patchArchived.status).toBe(409)

    const final = await api.call(`/api/incidents/${id}/`, { token: user.token })
    expect(final.json.timeline.map((event: { kind: string }) => event.kind)).toEqual([
      "opened",
      "status",
      "status",
      "reopened",
      "field",
      "field",
      "field",
      "assigned",
      "assigned",
      "note",
      "status",
    ])
    expect((await act("no-such-incident", "note", { text: "hello" })).status).toBe(404)
  })

  it("refuses a change made on a stale copy with a 409 that says to reload", async () => {
    const incident = await open()
    const loaded = incident.updated_at
    const first = await api.call(`/api/incidents/${incident.id}/`, {
      method: "PATCH",
      token: moderator.token,
      json: { root_cause: "first reading", expected_updated_at: loaded },
    })
    expect(first.status).toBe(200)
    expect(first.json.updated_at).not.toBe(loaded)

    const stale = await api.call(`/api/incidents/${incident.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { root_cause: "second reading", expected_updated_at: loaded },
    })
    expect(stale.status).toBe(409)
    expect(stale.json.code).toBe("conflict")
    expect(stale.json.error).toMatch(/reload/)
    const staleMove = await act(incident.id, "transition", { to: "in_progress", expected_updated_at: loaded })
    expect(staleMove.status).toBe(409)
    expect(staleMove.json.code).toBe("conflict")

    const after = await api.call(`/api/incidents/${incident.id}/`, { token: user.token })
    expect(after.json.root_cause).toBe("first reading")
    expect(after.json.status).toBe("open")

    const fresh = await act(incident.id, "transition", {
      to: "in_progress",
      expected_updated_at: after.json.updated_at,
    })
    expect(fresh.status).toBe(200)
  })

  it("retries the upload of a real failure through its incident, and shows its group", async () => {
    const { uploadId, incidentId } = await failedUpload("Header only.csv")

    const detail = await api.call(`/api/incidents/${incidentId}/`, { token: user.token })
    expect(detail.json).toMatchObject({ upload_id: uploadId, stage: "standardize_results", known_error: "header-only" })
    expect(detail.json.group).toMatchObject({ stage: "standardize_results", count: 1, incident_id: incidentId })
    expect(detail.json.group.first_seen).toBe(detail.json.group.last_seen)

    const groups = await api.call("/api/incident-groups/", { token: user.token })
    expect(groups.status).toBe(200)
    expect(groups.json.results).toContainEqual(
      expect.objectContaining({ fingerprint: detail.json.group.fingerprint, incident_id: incidentId, count: 1 }),
    )

    const badProfile = await act(incidentId, "retry", { profile: "no-such-profile" })
    expect(badProfile.status).toBe(400)
    expect(badProfile.json.fields[0].path).toBe("profile")

    const retried = await act(incidentId, "retry", undefined)
    expect(retried.status, retried.text).toBe(200)
    expect(retried.json.upload).toEqual({ id: uploadId, status: "queued" })
    expect(retried.json.incident).toMatchObject({ id: incidentId, retry_count: 1 })
    expect(retried.json.incident.last_retry_at).not.toBeNull()
    expect(retried.json.incident.timeline.at(-1)).toMatchObject({ kind: "retry", actor: moderator.user.id })
    const upload = await api.server.run(Effect.flatMap(UploadsRepo, (uploads) => uploads.get(uploadId)))
    expect(Option.getOrThrow(upload).status).toBe("queued")

    // the upload is queued now: nothing to retry until it fails again
    const twice = await act(incidentId, "retry", {})
    expect(twice.status).toBe(409)
    expect(twice.json.error).toContain("only a failed upload can be retried")

    // it fails again: an occurrence of the same incident, and the group counts it
    const again = Option.getOrThrow(
      await api.server.run(processNextUpload({ worker: "incidents-test", leaseMs: 60_000 })),
    )
    expect(again).toMatchObject({ uploadId, status: "failed", incidentId })
    const grown = await api.call(`/api/incidents/${incidentId}/`, { token: user.token })
    expect(grown.json.group.count).toBe(2)
    expect(grown.json.timeline.at(-1)).toMatchObject({ kind: "recurred" })

    const withoutUpload = await open()
    const refused = await act(withoutUpload.id, "retry", {})
    expect(refused.status).toBe(409)
    expect(refused.json.error).toBe(`incident ${withoutUpload.id} has no upload to retry`)
  })

  it("lets every role read, admins and moderators act, and only admins delete", async () => {
    const incident = await open()
    const id = incident.id
    for (const path of [`/api/incidents/`, `/api/incidents/${id}/`, "/api/incident-groups/"]) {
      expect((await api.call(path, { token: user.token })).status, path).toBe(200)
    }
    expect((await api.call("/api/incidents/")).status).toBe(401)

    const manage: Array<[string, string, unknown]> = [
      ["POST", "/api/incidents/", { stage: "s", error: "e", severity: "low" }],
      ["PATCH", `/api/incidents/${id}/`, { root_cause: "x" }],
      ["POST", `/api/incidents/${id}/transition/`, { to: "in_progress" }],
      ["POST", `/api/incidents/${id}/assign/`, { assignee: null }],
      ["POST", `/api/incidents/${id}/note/`, { text: "hello" }],
      ["POST", `/api/incidents/${id}/retry/`, {}],
      ["POST", `/api/incidents/${id}/archive/`, {}],
      ["DELETE", `/api/incidents/${id}/`, undefined],
    ]
    for (const [method, path, json] of manage) {
      const reply = await api.call(path, { method, token: user.token, json })
      expect(reply.status, `${method} ${path}`).toBe(403)
    }
    const unchanged = await api.call(`/api/incidents/${id}/`, { token: user.token })
    expect(unchanged.json.timeline).toHaveLength(1)

    expect((await act(id, "note", { text: "moderators may" })).status).toBe(201)
    const byModerator = await api.call(`/api/incidents/${id}/`, { method: "DELETE", token: moderator.token })
    expect(byModerator.status).toBe(403)

    const byAdmin = await api.call(`/api/incidents/${id}/`, { method: "DELETE", token: admin.token })
    expect(byAdmin.status).toBe(204)
    expect((await api.call(`/api/incidents/${id}/`, { token: admin.token })).status).toBe(404)
    const left = await sql(
      (q) => q<{ n: number }>`SELECT
        (SELECT count(*)::int FROM tickets WHERE incident_id = ${id}) +
        (SELECT count(*)::int FROM incident_events WHERE incident_id = ${id}) AS n`,
    )
    expect(left[0]!.n).toBe(0)
    const gone = await api.server.run(Effect.flatMap(IncidentsRepo, (incidents) => incidents.get(id)))
    expect(Option.isNone(gone)).toBe(true)
    expect((await api.call(`/api/incidents/${id}/`, { method: "DELETE", token: admin.token })).status).toBe(404)
  })
})
