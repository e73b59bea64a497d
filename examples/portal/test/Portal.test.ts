import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createBatchOps } from "@batchops/core"
import { createPortal } from "@batchops/example-portal"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { serve } from "@hono/node-server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const example = new URL("..", import.meta.url)
const gradebook = readFileSync(new URL("../../data/gradebook.csv", import.meta.url))

/** A multipart upload as a browser sends it from the portal's form. */
const uploadForm = (name: string, bytes: Uint8Array, fields: Record<string, string> = {}) => {
  const form = new FormData()
  form.set("file", new Blob([bytes], { type: "text/csv" }), name)
  for (const [key, value] of Object.entries({ profile: "auto", plan: "transform", config: "", ...fields })) {
    form.set(key, value)
  }
  return form
}

/** POST an upload and return the report page's address and HTML. */
const upload = async (base: string, form: FormData) => {
  const posted = await fetch(`${base}/uploads`, { method: "POST", body: form, redirect: "manual" })
  expect(posted.status).toBe(303)
  const location = posted.headers.get("location")!
  expect(location).toMatch(/^\/uploads\/[0-9a-f]{16}$/)
  const page = await fetch(base + location)
  expect(page.status).toBe(200)
  return { location, html: await page.text() }
}

describe("the school portal", () => {
  const reports = mkdtempSync(join(tmpdir(), "portal-reports-"))
  let base = ""
  let close = async () => {}

  beforeAll(async () => {
    const batchOps = await createBatchOps({ plugins: [parsersPlugin], layer: DirectoryPublisher.layer(reports) })
    const server = serve({ fetch: createPortal({ batchOps }).fetch, port: 0, hostname: "127.0.0.1" })
    await new Promise((resolve) => server.once("listening", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = async () => {
      await new Promise((resolve) => server.close(resolve))
      await batchOps.close()
    }
  })
  afterAll(async () => {
    await close()
    rmSync(reports, { recursive: true, force: true })
  })

  it("shows the upload form with the registered profiles and plans", async () => {
    const response = await fetch(`${base}/`)
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain('<form method="post" action="/uploads" enctype="multipart/form-data">')
    expect(html).toContain('<input id="file" name="file" type="file" required />')
    expect(html).toContain('<option value="gradebook">Gradebook</option>')
    expect(html).toContain('<option value="delete">Delete records</option>')
  })

  it("processes an uploaded gradebook and shows the summary, the step log and the downloads", async () => {
    const { location, html } = await upload(base, uploadForm("gradebook.csv", gradebook, { profile: "gradebook" }))
    expect(html).toContain("<h1>gradebook.csv</h1>")
    expect(html).toContain('<strong class="published">published</strong>')
    // the summary table: 120 students, 9 math scores and 5 English scores missing
    expect(html).toContain("<caption>Summary of 120 rows</caption>")
    expect(html).toMatch(/<tr><td>math<\/td><td>111<\/td><td>9<\/td><td>\d+\.\d\d<\/td>/)
    expect(html).toContain("<tr><td>english</td><td>115</td><td>5</td>")
    // the step log names every stage and its plugin
    for (const stage of ["standardize_results", "validate_results", "transform_gradebook", "publish_results"]) {
      expect(html).toContain(`<tr><td>${stage}</td><td>batchops</td><td>ok</td>`)
    }

    const csv = await fetch(`${base}${location}/report.csv`)
    expect(csv.status).toBe(200)
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8")
    expect(csv.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''gradebook.report.csv")
    const text = await csv.text()
    expect(text.replace(/^\uFEFF/, "").split("\r\n")[0]).toBe("column,count,missing,mean,std,min,p25,median,p75,max")
    expect(text).toContain("\r\nmath,111,9,")

    const pdf = await fetch(`${base}${location}/report.pdf`)
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-")
  })

  it("shows the incident of a bad file: stage, error, root cause and corrective action", async () => {
    const broken = new TextEncoder().encode("First Name,Math\nChloé,62.8\nJosé,96.7\n")
    const { location, html } = await upload(base, uploadForm("broken.csv", broken, { profile: "gradebook" }))
    expect(html).toContain('<strong class="failed">failed</strong>')
    expect(html).toContain("<tr><th>Stage</th><td>validate_results</td></tr>")
    expect(html).toContain(
      "<tr><th>Error</th><td>missing required column for the gradebook profile: student_id (columns found: first_name, math)</td></tr>",
    )
    expect(html).toContain("<tr><th>Severity</th><td>high</td></tr>")
    expect(html).toContain("The file&#39;s header lacks a column the chosen profile needs")
    expect(html).toContain("<tr><th>Corrective action</th><td>Check the profile chosen for the upload")
    expect(html).not.toContain("report.csv")
    expect((await fetch(`${base}${location}/report.csv`)).status).toBe(404)
  })

  it("serves only the reports of an upload: no other file, no path out of the folder", async () => {
    const { location } = await upload(base, uploadForm("gradebook.csv", gradebook))
    for (const path of [
      `${location}/..%2F..%2Fpackage.json`,
      `${location}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
      `${location}/gradebook.summary.csv`,
      `${location}/report.exe`,
      "/uploads/..%2f..%2fpackage.json/report.csv",
      "/uploads/0000000000000000/report.csv",
      "/uploads/%2e%2e/%2e%2e/package.json",
    ]) {
      const response = await fetch(base + path)
      expect(response.status, path).toBe(404)
      expect(await response.text(), path).not.toContain("column,count")
    }
  })

  it("escapes what the upload says: a file name full of markup is shown as text", async () => {
    const name = '<img src=x onerror="alert(1)">.csv'
    const { html } = await upload(base, uploadForm(name, gradebook))
    expect(html).toContain("<h1>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.csv</h1>")
    expect(html).not.toContain("<img")
    // and the report files on disk are named with letters, digits, dots, dashes and underscores only
    expect(readdirSync(reports).filter((file) => /[<>"=()]/.test(file))).toEqual([])
  })

  it("refuses a bad request with a clear message: an unknown plan, a plan configuration that is not JSON, no file", async () => {
    const unknown = await fetch(`${base}/uploads`, {
      method: "POST",
      body: uploadForm("gradebook.csv", gradebook, { plan: "curve" }),
    })
    expect(unknown.status).toBe(400)
    expect(await unknown.text()).toContain("unknown plan &quot;curve&quot; (known: transform, append, delete, custom)")

    const notJson = await fetch(`${base}/uploads`, {
      method: "POST",
      body: uploadForm("gradebook.csv", gradebook, { plan: "delete", config: "{rules: [" }),
    })
    expect(notJson.status).toBe(400)
    expect(await notJson.text()).toContain("The plan configuration is not JSON:")

    const form = new FormData()
    form.set("profile", "auto")
    const none = await fetch(`${base}/uploads`, { method: "POST", body: form })
    expect(none.status).toBe(400)
    expect(await none.text()).toContain("Choose a file to upload.")
  })
})

it("src/main.ts starts the portal on PORT against the built packages and processes an upload", async () => {
  const reports = mkdtempSync(join(tmpdir(), "portal-main-"))
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: example,
    env: { ...process.env, PORT: "0", REPORTS_DIR: reports },
  })
  let stderr = ""
  child.stderr.on("data", (chunk) => (stderr += chunk))
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let stdout = ""
      child.stdout.on("data", (chunk) => {
        stdout += chunk
        const found = /school portal on (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)
        if (found) resolve(found[1]!)
      })
      child.once("exit", (code) => reject(new Error(`the portal exited (${code}): ${stderr}`)))
    })
    expect((await fetch(`${base}/`)).status).toBe(200)
    const { location, html } = await upload(base, uploadForm("gradebook.csv", gradebook))
    expect(html).toContain('<strong class="published">published</strong>')
    const pdf = await fetch(`${base}${location}/report.pdf`)
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString("latin1"),
    ).toBe("%PDF-")
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
    rmSync(reports, { recursive: true, force: true })
  }
  expect(stderr).toBe("")
})
