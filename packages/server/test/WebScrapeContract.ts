/**
 * `run_web_scrape` through the job runner, the same on every database backend: url sources
 * scraped from a real HTTP server on 127.0.0.1 (a page with a table, a page linking a CSV, a
 * CSV, a slow answer, an endless one, redirects away and in circles, errors), into department
 * records (updated, not copied, when scraped again) and into uploads (once per content).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type AutomationServices,
  type CurrentRegistry,
  DepartmentsRepo,
  IncidentsRepo,
  type JobRunnerOutcome,
  type JobRunRecord,
  JobRunsRepo,
  JobsRepo,
  type KnownErrorsRepo,
  type Models,
  type NewDepartmentSource,
  type OriginalFiles,
  processNextJobRun,
  type Transactions,
  triggerJob,
  UploadsRepo,
  type WorkQueue,
} from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import { originalPath, type UploadSettings } from "@batchops/runner-node"
import { migrate } from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jobRunnerLayer } from "../src/JobRunner.js"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { defaultRegistry } from "../src/Registry.js"

export interface WebScrapeTarget {
  /** a new client layer over the backend's database */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

type Services =
  | AutomationServices
  | UploadsRepo
  | IncidentsRepo
  | KnownErrorsRepo
  | WorkQueue
  | UploadSettings
  | OriginalFiles
  | CurrentRegistry
  | SqlClient.SqlClient
  | Transactions

const RUNNER = { worker: "test-scraper", leaseMs: 60_000, overlapDelayMs: 60_000 }

/** The pages the test server serves; a test may change one between two scrapes. */
const pages = {
  grades: (rows: ReadonlyArray<readonly [string, string, string]>) => `<!doctype html>
    <html><head><meta charset="utf-8"><title>Grades</title></head><body>
    <table id="menu"><tr><td><a href="/">Home</a></td></tr></table>
    <table id="grades"><caption>Term grades</caption>
      <thead><tr><th>Student ID</th><th>Name</th><th>Grade</th></tr></thead>
      <tbody>${rows.map(([id, name, grade]) => `<tr><td>${id}</td><td>${name}</td><td>${grade}</td></tr>`).join("")}</tbody>
    </table></body></html>`,
  links: `<!doctype html><html><body><h1>Library</h1>
    <p>No table here; the loans are a download:</p>
    <a href="report.pdf">PDF</a> <a href="files/loans.csv">Loans (CSV)</a></body></html>`,
  loans: "item,title,borrower\r\nB-1,Dune,S-301\r\nB-2,Emma,S-302\r\nB-3,Ulysses,S-303\r\n",
  direct: "code;name;room\nF-1;Projector;Lab 2\nF-2;Heating;Hall\n",
  plain: "<html><body><p>Nothing to see</p></body></html>",
}

interface TestServer {
  readonly origin: string
  readonly port: number
  /** rows of the grades page */
  grades: Array<readonly [string, string, string]>
  close: () => Promise<void>
}

