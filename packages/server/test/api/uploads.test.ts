/**
 * The uploads area over HTTP on both databases: a file taken in as multipart and processed
 * to published, its reports downloaded; the size limit from Content-Length and from a
 * streamed body; sniffing; filters and pagination; the SQL statements of a list counted on
 * the wire; the progress stream; retry, approval, correction and deletion with their roles.
 */
import { existsSync, readdirSync } from "node:fs"
import net from "node:net"
import { join } from "node:path"
import { processNextUpload, UploadsRepo } from "@batchops/core"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { contentDisposition } from "../../src/api/uploads/Reports.js"
import { type Backend, startApi, streamPost, type TestApi } from "./harness.js"

const GRADEBOOK = "Student ID,Name,Score\nS001,Ada Lovelace,91\nS002,Alan Turing,78\nS003,Grace Hopper,85\n"
const STAGES = ["standardize_results", "validate_results", "transform_gradebook", "generate_summary", "publish_results"]
const LIMIT = 4096
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

const form = (fileName: string, content: string | Uint8Array, fields: Record<string, string> = {}) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  for (const [name, value] of Object.entries(fields)) body.set(name, value)
  return body
}

describe.each<Backend>(["pglite", "postgres"])("uploads over HTTP on %s", (backend) => {
  let api: TestApi
  let user: string
  let userId: string
  let moderator: string
  let admin: string

  beforeAll(async () => {
    // the API reads its limits from the environment it is started with
    api = await startApi(backend, { env: { BATCHOPS_MAX_UPLOAD_BYTES: String(LIMIT) } })
    const operator = await api.account("user")
    user = operator.token
    userId = operator.user.id
    moderator = (await api.account("moderator")).token
    admin = (await api.account("admin")).token
  }, 60_000)
  afterAll(() => api?.close())

  const upload = async (fileName: string, content: string | Uint8Array, fields: Record<string, string> = {}) => {
    const reply = await api.call("/api/uploads/", {
      method: "POST",
      token: user,
      body: form(fileName, content, fields),
    })
    expect(reply.status, reply.text).toBe(201)
    return reply.json
  }
  /** runs queued uploads, as the worker does, until `id` ran (uploads of earlier tests may be ahead of it) */
  const processOne = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const outcome = await api.server.run(
        Effect.map(processNextUpload({ worker: "test", leaseMs: 60_000 }), (next) => Option.getOrNull(next)),
      )
      if (outcome === null) throw new Error(`upload ${id} was not in the queue`)
      if (outcome.uploadId === id) return outcome
    }
    throw new Error(`upload ${id} did not run`)
  }
  const houseRule = {
    process_mode: "delete",
    process_config: JSON.stringify({ rules: [{ column: "house", value: "x" }] }),
  }
  const get = async (id: string) => (await api.call(`/api/uploads/${id}/`, { token: user })).json

  it("takes a file in, publishes it, and serves its reports with their names", async () => {
    const created = await upload("Term 1 gradebook.csv", GRADEBOOK)
    expect(created).toMatchObject({
      file_name: "Term 1 gradebook.csv",
      status: "queued",
      process_mode: "transform",
      process_config: {},
      profile: "gradebook",
      progress: 0,
      rows: null,
      size: GRADEBOOK.length,
      stages: [],
      incident_id: null,
      approval: null,
      reports: { csv: null, pdf: null },
      uploaded_by: userId,
    })
    expect(created.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(created.created_at).toEqual(expect.any(String))

    const early = await api.call(`/api/reports/summary/?upload_id=${created.id}&format=csv`, { token: user })
    expect(early.status).toBe(404)
    expect(early.json.error).toContain("no CSV report yet")

    expect(await processOne(created.id)).toMatchObject({ status: "published" })
    const published = await get(created.id)
    expect(published).toMatchObject({ status: "published", progress: 100, rows: 3 })
    expect(published.stages.map((s: { name: string }) => s.name)).toEqual(STAGES)
    expect(published.stages[0]).toMatchObject({ plugin: expect.any(String), status: "ok", log: { rowsOut: 3 } })
    expect(published.stages[0].duration_ms).toEqual(expect.any(Number))
    expect(published.reports).toEqual({
      csv: `/api/reports/summary/?upload_id=${created.id}&format=csv`,
      pdf: `/api/reports/summary/?upload_id=${created.id}&format=pdf`,
    })

    const stored = await api.server.run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        return {
          csv: Option.getOrThrow(yield* uploads.getReport(created.id, "csv")),
          pdf: Option.getOrThrow(yield* uploads.getReport(created.id, "pdf")),
        }
      }),
    )
    const csv = await fetch(`${api.url}${published.reports.csv}`, { headers: { Authorization: `Token ${user}` } })
    expect(csv.status).toBe(200)
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8")
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="Term 1 gradebook.summary.csv"')
    expect(new Uint8Array(await csv.arrayBuffer())).toEqual(new Uint8Array(stored.csv))
    const pdf = await fetch(`${api.url}${published.reports.pdf}`, { headers: { Authorization: `Token ${moderator}` } })
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(pdf.headers.get("content-disposition")).toBe('attachment; filename="Term 1 gradebook.summary.pdf"')
    const pdfBytes = new Uint8Array(await pdf.arrayBuffer())
    expect(pdfBytes).toEqual(new Uint8Array(stored.pdf))
    expect(new TextDecoder().decode(pdfBytes.subarray(0, 5))).toBe("%PDF-")

    const anonymous = await api.call(`/api/uploads/${created.id}/`)
    expect(anonymous.status).toBe(401)
    expect((await api.call("/api/uploads/nope/", { token: user })).status).toBe(404)
  })

  it("keeps a name's accents for its reports, with an RFC 6266 filename*", async () => {
    const created = await upload("C:\\Exports\\Notes élèves 9B.csv", GRADEBOOK)
    expect(created.file_name).toBe("Notes élèves 9B.csv")
    await processOne(created.id)
    const csv = await fetch(`${api.url}/api/reports/summary/?upload_id=${created.id}&format=csv`, {
      headers: { Authorization: `Token ${user}` },
    })
    expect(csv.status).toBe(200)
    expect(csv.headers.get("content-disposition")).toBe(
      "attachment; filename=\"Notes _l_ves 9B.summary.csv\"; filename*=UTF-8''Notes%20%C3%A9l%C3%A8ves%209B.summary.csv",
    )
  })

  it("refuses a file over the limit from its Content-Length, and the rest of it unread", async () => {
    const big = "Student ID,Name,Score\n" + "S001,Ada Lovelace,91\n".repeat(400)
    const honest = await api.call("/api/uploads/", { method: "POST", token: user, body: form("big.csv", big) })
    expect(honest.status).toBe(413)
    expect(honest.json).toMatchObject({ code: "too_large" })
    expect(honest.json.error).toContain("upload limit of 4 KB (4096 bytes")

    const declared = await rawPost(api.url, user, { contentLength: 10_000_000, chunks: 0 })
    expect(declared.status).toBe(413)
    expect(declared.written).toBe(0)
  })

  it("stops reading a chunked body without Content-Length at the limit", async () => {
    const streamed = await rawPost(api.url, user, { chunks: 2_000 })
    expect(streamed.status).toBe(413)
    expect(JSON.parse(streamed.body).error).toContain("larger than the upload limit")
    // the answer came long before the 2000 chunks of 16 KiB would have been sent
    expect(streamed.written).toBeLessThan(2_000 * 16_384)
    const list = await api.call("/api/uploads/?page_size=200", { token: user })
    expect(list.json.results.some((u: { file_name: string }) => u.file_name === "stream.csv")).toBe(false)
  })

  it("reads the file's kind from its bytes, and names the field that is wrong", async () => {
    const image = await api.call("/api/uploads/", { method: "POST", token: user, body: form("marks.csv", PNG) })
    expect(image.status).toBe(415)
    expect(image.json.error).toBe(
      "the file is a PNG image, whatever its name says: BatchOps reads CSV or TSV text, Excel workbooks (.xlsx, .xls), OpenDocument spreadsheets (.ods) and PDF tables",
    )
    const tsv = await upload("marks.tsv", "Student ID\tName\tScore\nS001\tAda\t91\n")
    expect(tsv.status).toBe("queued")

    const cases: Array<[Record<string, string>, string]> = [
      [{ process_config: "{not json" }, "process_config"],
      [{ process_config: "[1]" }, "process_config"],
      [{ profile: "timetable" }, "profile"],
      [{ process_mode: "shred" }, "process_mode"],
      [{ colour: "blue" }, "colour"],
    ]
    for (const [fields, field] of cases) {
      const reply = await api.call("/api/uploads/", {
        method: "POST",
        token: user,
        body: form("a.csv", GRADEBOOK, fields),
      })
      expect(reply.status, JSON.stringify(fields)).toBe(400)
      expect(reply.json.fields.map((f: { path: string }) => f.path)).toEqual([field])
    }
    const noFile = new FormData()
    noFile.set("profile", "gradebook")
    const missing = await api.call("/api/uploads/", { method: "POST", token: user, body: noFile })
    expect(missing.status).toBe(400)
    expect(missing.json.fields).toEqual([{ path: "file", message: "a file is required" }])
    const auto = await upload("../../etc/auto.csv", GRADEBOOK, { profile: "auto", process_config: '{"rules":[]}' })
    expect(auto).toMatchObject({ profile: "auto", file_name: "auto.csv", process_config: { rules: [] } })
  })

  it("filters and pages the list, newest first", async () => {
    const a = await upload("filter-a.csv", GRADEBOOK, { profile: "auto" })
    const b = await upload("filter-b.csv", GRADEBOOK, { process_mode: "delete", process_config: '{"rules":[]}' })
    const c = await upload("filter-c.csv", GRADEBOOK, { profile: "auto", process_mode: "delete" })
    const all = await api.call("/api/uploads/?page_size=200", { token: user })
    expect(all.status).toBe(200)
    const total = all.json.count
    expect(all.json.results.slice(0, 3).map((u: { id: string }) => u.id)).toEqual([c.id, b.id, a.id])

    const auto = await api.call("/api/uploads/?profile=auto&process_mode=delete", { token: user })
    expect(auto.json.count).toBe(1)
    expect(auto.json.results[0].id).toBe(c.id)
    const queued = await api.call("/api/uploads/?status=queued&page_size=200", { token: user })
    // the three just made are queued (no worker runs here), so the filter has rows to check
    expect(queued.json.results.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([a.id, b.id, c.id]))
    expect(queued.json.results.every((u: { status: string }) => u.status === "queued")).toBe(true)
    const future = await api.call("/api/uploads/?created_after=2999-01-01", { token: user })
    expect(future.json).toEqual({ count: 0, next: null, previous: null, results: [] })
    const today = new Date().toISOString().slice(0, 10)
    const dated = await api.call(`/api/uploads/?created_after=${today}&created_before=${today}&page_size=200`, {
      token: user,
    })
    expect(dated.json.count).toBe(total)

    const first = await api.call("/api/uploads/?page_size=2", { token: user })
    expect(first.json.results).toHaveLength(2)
    expect(first.json.previous).toBeNull()
    expect(first.json.next).toBe("/api/uploads/?page_size=2&page=2")
    const second = await api.call(first.json.next, { token: user })
    expect(second.json.previous).toBe("/api/uploads/?page_size=2&page=1")
    expect(second.json.results[0].id).toBe(a.id)

    const wrong = await api.call("/api/uploads/?status=done&created_after=yesterday", { token: user })
    expect(wrong.status).toBe(400)
    expect(wrong.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(["created_after", "status"])
  })

  it("sends as many SQL statements for a list of 1 as for a list of 50", async () => {
    for (let i = 0; i < 6; i++) await upload(`count-${i}.csv`, GRADEBOOK)
    const small = await statementsDuring(api, () => api.call("/api/uploads/?page_size=1", { token: user }))
    const large = await statementsDuring(api, () => api.call("/api/uploads/?page_size=50", { token: user }))
    expect(small.result.json.results).toHaveLength(1)
    expect(large.result.json.results.length).toBeGreaterThanOrEqual(6)
    expect(small.statements).toBeGreaterThan(0)
    // the same few statements (the token's lookup, the page with its count), whatever the page size
    expect(large.statements).toBe(small.statements)
  })

  it("streams a run's stages as server-sent events and ends on its final status", async () => {
    const created = await upload("stream-me.csv", GRADEBOOK)
    const response = await fetch(`${api.url}/api/uploads/${created.id}/events/`, {
      headers: { Authorization: `Token ${user}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
    const reading = readEvents(response)
    await new Promise((resume) => setTimeout(resume, 400))
    expect(await processOne(created.id)).toMatchObject({ status: "published" })
    const events = await reading
    const stages = events.filter((e) => e.event === "stage")
    expect(stages.map((e) => `${e.data.state} ${e.data.stage}`)).toEqual(
      STAGES.flatMap((stage) => [`started ${stage}`, `finished ${stage}`]),
    )
    expect(stages[1]!.data).toMatchObject({ status: "ok", rows_out: 3, rows: 3, index: 0, total: 5 })
    expect(events[0]).toEqual({ event: "progress", data: { status: "queued", progress: 0, rows: null } })
    expect(events.at(-1)).toEqual({
      event: "status",
      data: { status: "published", progress: 100, rows: 3, incident_id: null },
    })

    // a finished upload: its stored stages, then its status, at once
    const again = await fetch(`${api.url}/api/uploads/${created.id}/events/`, {
      headers: { Authorization: `Token ${user}` },
    })
    const replay = await readEvents(again)
    expect(replay.filter((e) => e.event === "stage")).toHaveLength(10)
    expect(replay.at(-1)!.data.status).toBe("published")
  })

  it("stops reading the database when the client of a stream goes away", async () => {
    const created = await upload("watch-and-leave.csv", GRADEBOOK)
    const leave = new AbortController()
    const response = await fetch(`${api.url}/api/uploads/${created.id}/events/`, {
      headers: { Authorization: `Token ${user}` },
      signal: leave.signal,
    })
    const reader = response.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toBe('event: progress\ndata: {"status":"queued","progress":0,"rows":null}\n\n')
    const watching = await statementsDuring(api, () => new Promise((resume) => setTimeout(resume, 700)))
    expect(watching.statements).toBeGreaterThan(0)
    leave.abort()
    await new Promise((resume) => setTimeout(resume, 400))
    const after = await statementsDuring(api, () => new Promise((resume) => setTimeout(resume, 1000)))
    expect(after.statements).toBe(0)
  })

  it("retries a failed upload with a corrected plan as a manager; a user retries it only as it is", async () => {
    const created = await upload("retry-me.csv", GRADEBOOK, houseRule)
    const failed = await processOne(created.id)
    expect(failed).toMatchObject({ status: "failed" })
    const shown = await get(created.id)
    expect(shown.status).toBe("failed")
    expect(shown.incident_id).toEqual(expect.any(String))

    // a correction by retry is a correction: the same role as PATCH
    for (const json of [{ profile: "timetable" }, { process_mode: "transform" }, { process_config: {} }]) {
      const byUser = await api.call(`/api/uploads/${created.id}/retry/`, { method: "POST", token: user, json })
      expect(byUser.status, JSON.stringify(json)).toBe(403)
      expect(byUser.json.error).toContain("is for admins and moderators")
    }
    expect((await get(created.id)).status).toBe("failed")
    const wrong = await api.call(`/api/uploads/${created.id}/retry/`, {
      method: "POST",
      token: moderator,
      json: { profile: "timetable" },
    })
    expect(wrong.status).toBe(400)
    expect(wrong.json.fields[0].path).toBe("profile")
    const retried = await api.call(`/api/uploads/${created.id}/retry/`, {
      method: "POST",
      token: moderator,
      json: { process_mode: "transform" },
    })
    expect(retried.status, retried.text).toBe(200)
    expect(retried.json).toMatchObject({
      upload: { status: "queued", process_mode: "transform", process_config: {} },
      resume_after: null,
      incident_id: shown.incident_id,
    })
    const twice = await api.call(`/api/uploads/${created.id}/retry/`, { method: "POST", token: user })
    expect(twice.status).toBe(409)
    expect(twice.json.error).toContain("only a failed upload can be retried")
    expect(await processOne(created.id)).toMatchObject({ status: "published" })
    const timeline = await api.call(`/api/uploads/${created.id}/timeline/`, { token: user })
    expect(timeline.json.events.map((e: { kind: string }) => e.kind)).toEqual(["retry"])
    expect(timeline.json.events[0]).toMatchObject({
      message: "retry queued: from the file with the corrected plan",
    })

    // as it is (the same plan said again changes nothing), a user's retry goes ahead
    const again = await upload("retry-as-is.csv", GRADEBOOK, houseRule)
    expect(await processOne(again.id)).toMatchObject({ status: "failed" })
    const asIs = await api.call(`/api/uploads/${again.id}/retry/`, {
      method: "POST",
      token: user,
      json: { process_mode: "delete", process_config: JSON.parse(houseRule.process_config) },
    })
    expect(asIs.status, asIs.text).toBe(200)
    expect(asIs.json.upload).toMatchObject({ status: "queued", uploaded_by: userId })
    const events = (await api.call(`/api/uploads/${again.id}/timeline/`, { token: user })).json.events
    expect(events.at(-1)).toMatchObject({ kind: "retry", actor: userId })
  })

  it("holds a retry that deletes a large share for approval, like any run", async () => {
    const created = await upload("retry-delete.csv", GRADEBOOK, houseRule)
    expect(await processOne(created.id)).toMatchObject({ status: "failed" })
    const retried = await api.call(`/api/uploads/${created.id}/retry/`, {
      method: "POST",
      token: moderator,
      json: { process_mode: "delete", process_config: { rules: [{ column: "score", value: 78 }] } },
    })
    expect(retried.status, retried.text).toBe(200)
    expect(await processOne(created.id)).toMatchObject({ status: "awaiting_approval" })
    const held = await get(created.id)
    expect(held.approval.request).toMatchObject({ input_rows: 3, deleted: 1, max_share: 0.2 })
    expect(held.reports).toEqual({ csv: null, pdf: null })
  })

  const deleteScore = {
    process_mode: "delete",
    process_config: JSON.stringify({ rules: [{ column: "score", value: 78 }] }),
  }

  it("holds a large change: a moderator approves it, a user may not", async () => {
    const created = await upload("approve-me.csv", GRADEBOOK, deleteScore)
    expect(await processOne(created.id)).toMatchObject({ status: "awaiting_approval" })
    const held = await get(created.id)
    expect(held.approval).toMatchObject({
      request: { stage: expect.any(String), input_rows: 3, deleted: 1, appended: 0, max_share: 0.2 },
      held_at: expect.any(String),
      decision: null,
    })
    expect(held.approval.request.preview).toHaveLength(1)

    const byUser = await api.call(`/api/uploads/${created.id}/approve/`, { method: "POST", token: user })
    expect(byUser.status).toBe(403)
    const approved = await api.call(`/api/uploads/${created.id}/approve/`, {
      method: "POST",
      token: moderator,
      json: { note: "class 9B left" },
    })
    expect(approved.status, approved.text).toBe(200)
    expect(approved.json.status).toBe("queued")
    expect(approved.json.approval.decision).toMatchObject({ approved: true, note: "class 9B left" })
    const twice = await api.call(`/api/uploads/${created.id}/reject/`, { method: "POST", token: admin })
    expect(twice.status).toBe(409)
    expect(await processOne(created.id)).toMatchObject({ status: "published" })
    expect((await get(created.id)).rows).toBe(2)
  })

  it("rejects a held change: the upload ends rejected, with nothing to download", async () => {
    const created = await upload("reject-me.csv", GRADEBOOK, deleteScore)
    await processOne(created.id)
    const rejected = await api.call(`/api/uploads/${created.id}/reject/`, { method: "POST", token: admin, json: {} })
    expect(rejected.status).toBe(200)
    expect(rejected.json).toMatchObject({ status: "rejected", approval: { decision: { approved: false } } })
    const report = await api.call(`/api/reports/summary/?upload_id=${created.id}&format=pdf`, { token: user })
    expect(report.status).toBe(404)
    const timeline = await api.call(`/api/uploads/${created.id}/timeline/`, { token: user })
    expect(timeline.json.events.map((e: { kind: string }) => e.kind)).toEqual(["held", "rejected"])
    const events = await readEvents(
      await fetch(`${api.url}/api/uploads/${created.id}/events/`, { headers: { Authorization: `Token ${user}` } }),
    )
    expect(events.at(-1)).toMatchObject({ event: "status", data: { status: "rejected" } })
  })

  it("corrects the plan of a queued or failed upload only, as a manager", async () => {
    const created = await upload("patch-me.csv", GRADEBOOK, houseRule)
    const byUser = await api.call(`/api/uploads/${created.id}/`, {
      method: "PATCH",
      token: user,
      json: { process_mode: "transform" },
    })
    expect(byUser.status).toBe(403)
    const unknown = await api.call(`/api/uploads/${created.id}/`, {
      method: "PATCH",
      token: moderator,
      json: { process_mode: "shred" },
    })
    expect(unknown.status).toBe(400)
    expect(unknown.json.fields[0].path).toBe("process_mode")
    const patched = await api.call(`/api/uploads/${created.id}/`, {
      method: "PATCH",
      token: moderator,
      json: { process_mode: "transform", process_config: {} },
    })
    expect(patched.status, patched.text).toBe(200)
    expect(patched.json).toMatchObject({ process_mode: "transform", process_config: {}, status: "queued" })
    // the queued work item runs the corrected plan (the house rule would have failed it)
    expect(await processOne(created.id)).toMatchObject({ status: "published" })
    const late = await api.call(`/api/uploads/${created.id}/`, {
      method: "PATCH",
      token: admin,
      json: { profile: "auto" },
    })
    expect(late.status).toBe(409)
    expect(late.json.error).toContain("is published; its plan can change only while it is queued or failed")

    // a failed upload corrected runs from the file on its retry
    const failing = await upload("patch-failed.csv", GRADEBOOK, houseRule)
    expect(await processOne(failing.id)).toMatchObject({ status: "failed" })
    const fixed = await api.call(`/api/uploads/${failing.id}/`, {
      method: "PATCH",
      token: admin,
      json: { process_mode: "transform", process_config: {} },
    })
    expect(fixed.status).toBe(200)
    expect(fixed.json).toMatchObject({ status: "failed", stages: [] })
    const retried = await api.call(`/api/uploads/${failing.id}/retry/`, { method: "POST", token: user })
    expect(retried.json).toMatchObject({ resume_after: null, upload: { process_mode: "transform" } })
    expect(await processOne(failing.id)).toMatchObject({ status: "published" })
    const timeline = await api.call(`/api/uploads/${failing.id}/timeline/`, { token: user })
    expect(timeline.json.events.map((e: { kind: string }) => e.kind)).toEqual(["corrected", "retry"])
  })

  it("deletes an upload with its files as a manager, never while it runs", async () => {
    const created = await upload("delete-me.csv", GRADEBOOK)
    await processOne(created.id)
    const byUser = await api.call(`/api/uploads/${created.id}/`, { method: "DELETE", token: user })
    expect(byUser.status).toBe(403)
    const uploadsDir = join(api.dataDir, "uploads", created.sha256.slice(0, 2))
    const exportDir = join(api.dataDir, "exports", created.id)
    expect(readdirSync(uploadsDir).some((name) => name.startsWith(created.id))).toBe(true)
    expect(existsSync(exportDir)).toBe(true)
    const deleted = await api.call(`/api/uploads/${created.id}/`, { method: "DELETE", token: moderator })
    expect(deleted.status).toBe(204)
    expect(readdirSync(uploadsDir).some((name) => name.startsWith(created.id))).toBe(false)
    expect(existsSync(exportDir)).toBe(false)
    expect((await api.call(`/api/uploads/${created.id}/`, { token: user })).status).toBe(404)
    expect((await api.call(`/api/uploads/${created.id}/`, { method: "DELETE", token: admin })).status).toBe(404)

    const waiting = await upload("delete-queued.csv", GRADEBOOK)
    const running = await upload("delete-running.csv", GRADEBOOK)
    await api.server.run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        yield* uploads.updateStatus(running.id, "processing")
      }),
    )
    const refused = await api.call(`/api/uploads/${running.id}/`, { method: "DELETE", token: admin })
    expect(refused.status).toBe(409)
    expect(refused.json.error).toContain("is processing")
    expect((await api.call(`/api/uploads/${waiting.id}/`, { method: "DELETE", token: admin })).status).toBe(204)
    const items = await api.server.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM work_queue
          WHERE kind = 'process_upload' AND payload->>'uploadId' IN (${waiting.id}, ${created.id})`
      }),
    )
    expect(items[0]!.n).toBe(0)
  })
})

