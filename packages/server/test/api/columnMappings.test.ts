/**
 * Previewing a file and remembered column mappings over HTTP on both databases: a good file's
 * preview (rows, schema, problems, nothing stored); a file with headers the profile does not
 * know gets its missing columns and ranked suggestions; a confirmed mapping is remembered for
 * the department, so the next upload of a file with the same headers (in another order) from
 * that department publishes through the worker with no questions, and its step log says so.
 * Only admins and moderators confirm a mapping (it decides how everyone's later files read),
 * and only admins forget one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

const GOOD =
  "Student ID,Name,Score\nS001,Ada Lovelace,91\nS002,Alan Turing,abc\nS003,Grace Hopper,85\nS004,Edsger Dijkstra,77\nS005,Barbara Liskov,88\n"
const UNKNOWN = "Pupil Number,Day,Present?\nS001,2026-09-01,P\nS002,2026-09-01,A\n"
const SAME_HEADERS_OTHER_ORDER = "Day,Present?,Pupil Number\n2026-09-02,L,S001\n2026-09-02,P,S002\n"

const form = (fileName: string, content: string, fields: Record<string, string> = {}) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  for (const [name, value] of Object.entries(fields)) body.set(name, value)
  return body
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each<Backend>(["pglite", "postgres"])("preview and column mappings on %s", (backend) => {
  let api: TestApi
  let user: string
  let moderator: string
  let admin: string

  beforeAll(async () => {
    api = await startApi(backend, { worker: true })
    user = (await api.account("user")).token
    moderator = (await api.account("moderator")).token
    admin = (await api.account("admin")).token
  }, 60_000)
  afterAll(() => api?.close())

  it("previews a good file: first rows, schema and every problem, nothing stored", async () => {
    const reply = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("marks.csv", GOOD, { profile: "gradebook" }),
    })
    expect(reply.status, reply.text).toBe(200)
    const preview = reply.json
    expect(preview.format).toBe("csv")
    expect(preview.headers).toEqual(["Student ID", "Name", "Score"])
    expect(preview.detected_profile).toBe("gradebook")
    expect(preview.columns).toEqual([
      { name: "student_id", type: "identifier" },
      { name: "name", type: "text" },
      { name: "score", type: "number" },
    ])
    expect(preview.rows).toHaveLength(5)
    expect(preview.row_count).toBe(5)
    expect(preview.rows[0]).toEqual({ row: 2, cells: ["S001", "Ada Lovelace", 91] })
    expect(preview.problems).toEqual([
      expect.objectContaining({ severity: "warning", row: 3, column: "score", value: "abc", rule: "not_a_number" }),
    ])
    expect(preview.missing_columns).toEqual([])
    expect(preview.remembered_mapping).toBeNull()
    expect(preview.ready).toBe(true)
    const uploads = await api.call("/api/uploads/", { token: user })
    expect(uploads.json.count).toBe(0)
  })

  it("refuses what an upload refuses: an unknown field, an unknown profile, no file", async () => {
    const unknownField = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("marks.csv", GOOD, { plan: "x" }),
    })
    expect(unknownField.status).toBe(400)
    expect(unknownField.json.fields).toEqual([{ path: "plan", message: "is not a field of a preview" }])
    const unknownProfile = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("marks.csv", GOOD, { profile: "nope" }),
    })
    expect(unknownProfile.status).toBe(400)
    expect(unknownProfile.json.fields[0].path).toBe("profile")
    const anonymous = await api.call("/api/uploads/preview/", { method: "POST", body: form("m.csv", GOOD) })
    expect(anonymous.status).toBe(401)
  })

  it("offers a mapping for unknown headers; a confirmed one is remembered and the next upload publishes", async () => {
    const first = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("register.csv", UNKNOWN, { profile: "attendance", department: "science" }),
    })
    expect(first.status, first.text).toBe(200)
    expect(first.json.ready).toBe(false)
    expect(first.json.missing_columns).toEqual(["student_id", "date", "status"])
    expect(first.json.suggestions.student_id[0]).toBe("Pupil Number")
    expect(first.json.suggestions.date[0]).toBe("Day")
    expect(first.json.suggestions.status).toHaveLength(3)
    expect(first.json.rows).toHaveLength(2)
    expect(first.json.problems[0]).toEqual(
      expect.objectContaining({ severity: "critical", stage: "validate_results", rule: "stage_failed" }),
    )

    // a mapping that does not make the file whole, or maps two headers onto one column, is refused
    const partial = await api.call("/api/column-mappings/", {
      method: "PUT",
      token: moderator,
      json: {
        department: "science",
        profile: "attendance",
        headers: first.json.headers,
        mapping: { "Pupil Number": "student_id" },
      },
    })
    expect(partial.status).toBe(400)
    expect(partial.json.error).toMatch(/still lacks date, status/)
    const twice = await api.call("/api/column-mappings/", {
      method: "PUT",
      token: moderator,
      json: {
        department: "science",
        profile: "attendance",
        headers: first.json.headers,
        mapping: { "Pupil Number": "student_id", Day: "student_id" },
      },
    })
    expect(twice.status).toBe(400)
    expect(twice.json.error).toMatch(/both mapped onto "student_id"/)

    const mapping = { "Pupil Number": "student_id", Day: "date", "Present?": "status" }
    // a plain user may not decide how the department's later files read
    const byUser = await api.call("/api/column-mappings/", {
      method: "PUT",
      token: user,
      json: { department: "science", profile: "attendance", headers: first.json.headers, mapping },
    })
    expect(byUser.status).toBe(403)
    expect((await api.call("/api/column-mappings/?department=science", { token: user })).json.count).toBe(0)
    const confirmed = await api.call("/api/column-mappings/", {
      method: "PUT",
      token: moderator,
      json: { department: "science", profile: "attendance", headers: first.json.headers, mapping },
    })
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.json).toEqual(
      expect.objectContaining({
        department: "science",
        profile: "attendance",
        mapping,
        fingerprint: first.json.fingerprint,
      }),
    )

    const again = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("register.csv", UNKNOWN, { profile: "attendance", department: "science" }),
    })
    expect(again.json.ready).toBe(true)
    expect(again.json.missing_columns).toEqual([])
    expect(again.json.remembered_mapping.id).toBe(confirmed.json.id)
    expect(again.json.columns.map((c: { name: string }) => c.name)).toEqual(["student_id", "date", "status"])

    const listed = await api.call("/api/column-mappings/?department=science", { token: user })
    expect(listed.json.count).toBe(1)
    const otherDepartment = await api.call("/api/column-mappings/?department=history", { token: user })
    expect(otherDepartment.json.count).toBe(0)

    // the same headers in another order, from that department: the worker maps and publishes it
    const created = await api.call("/api/uploads/", {
      method: "POST",
      token: user,
      body: form("register-2.csv", SAME_HEADERS_OTHER_ORDER, { profile: "attendance", department: "science" }),
    })
    expect(created.status, created.text).toBe(201)
    // from another department the same file is not mapped: it fails as the profile rules say
    const elsewhere = await api.call("/api/uploads/", {
      method: "POST",
      token: user,
      body: form("register-3.csv", SAME_HEADERS_OTHER_ORDER, { profile: "attendance", department: "history" }),
    })
    expect(elsewhere.status).toBe(201)

    const settled = async (id: string) => {
      for (let i = 0; i < 200; i++) {
        const reply = await api.call(`/api/uploads/${id}/`, { token: user })
        if (["published", "failed"].includes(reply.json.status)) return reply.json
        await sleep(50)
      }
      throw new Error(`upload ${id} did not finish`)
    }
    const published = await settled(created.json.id)
    expect(published.status).toBe("published")
    const standardize = published.stages.find((s: { name: string }) => s.name === "standardize_results")
    expect(standardize.log.columnMapping).toEqual({ fingerprint: first.json.fingerprint, mapping, remembered: true })
    expect(standardize.log.columns).toEqual(["date", "status", "student_id"])
    const failed = await settled(elsewhere.json.id)
    expect(failed.status).toBe("failed")

    // only admins forget a mapping
    const forgetByModerator = await api.call(`/api/column-mappings/${confirmed.json.id}/`, {
      method: "DELETE",
      token: moderator,
    })
    expect(forgetByModerator.status).toBe(403)
    const byAdmin = await api.call(`/api/column-mappings/${confirmed.json.id}/`, { method: "DELETE", token: admin })
    expect(byAdmin.status).toBe(204)
    const gone = await api.call(`/api/column-mappings/${confirmed.json.id}/`, { method: "DELETE", token: admin })
    expect(gone.status).toBe(404)
  }, 60_000)
})
