/**
 * Files run in a worker thread with limits (IsolatedPipeline.ts): a file past its memory
 * ceiling, its processor time or its wall-clock time fails its stage with the `resource-limit`
 * known error, once (no retries), while the API keeps answering. The threads load the built
 * thread module (`npx tsup` first).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IncidentsRepo, processNextUpload, submitUpload, UploadsRepo } from "@batchops/core"
import type { IsolationLimits } from "@batchops/runner-node"
import { migrate, pgliteLayer } from "@batchops/store-sql"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { defaultRegistry } from "../src/Registry.js"
import { fileIsolationFromEnv } from "../src/Settings.js"
import { startApi, type TestApi } from "./api/harness.js"
// @ts-expect-error a plain JavaScript module, as the thread loads it
import { plugins as stallingPlugins } from "./fixtures/stallingPlugin.mjs"

const STALLING_PLUGINS = new URL("./fixtures/stallingPlugin.mjs", import.meta.url).href
const LIMITS: IsolationLimits = { memoryMb: 256, wallClockMs: 60_000, cpuMs: 60_000 }

/** A gradebook of `rows` students: about 30 bytes a row, cheap to write, costly to hold. */
const bigGradebook = (rows: number): Uint8Array => {
  const lines = ["Student ID,Name,Score"]
  for (let i = 0; i < rows; i++) lines.push(`S${String(i).padStart(7, "0")},Student number ${i},${i % 100}`)
  return new TextEncoder().encode(`${lines.join("\n")}\n`)
}

const form = (fileName: string, content: Uint8Array, fields: Record<string, string> = {}) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  for (const [name, value] of Object.entries(fields)) body.set(name, value)
  return body
}

describe("a file past its memory ceiling, through the API with its worker", () => {
  let api: TestApi
  let user: string
  // 600,000 rows (18 MB): the pipeline needs several times 48 MB to read them
  const file = bigGradebook(600_000)

  beforeAll(async () => {
    // on Postgres: PGlite answers its queries on the API's own thread, which is not what is measured here
    api = await startApi("postgres", {
      worker: true,
      env: { BATCHOPS_PARSE_MEMORY_MB: "48", BATCHOPS_MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) },
    })
    user = (await api.account("user")).token
  }, 60_000)
  afterAll(() => api?.close())

  /** `/api/health/` every 20 ms while `during` runs: the slowest answer, in ms */
  const slowestHealth = async <A>(during: () => Promise<A>) => {
    let slowest = 0
    let answers = 0
    let done = false
    const pinging = (async () => {
      while (!done) {
        const started = performance.now()
        const reply = await fetch(`${api.url}/api/health/`)
        await reply.arrayBuffer()
        slowest = Math.max(slowest, performance.now() - started)
        answers += 1
        await new Promise((resume) => setTimeout(resume, 20))
      }
    })()
    try {
      const value = await during()
      return { value, slowest, answers }
    } finally {
      done = true
      await pinging
    }
  }

  it("fails the upload once with the resource-limit incident while /api/health/ keeps answering within 100 ms", async () => {
    // the same pings with nothing to process: what this machine adds on its own (a shared CI
    // runner's load), so the assertion measures the file's effect, not the neighbours'
    const idle = await slowestHealth(() => new Promise((resume) => setTimeout(resume, 3000)))
    const created = await api.call("/api/uploads/", { method: "POST", token: user, body: form("roster.csv", file) })
    expect(created.status, created.text).toBe(201)
    const id = created.json.id as string
    const {
      value: upload,
      slowest,
      answers,
    } = await slowestHealth(async () => {
      for (let i = 0; i < 300; i++) {
        const reply = await api.call(`/api/uploads/${id}/`, { token: user })
        if (reply.json?.status === "failed" || reply.json?.status === "published") return reply.json
        await new Promise((resume) => setTimeout(resume, 100))
      }
      throw new Error(`upload ${id} did not finish`)
    })
    expect(upload.status).toBe("failed")
    expect(answers).toBeGreaterThan(3)
    expect(slowest).toBeLessThan(100 + idle.slowest)

    const { incident, attempts } = await api.server.run(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        const incidents = yield* IncidentsRepo
        const sql = yield* SqlClient.SqlClient
        const stored = Option.getOrThrow(yield* uploads.get(id))
        const incident = Option.getOrThrow(yield* incidents.get(stored.incidentId!))
        const [item] = yield* sql<{ attempts: number; status: string }>`
          SELECT attempts, status FROM work_queue WHERE payload->>'uploadId' = ${id}`
        return { incident, attempts: item! }
      }),
    )
    expect(incident.knownError).toBe("resource-limit")
    expect(incident.stage).toBe("standardize_results")
    expect(incident.error).toBe("the CSV file needs more than 48 MB to read (resource limit BATCHOPS_PARSE_MEMORY_MB)")
    // a limit is a final, named failure: the item is done after one run, never retried
    expect(attempts).toEqual({ attempts: 1, status: "completed" })
  }, 60_000)

  it("refuses a preview of the same file with the same limit", async () => {
    const reply = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("roster.csv", file),
    })
    expect(reply.status).toBe(400)
    expect(reply.json.error).toBe(
      "the CSV file needs more than 48 MB to read (resource limit BATCHOPS_PARSE_MEMORY_MB)",
    )
  }, 30_000)
})

