// Benchmark: uploads per minute with 1, 2 and 4 `batchops worker` processes sharing one
// Postgres and one Redis (the work queue on BullMQ), and the time from upload to published
// (median, p95). For each worker count: a fresh database of the machine's Postgres
// (BATCHOPS_TEST_PG_URL), a fresh key prefix on its Redis (REDIS_URL, default
// redis://127.0.0.1:6379), the built API in this process (no worker of its own), the workers
// started, then BENCH_WORKER_UPLOADS (default 1,000) small gradebooks posted to the API.
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { TokensRepo, UsersRepo } from "@batchops/core"
import { startServer } from "@batchops/server"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const UPLOADS = Number(process.env.BENCH_WORKER_UPLOADS ?? 1000)
const COUNTS = (process.env.BENCH_WORKERS ?? "1,2,4").split(",").map(Number)
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
const server = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")

const psql = (database, command) => {
  const url = new URL(server)
  url.pathname = `/${database}`
  const result = spawnSync("psql", [url.toString(), "-At", "-v", "ON_ERROR_STOP=1", "-c", command], {
    encoding: "utf8",
  })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}

/** A small gradebook (20 students), different for each upload so no two are the same file. */
const gradebook = (n) => {
  const lines = ["Student ID,First Name,Last Name,Class,Math,English,Science"]
  for (let i = 1; i <= 20; i++) {
    const score = (k) => String(40 + ((n * 31 + i * 17 + k * 7) % 60))
    lines.push(`STU-${n}-${i},Name${i},Family${n},${9 + (i % 3)}A,${score(1)},${score(2)},${score(3)}`)
  }
  return `${lines.join("\n")}\n`
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

const runWith = async (workers) => {
  const name = `batchops_bench_workers_${randomBytes(4).toString("hex")}`
  psql("postgres", `CREATE DATABASE ${name}`)
  const databaseUrl = new URL(server)
  databaseUrl.pathname = `/${name}`
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-bench-workers-"))
  const env = {
    DATABASE_URL: databaseUrl.toString(),
    BATCHOPS_DATA_DIR: dataDir,
    REDIS_URL,
    BATCHOPS_REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
  }
  const running = await startServer({ env, port: 0, worker: false, scheduler: false })
  const children = []
  try {
    const { token, sql } = await running.run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        const tokens = yield* TokensRepo
        const user = yield* users.insert({
          username: "bench",
          email: "bench@school.test",
          role: "user",
          emailVerified: true,
        })
        return { token: (yield* tokens.issue(user.id, 3_600_000)).token, sql: yield* SqlClient.SqlClient }
      }),
    )
    for (let i = 0; i < workers; i++) {
      const child = spawn(process.execPath, [join(root, "packages/server/bin/batchops.js"), "worker"], {
        env: { ...process.env, ...env },
        stdio: "ignore",
      })
      children.push(child)
    }
    const started = Date.now()
    let next = 0
    const post = async () => {
      while (next < UPLOADS) {
        const n = next++
        const body = new FormData()
        body.set("file", new Blob([gradebook(n)], { type: "text/csv" }), `gradebook-${n}.csv`)
        body.set("profile", "gradebook")
        const reply = await fetch(`${running.url}/api/uploads/`, {
          method: "POST",
          headers: { Authorization: `Token ${token}` },
          body,
        })
        if (reply.status !== 201) throw new Error(`upload ${n}: ${reply.status} ${await reply.text()}`)
      }
    }
    await Promise.all(Array.from({ length: 8 }, post))
    const count = () =>
      running.run(
        Effect.map(
          sql`SELECT count(*) FILTER (WHERE status IN ('published', 'failed', 'rejected'))::int AS done,
            count(*) FILTER (WHERE status = 'failed')::int AS failed FROM uploads`,
          (rows) => rows[0],
        ),
      )
    for (;;) {
      const { done, failed } = await count()
      if (failed > 0) throw new Error(`${failed} uploads failed`)
      if (done >= UPLOADS) break
      if (Date.now() - started > 30 * 60_000) throw new Error(`only ${done} of ${UPLOADS} published in 30 minutes`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const rows = await running.run(
      sql`SELECT extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM updated_at) * 1000 AS done
        FROM uploads`,
    )
    const first = Math.min(...rows.map((row) => Number(row.created)))
    const last = Math.max(...rows.map((row) => Number(row.done)))
    const latencies = rows.map((row) => Number(row.done) - Number(row.created)).sort((a, b) => a - b)
    return {
      workers,
      uploads: UPLOADS,
      seconds: Number(((last - first) / 1000).toFixed(1)),
      perMinute: Math.round((UPLOADS / (last - first)) * 60_000),
      medianMs: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
    }
  } finally {
    for (const child of children) child.kill("SIGTERM")
    await Promise.all(children.map((child) => new Promise((resolve) => child.once("exit", resolve))))
    await running.close()
    rmSync(dataDir, { recursive: true, force: true })
    psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

const results = []
for (const workers of COUNTS) results.push(await runWith(workers))
console.log(`machine: ${cpus().length} cores, Node ${process.versions.node}`)
for (const r of results) {
  console.log(
    `${r.workers} worker(s): ${r.uploads} uploads in ${r.seconds} s = ${r.perMinute} uploads/min; upload to published median ${r.medianMs} ms, p95 ${r.p95Ms} ms`,
  )
}
console.log(JSON.stringify(results))