const startServer = async (): Promise<TestServer> => {
  const state = {
    grades: [
      ["S-1", "Ana &amp; Bo", "A"],
      ["S-2", "Caf&eacute;", "B"],
    ] as Array<readonly [string, string, string]>,
  }
  let port = 0
  const send = (response: ServerResponse, status: number, type: string, body: string) => {
    response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) })
    response.end(body)
  }
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://x").pathname
    switch (path) {
      case "/grades.html":
        return send(response, 200, "text/html; charset=utf-8", pages.grades(state.grades))
      case "/dept/links.html":
        return send(response, 200, "text/html", pages.links)
      case "/dept/files/loans.csv":
        return send(response, 200, "text/csv; charset=utf-8", pages.loans)
      case "/facilities.csv":
        return send(response, 200, "application/octet-stream", pages.direct)
      case "/greek.html": {
        // a page in ISO-8859-7 that says so only in its <meta>: bytes E1 E2 E3 are "αβγ" there
        // (and "áâã" in Windows-1252, what an undeclared page that is not UTF-8 is read as)
        const body = Buffer.from(
          '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7"></head>' +
            "<body><table><tr><th>Code</th><th>Name</th></tr><tr><td>K1</td><td>\u00e1\u00e2\u00e3 &amp; &#946;</td></tr></table></body></html>",
          "latin1",
        )
        response.writeHead(200, { "content-type": "text/html", "content-length": body.byteLength })
        return response.end(body)
      }
      case "/plain.html":
        return send(response, 200, "text/html", pages.plain)
      case "/logo.png":
        return send(response, 200, "image/png", "\x89PNG")
      case "/moved":
        response.writeHead(301, { location: "/grades.html" })
        return response.end()
      case "/away":
        // localhost is the same machine, but not the host the tests allow
        response.writeHead(302, { location: `http://localhost:${port}/grades.html` })
        return response.end()
      case "/to-ftp":
        response.writeHead(302, { location: "ftp://127.0.0.1/file.csv" })
        return response.end()
      case "/missing":
        return send(response, 404, "text/plain", "not here")
      case "/broken":
        return send(response, 500, "text/plain", "boom")
      case "/slow":
        // the headers never come: only the timeout ends the wait
        return
      case "/slow-body":
        response.writeHead(200, { "content-type": "text/csv" })
        response.write("a,b\n")
        return
      case "/huge": {
        // no length, no end: only the size limit ends it
        response.writeHead(200, { "content-type": "text/csv" })
        const chunk = Buffer.alloc(64 * 1024, "x,y\n")
        const pump = () => {
          while (!response.destroyed && response.write(chunk)) {}
          if (!response.destroyed) response.once("drain", pump)
        }
        response.on("close", () => response.removeAllListeners("drain"))
        return pump()
      }
      case "/declared-huge":
        response.writeHead(200, { "content-type": "text/csv", "content-length": String(10 * 1024 * 1024) })
        return response.write("a,b\n")
      default: {
        const loop = /^\/loop\/(\d+)$/.exec(path)
        if (loop !== null) {
          response.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` })
          return response.end()
        }
        return send(response, 404, "text/plain", "not found")
      }
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
  const handle: TestServer = {
    origin: `http://127.0.0.1:${port}`,
    port,
    get grades() {
      return state.grades
    },
    set grades(rows) {
      state.grades = rows
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return handle
}

export const webScrapeContract = (name: string, target: () => WebScrapeTarget) =>
  describe(`run_web_scrape: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-scrape-"))
    const dirs = { uploadsDir: join(root, "uploads"), exportDir: join(root, "exports") }
    let server: TestServer
    let jobs = 0

    const run = <A, E>(effect: Effect.Effect<A, E, Services>) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const registry = yield* Effect.orDie(defaultRegistry())
          return yield* Effect.provide(
            effect,
            Layer.mergeAll(jobRunnerLayer, Layer.orDie(mailerLayerFromEnv({}))).pipe(
              Layer.provideMerge(
                uploadLifecycleLayer(target().open(), {
                  ...dirs,
                  registry,
                  automation: { scrapeAllowedHosts: [`127.0.0.1:${server.port}`] },
                }),
              ),
            ),
          )
        }),
      )

    const addSource = (code: string, settings: Record<string, unknown>, extra: Partial<NewDepartmentSource> = {}) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        return yield* departments.createSource({
          name: `Scraped ${code}`,
          code,
          department: "scraped",
          kind: "url",
          settings,
          ...extra,
        })
      })

    /** runs `run_web_scrape` with `params` through the runner: the outcome and the stored run */
    const scrape = (params: Record<string, unknown>, jobId?: string) =>
      Effect.gen(function* () {
        const repo = yield* JobsRepo
        const job =
          jobId === undefined
            ? yield* repo.create({ name: `scrape ${++jobs}`, cron: "0 3 * * *", automation: "run_web_scrape", params })
            : Option.getOrThrow(yield* repo.get(jobId))
        const queued = yield* triggerJob(job, "user-1")
        const outcome: JobRunnerOutcome = Option.getOrThrow(yield* processNextJobRun(RUNNER))
        const runs = yield* JobRunsRepo
        const stored: JobRunRecord = Option.getOrThrow(yield* runs.get(queued.id))
        return { outcome, stored }
      })

    const records = (source: Models.DepartmentSource, kind?: string) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        const page = yield* departments.listRecords(source.id, { limit: 1000, offset: 0 }, kind)
        return page.items.map((record) => ({ key: record.key, kind: record.kind, payload: record.payload }))
      })

    const byKey = <A extends { key: string }>(items: ReadonlyArray<A>) =>
      [...items].sort((a, b) => a.key.localeCompare(b.key))

    beforeAll(async () => {
      server = await startServer()
      await Effect.runPromise(Effect.provide(migrate(), target().open()))
    })
    afterAll(async () => {
      await server?.close()
      rmSync(root, { recursive: true, force: true })
    })

    it("succeeds with nothing to scrape when there is no url source (the seeded job)", async () => {
      const { outcome, stored } = await run(scrape({}, "job_run_web_scrape"))
      expect(outcome.status).toBe("succeeded")
      expect(stored.logs).toEqual(["no enabled url sources: nothing to scrape"])
      expect(stored.details).toEqual({ result: { sources: 0, results: {} } })
    })

    it("stores a page's table as records keyed by its first column; a second scrape updates them", async () => {
      const { first, second, stored } = await run(
        Effect.gen(function* () {
          const source = yield* addSource("GRD", { url: `${server.origin}/grades.html`, record_kind: "grade" })
          const first = yield* scrape({ codes: ["GRD"] })
          const afterFirst = yield* records(source)
          server.grades = [
            ["S-1", "Ana &amp; Bo", "A+"],
            ["S-2", "Caf&eacute;", "B"],
            ["S-3", "Dee", "C"],
          ]
          const second = yield* scrape({ codes: ["GRD"] })
          return { first: { ...first, records: afterFirst }, second, stored: yield* records(source) }
        }),
      )
      expect(first.outcome.status).toBe("succeeded")
      expect(byKey(first.records)).toEqual([
        { key: "S-1", kind: "grade", payload: { "Student ID": "S-1", Name: "Ana & Bo", Grade: "A" } },
        { key: "S-2", kind: "grade", payload: { "Student ID": "S-2", Name: "Café", Grade: "B" } },
      ])
      expect(first.stored.steps).toEqual([
        {
          name: "scrape GRD",
          at: expect.any(String),
          details: expect.objectContaining({
            url: `${server.origin}/grades.html`,
            status: 200,
            extracted: 'table 1 (#grades, "Term grades")',
            rows: 2,
            keyed_by: "Student ID",
            inserted: 2,
            updated: 0,
          }),
        },
      ])
      expect(first.stored.logs[0]).toMatch(/^GRD: fetched http:\/\/127\.0\.0\.1:\d+\/grades\.html \(200, \d+ bytes\)$/)
      // the log says what was fetched and how many rows, never what is in them
      expect(first.stored.logs.join("\n")).not.toMatch(/Ana|Café|S-1/)

      expect(second.outcome.status).toBe("succeeded")
      expect(second.stored.details).toMatchObject({ result: { results: { GRD: { inserted: 1, updated: 2 } } } })
      expect(byKey(stored)).toEqual([
        { key: "S-1", kind: "grade", payload: { "Student ID": "S-1", Name: "Ana & Bo", Grade: "A+" } },
        { key: "S-2", kind: "grade", payload: { "Student ID": "S-2", Name: "Café", Grade: "B" } },
        { key: "S-3", kind: "grade", payload: { "Student ID": "S-3", Name: "Dee", Grade: "C" } },
      ])
    })

    it("follows a page's link to a CSV (relative, allow-listed) and keys by the named column", async () => {
      const { outcome, stored, rows } = await run(
        Effect.gen(function* () {
          const source = yield* addSource("LOANS", {
            url: `${server.origin}/dept/links.html`,
            record_kind: "loan",
            key_column: "borrower",
          })
          const { outcome, stored } = yield* scrape({ codes: ["LOANS"] })
          return { outcome, stored, rows: yield* records(source, "loan") }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      expect(byKey(rows)).toEqual([
        { key: "S-301", kind: "loan", payload: { item: "B-1", title: "Dune", borrower: "S-301" } },
        { key: "S-302", kind: "loan", payload: { item: "B-2", title: "Emma", borrower: "S-302" } },
        { key: "S-303", kind: "loan", payload: { item: "B-3", title: "Ulysses", borrower: "S-303" } },
      ])
      expect(stored.logs.slice(0, 2)).toEqual([
        expect.stringMatching(/^LOANS: fetched http:\/\/127\.0\.0\.1:\d+\/dept\/links\.html \(200, \d+ bytes\)$/),
        `LOANS: fetched the linked CSV ${server.origin}/dept/files/loans.csv (200, ${pages.loans.length} bytes)`,
      ])
      expect(stored.steps[0]!.details).toMatchObject({
        url: `${server.origin}/dept/files/loans.csv`,
        extracted: "csv",
        rows: 3,
        keyed_by: "borrower",
      })
    })

    it("reads a CSV answer directly (sniffed past a vague content type), after a redirect", async () => {
      const { outcome, rows, moved } = await run(
        Effect.gen(function* () {
          const source = yield* addSource("FACIL", { url: `${server.origin}/facilities.csv`, extract: "csv" })
          const moved = yield* addSource("MOVED", { url: `${server.origin}/moved`, extract: "table" })
          const { outcome, stored } = yield* scrape({ codes: ["FACIL", "MOVED"] })
          return { outcome, stored, rows: yield* records(source), moved: yield* records(moved) }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      expect(byKey(rows)).toEqual([
        { key: "F-1", kind: "row", payload: { code: "F-1", name: "Projector", room: "Lab 2" } },
        { key: "F-2", kind: "row", payload: { code: "F-2", name: "Heating", room: "Hall" } },
      ])
      expect(moved.map((record) => record.key).sort()).toEqual(["S-1", "S-2", "S-3"])
    })

    it("decodes a page by the charset its <meta> declares", async () => {
      const rows = await run(
        Effect.gen(function* () {
          const source = yield* addSource("GREEK", { url: `${server.origin}/greek.html` })
          const { outcome } = yield* scrape({ codes: ["GREEK"] })
          expect(outcome.status).toBe("succeeded")
          return yield* records(source)
        }),
      )
      expect(rows).toEqual([{ key: "K1", kind: "row", payload: { Code: "K1", Name: "αβγ & β" } }])
    })

    it("submits the CSV as an upload for the pipeline once per content (into upload)", async () => {
      const { first, second, upload } = await run(
        Effect.gen(function* () {
          yield* addSource("UPL", { url: `${server.origin}/dept/links.html`, into: "upload", extract: "csv_link" })
          const first = yield* scrape({ codes: ["UPL"] })
          const second = yield* scrape({ codes: ["UPL"] })
          const uploads = yield* UploadsRepo
          const id = String(
            (first.stored.details.result as { results: { UPL: { upload_id: string } } }).results.UPL.upload_id,
          )
          return { first, second, upload: Option.getOrThrow(yield* uploads.get(id)) }
        }),
      )
      expect(first.outcome.status).toBe("succeeded")
      expect(upload).toMatchObject({
        fileName: "loans.csv",
        size: pages.loans.length,
        profile: "auto",
        processMode: "transform",
      })
      expect(first.stored.steps[0]!.details).toMatchObject({ file: "loans.csv", upload_id: upload.id })
      expect(second.outcome.status).toBe("succeeded")
      expect(second.stored.steps[0]!.details).toMatchObject({ file: "loans.csv", duplicate_of: upload.id })
      expect(second.stored.logs.at(-1)).toBe(
        `UPL: loans.csv is the same as a file taken before (upload ${upload.id}); not uploaded again`,
      )
    })

    it("makes a table into a CSV upload, queued for the pipeline", async () => {
      server.grades = [
        ["S-1", "Ana &amp; Bo", "A"],
        ["S-2", "O&quot;Neil, Pat", "B"],
      ]
      const { outcome, upload, queued } = await run(
        Effect.gen(function* () {
          yield* addSource("TBLUP", {
            url: `${server.origin}/grades.html`,
            table: "grades",
            into: "upload",
            profile: "auto",
          })
          const { outcome, stored } = yield* scrape({ codes: ["TBLUP"] })
          const uploads = yield* UploadsRepo
          const id = String(stored.steps[0]!.details.upload_id)
          const db = yield* SqlClient.SqlClient
          const queued = yield* db<{ status: string }>`SELECT status FROM work_queue
            WHERE kind = 'process_upload' AND payload->>'uploadId' = ${id}`
          return { outcome, upload: Option.getOrThrow(yield* uploads.get(id)), queued }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      expect(upload.fileName).toBe("tblup-table-1.csv")
      expect(queued).toEqual([{ status: "queued" }])
      const file = readFileSync(originalPath(dirs.uploadsDir, upload), "utf8")
      expect(file).toBe('Student ID,Name,Grade\r\nS-1,Ana & Bo,A\r\nS-2,"O""Neil, Pat",B\r\n')
    })

    it("fails the run with an incident naming each failed source, after scraping the others", async () => {
      const { outcome, stored, incident, good } = await run(
        Effect.gen(function* () {
          const ok = yield* addSource("OK1", { url: `${server.origin}/facilities.csv` })
          yield* addSource("AWAY", { url: `${server.origin}/away` })
          yield* addSource("SLOW", { url: `${server.origin}/slow`, timeout_ms: 300 })
          yield* addSource("SLOWBODY", { url: `${server.origin}/slow-body`, timeout_ms: 300 })
          yield* addSource("HUGE", { url: `${server.origin}/huge`, max_bytes: 100_000 })
          yield* addSource("DECL", { url: `${server.origin}/declared-huge`, max_bytes: 100_000 })
          yield* addSource("GONE", { url: `${server.origin}/missing` })
          yield* addSource("ERR", { url: `${server.origin}/broken` })
          yield* addSource("LOOP", { url: `${server.origin}/loop/0` })
          yield* addSource("FTP", { url: `${server.origin}/to-ftp` })
          yield* addSource("PNG", { url: `${server.origin}/logo.png` })
          yield* addSource("EMPTY", { url: `${server.origin}/plain.html` })
          yield* addSource("NOTBL", { url: `${server.origin}/grades.html`, table: 7 })
          yield* addSource("OUT", { url: "http://example.invalid/x.csv" })
          yield* addSource("CRED", { url: `http://ops:secret@127.0.0.1:${server.port}/grades.html` })
          const codes = [
            "OK1",
            "AWAY",
            "SLOW",
            "SLOWBODY",
            "HUGE",
            "DECL",
            "GONE",
            "ERR",
            "LOOP",
            "FTP",
            "PNG",
            "EMPTY",
            "NOTBL",
            "OUT",
            "CRED",
          ]
          const { outcome, stored } = yield* scrape({ codes })
          const incidents = yield* IncidentsRepo
          const incident = Option.getOrThrow(yield* incidents.get(String(stored.details.incident_id)))
          return { outcome, stored, incident, good: yield* records(ok) }
        }),
      )
      const port = server.port
      const o = server.origin
      const expected = [
        `source AWAY: ${o}/away redirected to http://localhost:${port}/grades.html: the host localhost:${port} is not allowed; add it to BATCHOPS_SCRAPE_ALLOWED_HOSTS (allowed now: 127.0.0.1:${port})`,
        `source SLOW: ${o}/slow took longer than 300 ms (timeout_ms)`,
        `source SLOWBODY: ${o}/slow-body took longer than 300 ms (timeout_ms)`,
        `source HUGE: ${o}/huge is larger than the limit of 100000 bytes (max_bytes); stopped reading`,
        `source DECL: ${o}/declared-huge is larger than the limit of 100000 bytes (max_bytes): it says 10485760 bytes`,
        `source GONE: ${o}/missing answered 404 Not Found`,
        `source ERR: ${o}/broken answered 500 Internal Server Error`,
        `source LOOP: ${o}/loop/0 redirected more than 5 times (the last time to ${o}/loop/6)`,
        `source FTP: ${o}/to-ftp redirected to ftp://127.0.0.1/file.csv: only http and https addresses are fetched`,
        `source PNG: ${o}/logo.png is image/png, neither an HTML page nor a CSV`,
        `source EMPTY: ${o}/plain.html has neither a table with data rows nor a link to a .csv file`,
        `source NOTBL: ${o}/grades.html: the page has 2 tables, so there is no table 7 (tables count from 0)`,
        `source OUT: fetching http://example.invalid/x.csv: the host example.invalid:80 is not allowed; add it to BATCHOPS_SCRAPE_ALLOWED_HOSTS (allowed now: 127.0.0.1:${port})`,
        `source CRED: fetching ${o}/grades.html: addresses with a user name or password are not fetched`,
      ]
      const message = `14 of 15 url sources failed: ${expected.join("; ")}`
      expect(outcome).toMatchObject({ status: "failed", error: message })
      expect(stored.status).toBe("failed")
      expect(stored.error).toBe(message)
      expect(stored.steps.map((step) => [step.name, step.details.error ?? "ok"])).toEqual([
        ["scrape OK1", "ok"],
        ...expected.map((error) => [`scrape ${/^source (\w+):/.exec(error)![1]}`, error]),
      ])
      // the good source was scraped all the same
      expect(good).toHaveLength(2)
      expect(incident).toMatchObject({ stage: "automation:run_web_scrape", error: message, uploadId: null })
    })

    it("scrapes every enabled url source by default, and refuses to scrape other kinds by name", async () => {
      server.grades = [
        ["S-1", "Ana", "A"],
        ["S-2", "Bo", "B"],
        ["S-3", "Cy", "C"],
      ]
      const { outcome, stored, refused } = await run(
        Effect.gen(function* () {
          const departments = yield* DepartmentsRepo
          // only this test's url sources are enabled
          const all = yield* departments.listSources({ limit: 1000, offset: 0 })
          for (const source of all.items) {
            if (source.kind === "url") yield* departments.updateSource(source.id, { enabled: false })
          }
          yield* addSource("ALL1", { url: `${server.origin}/facilities.csv` })
          yield* addSource("ALL2", { url: `${server.origin}/grades.html` })
          yield* addSource("OFF", { url: `${server.origin}/missing` }, { enabled: false })
          const { outcome, stored } = yield* scrape({})
          const refused = yield* scrape({ codes: ["ATT"] })
          return { outcome, stored, refused }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      expect(stored.steps.map((step) => [step.name, step.details.rows])).toEqual([
        ["scrape ALL1", 2],
        ["scrape ALL2", 3],
      ])
      expect(refused.outcome).toMatchObject({
        status: "failed",
        error: "1 of 1 url sources failed: source ATT is a simulated source, not a url source",
      })
    })
  })