describe("a stage past its processor time or wall-clock time", () => {
  const root = mkdtempSync(join(tmpdir(), "batchops-isolation-"))
  const database = () => pgliteLayer({ dataDir: join(root, "db") })
  let tests = 0

  beforeAll(() => Effect.runPromise(Effect.provide(migrate(), database())))
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  /** Submits `fileName` and runs it once in a thread with `limits` and the stalling plugin. */
  const runOnce = async (fileName: string, limits: IsolationLimits, rows = ["S001,Ada Lovelace,91"]) => {
    const dir = join(root, `t${++tests}`)
    const layer = uploadLifecycleLayer(database(), {
      uploadsDir: join(dir, "uploads"),
      exportDir: join(dir, "exports"),
      registry: await Effect.runPromise(defaultRegistry(stallingPlugins)),
      isolation: { limits, plugins: STALLING_PLUGINS },
    })
    return Effect.runPromise(
      Effect.gen(function* () {
        const uploads = yield* UploadsRepo
        const upload = yield* submitUpload({
          fileName,
          bytes: new TextEncoder().encode(`Student ID,Name,Score\n${rows.join("\n")}\n`),
          profile: "gradebook",
          processMode: "transform",
          processConfig: {},
        })
        const outcome = Option.getOrThrow(yield* processNextUpload({ worker: "test", leaseMs: 60_000 }))
        const stored = Option.getOrThrow(yield* uploads.get(upload.id))
        const incident =
          stored.incidentId === null
            ? undefined
            : Option.getOrThrow(yield* (yield* IncidentsRepo).get(stored.incidentId))
        const csv = yield* uploads.getReport(upload.id, "csv")
        return { outcome, stored, incident, csv }
      }).pipe(Effect.provide(layer)),
    )
  }

  // first: its thread, back in the pool, is the warm one the stage tests time from the start
  it("publishes a file that stays within its limits, with its stages' logs and reports", async () => {
    const { outcome, stored, csv } = await runOnce("gradebook.csv", LIMITS, [
      "S001,Ada Lovelace,91",
      "S002,Alan Turing,78",
    ])
    expect(outcome).toMatchObject({ status: "published", completed: true })
    expect(stored.steps.map((step) => `${step.name} ${step.status}`)).toEqual([
      "standardize_results ok",
      "validate_results ok",
      "stall_on_request ok",
      "transform_gradebook ok",
      "generate_summary ok",
      "publish_results ok",
    ])
    expect(new TextDecoder().decode(Option.getOrThrow(csv))).toContain("score,2,0,84.5")
  }, 30_000)

  it("stops a stage that keeps the processor busy at BATCHOPS_FILE_CPU_SECONDS", async () => {
    const { outcome, incident } = await runOnce("spin.csv", { ...LIMITS, cpuMs: 1000 })
    expect(outcome).toMatchObject({ status: "failed", completed: true })
    expect(incident?.stage).toBe("stall_on_request")
    expect(incident?.knownError).toBe("resource-limit")
    expect(incident?.error).toBe(
      "the CSV file needs more than 1 s of processor time to process (resource limit BATCHOPS_FILE_CPU_SECONDS)",
    )
  }, 30_000)

  it("stops a stage that waits at BATCHOPS_FILE_TIMEOUT_SECONDS", async () => {
    const { outcome, incident } = await runOnce("stall.csv", { ...LIMITS, wallClockMs: 2000 })
    expect(outcome).toMatchObject({ status: "failed", completed: true })
    expect(incident?.stage).toBe("stall_on_request")
    expect(incident?.knownError).toBe("resource-limit")
    expect(incident?.error).toBe(
      "the CSV file took longer than 2 s to process (resource limit BATCHOPS_FILE_TIMEOUT_SECONDS)",
    )
  }, 30_000)
})

describe("the limits per file from the environment", () => {
  it("defaults to 512 MB, 600 s and 300 s of processor time, and names a setting that is not a number", () => {
    expect(fileIsolationFromEnv({}).limits).toEqual({ memoryMb: 512, wallClockMs: 600_000, cpuMs: 300_000 })
    expect(
      fileIsolationFromEnv({ BATCHOPS_FILE_TIMEOUT_SECONDS: "2.5", BATCHOPS_FILE_CPU_SECONDS: "1" }).limits,
    ).toMatchObject({ wallClockMs: 2500, cpuMs: 1000 })
    expect(() => fileIsolationFromEnv({ BATCHOPS_PARSE_MEMORY_MB: "lots" })).toThrow(
      'BATCHOPS_PARSE_MEMORY_MB must be a positive number (e.g. 512), got "lots"',
    )
    expect(() => fileIsolationFromEnv({ BATCHOPS_FILE_CPU_SECONDS: "0" })).toThrow(
      'BATCHOPS_FILE_CPU_SECONDS must be a positive number (e.g. 300), got "0"',
    )
  })
})