describe("the report's Content-Disposition", () => {
  it("quotes an ASCII name, and adds filename* for any other", () => {
    expect(contentDisposition("Term 1.summary.csv")).toBe('attachment; filename="Term 1.summary.csv"')
    expect(contentDisposition('a"b\\c.csv')).toBe("attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''a%22b%5Cc.csv")
    expect(contentDisposition("Élèves (9B).pdf")).toBe(
      "attachment; filename=\"_l_ves (9B).pdf\"; filename*=UTF-8''%C3%89l%C3%A8ves%20%289B%29.pdf",
    )
  })
})

interface SseEvent {
  readonly event: string
  /** the event's JSON, read by the tests as the harness reads answers */
  // biome-ignore lint/suspicious/noExplicitAny: test assertions walk the parsed JSON freely
  readonly data: any
}

/** Every event of a stream, until the server ends it (or 20 s pass). */
const readEvents = async (response: Response): Promise<Array<SseEvent>> => {
  const text = await Promise.race([
    response.text(),
    new Promise<string>((_, reject) => setTimeout(() => reject(new Error("the stream did not end")), 20_000)),
  ])
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event: "))
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n")
      return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) }
    })
}

const BOUNDARY = "----batchops-test"

/** A multipart upload of `stream.csv` in 16 KiB chunks, or only its declared Content-Length. */
const rawPost = (base: string, token: string, options: { readonly contentLength?: number; readonly chunks: number }) =>
  streamPost(base, "/api/uploads/", {
    token,
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    contentLength: options.contentLength,
    head: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="stream.csv"\r\n\r\n`,
    chunk: Buffer.alloc(16_384, "S001,Ada Lovelace,91\n"),
    chunks: options.chunks,
    tail: `\r\n--${BOUNDARY}--\r\n`,
  })

/**
 * The statements the server sends to its database during `action`, counted on the wire: the
 * Execute ('E') and simple Query ('Q') messages of the Postgres protocol written by any client
 * socket that is not an HTTP connection to the API (PGlite is served over the same protocol).
 */
const statementsDuring = async <A>(api: TestApi, action: () => Promise<A>) => {
  const original = net.Socket.prototype.write
  let statements = 0
  const port = api.server.port
  net.Socket.prototype.write = function (this: net.Socket, data: unknown, ...rest: Array<unknown>) {
    // a socket a server accepted has its server; the ones this process opened have none
    const isClient = !(this as { server?: unknown }).server
    if (isClient && this.remotePort !== port && (Buffer.isBuffer(data) || data instanceof Uint8Array)) {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      let at = 0
      while (at + 5 <= bytes.length) {
        const type = bytes[at]!
        const length = bytes.readUInt32BE(at + 1)
        if (length < 4) break
        if (type === 0x45 || type === 0x51) statements++
        at += 1 + length
      }
    }
    return (original as (...args: Array<unknown>) => boolean).call(this, data, ...rest)
  } as typeof original
  try {
    const result = await action()
    return { result, statements }
  } finally {
    net.Socket.prototype.write = original
  }
}
