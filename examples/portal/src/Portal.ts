/**
 * A school portal, the kind of Node web app a school already runs, with BatchOps embedded:
 * staff upload a file on one page, BatchOps processes it, and the page shows the report
 * (status, summary table, step log, downloads) or, for a bad file, the incident.
 *
 * The portal only keeps uploads in memory and serves report files by upload id and kind,
 * never by a path taken from the request.
 */
import { randomBytes } from "node:crypto"
import { readFile } from "node:fs/promises"
import path from "node:path"
import type { BatchOps, PipelineResult } from "@batchops/core"
import { type Context, Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { html } from "hono/html"

export interface PortalOptions {
  /** the BatchOps instance the portal processes uploads with (its layer decides where reports go) */
  readonly batchOps: BatchOps
  /** shown in the page title (default "Riverside High School") */
  readonly schoolName?: string
  /** the largest upload accepted (default 10 MiB) */
  readonly maxUploadBytes?: number
  /** how many uploads the portal remembers, oldest forgotten first (default 200) */
  readonly keepUploads?: number
}

/** One processed upload: what was sent and what BatchOps made of it. */
interface Upload {
  readonly id: string
  readonly name: string
  readonly profile: string
  readonly plan: string
  readonly result: PipelineResult
}

/** The report files an upload page links to: route segment -> where in `result.reports`, and how to send it. */
const DOWNLOADS = {
  "report.csv": { key: "csv", type: "text/csv; charset=utf-8" },
  "report.pdf": { key: "pdf", type: "application/pdf" },
  "rejected.csv": { key: "rejected", type: "text/csv; charset=utf-8" },
} as const

type Download = keyof typeof DOWNLOADS

const isDownload = (name: string): name is Download => Object.hasOwn(DOWNLOADS, name)

/** Upload ids: 16 hex digits, made here. */
const UPLOAD_ID = /^[0-9a-f]{16}$/

const PLAN_HINTS: Readonly<Record<string, string>> = {
  transform: "no configuration",
  append: '{"records": [{"student_id": "STU-1", "math": 80}]}',
  delete: '{"rules": [{"column": "class", "value": "9B"}]}',
  custom: '{"note": "why the file was processed"}',
}

const number = (value: number | undefined) =>
  value === undefined ? "" : Number.isInteger(value) ? String(value) : value.toFixed(2)

const page = (title: string, school: string, body: unknown) => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title} · ${school}</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
      table { border-collapse: collapse; margin: 1rem 0; }
      th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
      .published { color: #176f2c; } .failed { color: #a11; }
      pre { margin: 0; white-space: pre-wrap; font-size: 0.85em; }
      label { display: block; margin: 0.75rem 0 0.25rem; }
    </style>
  </head>
  <body>
    <header><a href="/">${school} staff portal</a></header>
    <main>${body}</main>
  </body>
</html>`

const uploadForm = (batchOps: BatchOps) => html`<h1>Process a school file</h1>
  <p>Upload a gradebook, attendance register or roster (CSV, TSV, XLSX or PDF).</p>
  <form method="post" action="/uploads" enctype="multipart/form-data">
    <label for="file">File</label>
    <input id="file" name="file" type="file" required />
    <label for="profile">Kind of file</label>
    <select id="profile" name="profile">
      <option value="auto">Detect it</option>
      ${batchOps.profiles.map((profile) => html`<option value="${profile.id}">${profile.label}</option>`)}
    </select>
    <label for="plan">Plan</label>
    <select id="plan" name="plan">
      ${batchOps.plans.map((plan) => html`<option value="${plan.id}">${plan.label}</option>`)}
    </select>
    <label for="config">Plan configuration (JSON, optional)</label>
    <textarea id="config" name="config" rows="3" cols="70"></textarea>
    <p><small>${Object.entries(PLAN_HINTS).map(([plan, hint]) => html`${plan}: <code>${hint}</code><br />`)}</small></p>
    <p><button type="submit">Process</button></p>
  </form>`

const summaryTable = (result: PipelineResult) => {
  const numeric = result.summary?.numeric ?? []
  if (numeric.length === 0) return html`<p>No numeric columns to summarize.</p>`
  return html`<table>
    <caption>Summary of ${result.rows} rows</caption>
    <tr><th>column</th><th>count</th><th>missing</th><th>mean</th><th>std</th><th>min</th><th>median</th><th>max</th></tr>
    ${numeric.map(
      (stats) =>
        html`<tr><td>${stats.column}</td><td>${stats.count}</td><td>${stats.missing}</td><td>${number(stats.mean)}</td><td>${number(stats.std)}</td><td>${number(stats.min)}</td><td>${number(stats.median)}</td><td>${number(stats.max)}</td></tr>`,
    )}
  </table>`
}

const stepLog = (result: PipelineResult) => html`<h2>Step log</h2>
  <table>
    <tr><th>stage</th><th>plugin</th><th>status</th><th>ms</th><th>log</th></tr>
    ${result.stages.map(
      (step) =>
        html`<tr><td>${step.name}</td><td>${step.plugin}</td><td>${step.status}</td><td>${Math.round(step.durationMs)}</td><td><pre>${JSON.stringify(step.log, null, 1)}</pre></td></tr>`,
    )}
  </table>`

const incidentBlock = (result: PipelineResult) => {
  const incident = result.incident
  if (incident === null) return ""
  return html`<h2>Incident</h2>
    <table class="incident">
      <tr><th>Stage</th><td>${incident.stage}</td></tr>
      <tr><th>Error</th><td>${incident.error}</td></tr>
      <tr><th>Severity</th><td>${incident.severity}</td></tr>
      <tr><th>Root cause</th><td>${incident.rootCause ?? "not a known error: look at the error above"}</td></tr>
      <tr><th>Corrective action</th><td>${incident.correctiveAction ?? "ask the department about the file"}</td></tr>
    </table>`
}

const reportPage = (upload: Upload) => {
  const { result } = upload
  const reports = result.reports
  const downloads =
    reports === null
      ? ""
      : html`<p>Download:
          <a href="/uploads/${upload.id}/report.csv">CSV report</a> ·
          <a href="/uploads/${upload.id}/report.pdf">PDF report</a>
          ${reports.rejected === undefined ? "" : html` · <a href="/uploads/${upload.id}/rejected.csv">rejected rows</a>`}
        </p>`
  return html`<h1>${upload.name}</h1>
    <p>Status: <strong class="${result.status}">${result.status}</strong> · profile ${result.profile ?? upload.profile} ·
      plan ${upload.plan} · format ${result.format ?? "unknown"} · ${result.rows} rows · ${result.problemCount} warnings</p>
    ${downloads}
    ${result.status === "published" ? summaryTable(result) : ""}
    ${incidentBlock(result)}
    ${stepLog(result)}
    <p><a href="/">Process another file</a></p>`
}

/** The portal's Hono app: `GET /` (the form), `POST /uploads`, `GET /uploads/:id` and its downloads. */
export const createPortal = (options: PortalOptions): Hono => {
  const { batchOps } = options
  const school = options.schoolName ?? "Riverside High School"
  const maxUploadBytes = options.maxUploadBytes ?? 10 * 1024 * 1024
  const keep = options.keepUploads ?? 200
  const uploads = new Map<string, Upload>()

  const problem = (c: Context, status: 400 | 404 | 413 | 500, title: string, message: string) =>
    c.html(page(title, school, html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the form</a></p>`), status)

  const app = new Hono()

  app.get("/", (c) => c.html(page("Process a file", school, uploadForm(batchOps))))

  app.post(
    "/uploads",
    bodyLimit({
      maxSize: maxUploadBytes,
      onError: (c) =>
        problem(c, 413, "File too large", `The portal accepts files up to ${Math.round(maxUploadBytes / 1024)} KiB.`),
    }),
    async (c) => {
      const form = await c.req.parseBody().catch(() => undefined)
      const file = form?.file
      if (!(file instanceof File) || file.name === "") {
        return problem(c, 400, "No file", "Choose a file to upload.")
      }
      const profile = typeof form?.profile === "string" && form.profile !== "" ? form.profile : "auto"
      const plan = typeof form?.plan === "string" && form.plan !== "" ? form.plan : "transform"
      const configText = typeof form?.config === "string" ? form.config.trim() : ""
      let config: unknown
      try {
        config = configText === "" ? undefined : JSON.parse(configText)
      } catch (error) {
        return problem(
          c,
          400,
          "Bad plan configuration",
          `The plan configuration is not JSON: ${(error as Error).message}`,
        )
      }

      const id = randomBytes(8).toString("hex")
      const name = path.basename(file.name.replaceAll("\\", "/"))
      // the reports are named after the file: the upload id in front keeps two uploads of one
      // file apart, and only letters, digits, spaces, dots and dashes go into a name on disk
      const stored = `${id}-${name.replace(/[^\p{L}\p{N} ._-]/gu, "_")}`
      let result: PipelineResult
      try {
        result = await batchOps.process(
          { name: stored, bytes: new Uint8Array(await file.arrayBuffer()) },
          { profile, plan: { mode: plan, config } },
        )
      } catch (error) {
        // a bad request (an unknown profile or plan) rejects; a bad file resolves as "failed"
        const message = error instanceof Error ? error.message : String(error)
        return problem(c, 400, "The upload was refused", message)
      }
      uploads.set(id, { id, name, profile, plan, result })
      for (const old of uploads.keys()) {
        if (uploads.size <= keep) break
        uploads.delete(old)
      }
      return c.redirect(`/uploads/${id}`, 303)
    },
  )

  app.get("/uploads/:id", (c) => {
    const upload = uploads.get(c.req.param("id"))
    if (upload === undefined) return problem(c, 404, "Not found", "No such upload.")
    return c.html(page(upload.name, school, reportPage(upload)))
  })

  app.get("/uploads/:id/:file", async (c) => {
    const id = c.req.param("id")
    const file = c.req.param("file")
    const upload = UPLOAD_ID.test(id) ? uploads.get(id) : undefined
    // only the files BatchOps published for this upload: the path comes from the result, never the request
    const where = upload?.result.reports && isDownload(file) ? upload.result.reports[DOWNLOADS[file].key] : undefined
    if (upload === undefined || where === undefined || !isDownload(file)) {
      return problem(c, 404, "Not found", "No such report.")
    }
    const bytes = await readFile(where).catch(() => undefined)
    if (bytes === undefined) return problem(c, 404, "Not found", "The report is no longer on disk.")
    const download = `${path.parse(upload.name).name}.${file}`
    return c.body(new Uint8Array(bytes), 200, {
      "content-type": DOWNLOADS[file].type,
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(download)}`,
      "x-content-type-options": "nosniff",
    })
  })

  app.notFound((c) => problem(c, 404, "Not found", "No such page."))
  app.onError((error, c) => {
    console.error(error)
    return problem(c, 500, "Something went wrong", "The portal could not handle this request.")
  })
  return app
}
