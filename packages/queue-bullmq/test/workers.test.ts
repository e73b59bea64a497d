/**
 * `batchops worker` processes with REDIS_URL: real Redis (a prefix of its own, passed as
 * BATCHOPS_REDIS_PREFIX) and real Postgres (a fresh database per test). Runs the built command
 * (`npm run build`, which `npm test` does first).
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { submitUpload } from "@batchops/core"
import { uploadLifecycleLayer } from "@batchops/server"
import { pgLayerFromEnv } from "@batchops/store-sql"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, startBatchops, tempDir } from "../../../test/helpers.js"
import { createDatabase, dropDatabase, psql } from "../../../test/support/postgres.js"
import { BullWorkQueueLayer } from "../src/index.js"
import { freshPrefix, redisUrl, waitingJobs } from "./redis.js"

const prefix = freshPrefix("workers")
const databases: Array<string> = []
const folders: Array<string> = []

afterAll(async () => {
  for (const name of databases) await dropDatabase(name)
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

const folder = async () => {
  const dir = await tempDir("batchops-bull-workers-")
  folders.push(dir)
  return dir
}

/** a fresh database and data folder, and the environment the commands run with (with Redis) */
const freshSetup = async () => {
  const { name, url } = await createDatabase("bull_workers")
  databases.push(name)
  const data = join(await folder(), "data")
  const env = {
    DATABASE_URL: url,
    BATCHOPS_DATA_DIR: data,
    REDIS_URL: redisUrl,
    BATCHOPS_REDIS_PREFIX: prefix,
  }
  return { name, url, data, exports: join(data, "exports"), uploads: join(data, "uploads"), env }
}

const start = (args: ReadonlyArray<string>, env: Record<string, string>) => startBatchops(args, { env })
const run = (args: ReadonlyArray<string>, env: Record<string, string>) => start(args, env).done

const outcomes = (stdout: string): Array<{ status: string; uploadId: string; workItemId: string }> =>
  stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))

const reportFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => statSync(join(dir, name)).isFile() && !name.startsWith("."))
        .sort()
    : []

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 50) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

const UPLOADS = 300

describe("batchops worker with REDIS_URL (BullMQ)", () => {
  it("on a fresh database, migrates before the queue's re-fill reads work_queue: no warning, no stack", async () => {
    const setup = await freshSetup()
    const result = await run(["worker", "--once", "--json"], setup.env)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe("")
    expect(result.stderr).not.toContain("re-fill failed")
    expect(result.stderr).not.toContain("WARN")
    expect(hasStackTrace(result.stderr)).toBe(false)
    expect(await psql(setup.name, "SELECT count(*) > 0 FROM batchops_migrations")).toBe("t")
  }, 120_000)

  it(`three workers at once publish each of ${UPLOADS} uploads exactly once, with one set of reports and no incident`, async () => {
    const setup = await freshSetup()
    expect((await run(["migrate"], setup.env)).code).toBe(0)

    // queued through the library with the BullMQ queue (the same folders the command uses)
    const ids = await Effect.runPromise(
      Effect.forEach(
        Array.from({ length: UPLOADS }, (_, i) => i),
        (i) =>
          Effect.map(
            submitUpload({
              fileName: `class-${i}.csv`,
              bytes: new TextEncoder().encode(`Student ID,Name,Score\nS${i}a,Ada,${i % 100}\nS${i}b,Alan,77\n`),
              profile: "gradebook",
              processMode: "transform",
            }),
            (upload) => upload.id,
          ),
      ).pipe(
        Effect.provide(
          uploadLifecycleLayer(pgLayerFromEnv({ DATABASE_URL: setup.url }), {
            uploadsDir: setup.uploads,
            exportDir: setup.exports,
            workQueue: BullWorkQueueLayer(redisUrl, { prefix }),
          }),
        ),
      ),
    )
    expect(new Set(ids).size).toBe(UPLOADS)
    expect(await waitingJobs(prefix)).toHaveLength(UPLOADS)

    const results = await Promise.all([1, 2, 3].map(() => run(["worker", "--once", "--json"], setup.env)))
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join("\n"),
    ).toEqual([0, 0, 0])
    const lines = results.flatMap((r) => outcomes(r.stdout))
    expect(lines).toHaveLength(UPLOADS)
    expect(lines.every((line) => line.status === "published")).toBe(true)
    // each upload once, over all three workers
    expect(lines.map((line) => line.uploadId).sort()).toEqual([...ids].sort())

    expect(await psql(setup.name, "SELECT status || ':' || count(*) FROM uploads GROUP BY status")).toBe(
      `published:${UPLOADS}`,
    )
    expect(
      await psql(
        setup.name,
        `SELECT status || ':' || count(*) || ':' || max(attempts) FROM work_queue
         WHERE kind = 'process_upload' GROUP BY status`,
      ),
    ).toBe(`completed:${UPLOADS}:1`)
    expect(await psql(setup.name, "SELECT count(*) FROM incidents")).toBe("0")
    // the workers took the uploads from BullMQ (the SQL claim alone would have left the jobs waiting)
    expect(await waitingJobs(prefix)).toEqual([])
    // one set of reports per upload, nothing else in the export folder
    expect(readdirSync(setup.exports).sort()).toEqual([...ids].sort())
    ids.forEach((id, i) => {
      expect(reportFiles(join(setup.exports, id))).toEqual([`class-${i}.summary.csv`, `class-${i}.summary.pdf`])
    })
  }, 240_000)

  it("a worker killed mid-pipeline: another takes the upload over after the lease and publishes it once", async () => {
    const setup = await freshSetup()
    const file = join(await folder(), "large.csv")
    const rows = ["Student ID,Name,Score"]
    for (let i = 0; i < 400_000; i++) rows.push(`S${i},Student ${i},${i % 101}`)
    writeFileSync(file, `${rows.join("\n")}\n`)

    const submitted = await run(["submit", file, "--json"], setup.env)
    expect(submitted.code, submitted.stderr).toBe(0)
    const { uploadId } = JSON.parse(submitted.stdout)
    const upload = (column: string) => psql(setup.name, `SELECT ${column} FROM uploads WHERE id = '${uploadId}'`)
    const item = (columns: string) =>
      psql(setup.name, `SELECT ${columns} FROM work_queue WHERE payload->>'uploadId' = '${uploadId}'`)

    const first = start(["worker", "--json"], { ...setup.env, BATCHOPS_WORKER_LEASE_MS: "2000" })
    await waitFor("the first worker to store a step", async () => {
      const state = await upload("status || ':' || jsonb_array_length(steps)")
      if (state.startsWith("published")) throw new Error("the first worker finished before it could be killed")
      return /^processing:[1-9]/.test(state)
    })
    first.child.kill("SIGKILL")
    const killed = await first.done
    expect(killed.signal).toBe("SIGKILL")
    expect(outcomes(killed.stdout)).toEqual([])
    expect(await item("status || ':' || attempts")).toBe("running:1")

    await waitFor("the lease to expire", async () => (await item("leased_until < now()")) === "t", 30_000, 100)
    const second = await run(["worker", "--once", "--lease-ms", "1000", "--json"], setup.env)
    expect(second.code, second.stderr).toBe(0)
    expect(outcomes(second.stdout)).toEqual([expect.objectContaining({ uploadId, status: "published" })])

    expect(await upload("status || ':' || progress")).toBe("published:100")
    expect(await item("status || ':' || attempts")).toBe("completed:2")
    expect(reportFiles(join(setup.exports, uploadId))).toHaveLength(2)
    expect(await psql(setup.name, "SELECT count(*) FROM incidents")).toBe("0")
  }, 180_000)
})
