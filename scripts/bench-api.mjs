// Benchmark: the API's throughput and p99 latency. `GET /api/uploads/?page=1` with 100,000
// uploads in Postgres, beside `GET /api/health/` in the same run (the floor of any request:
// routing, headers, one database round trip). The list must reach at least half the health
// endpoint's throughput. Runs the built server in this process on a fresh database of the
// machine's Postgres (BATCHOPS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432).
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TokensRepo, UsersRepo } from "@batchops/core"
import { startServer } from "@batchops/server"
import autocannon from "autocannon"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 100_000)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
const server = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
const name = `batchops_bench_api_${randomBytes(4).toString("hex")}`
const psql = (database, command) => {
  const url = new URL(server)
  url.pathname = `/${database}`
  const result = spawnSync("psql", [url.toString(), "-At", "-v", "ON_ERROR_STOP=1", "-c", command], {
    encoding: "utf8",
  })
  if (result.status !== 0) throw new Error(result.stderr)
  return result.stdout.trim()
}
psql("postgres", `CREATE DATABASE ${name}`)
const databaseUrl = new URL(server)
databaseUrl.pathname = `/${name}`
const dataDir = mkdtempSync(join(tmpdir(), "batchops-bench-api-"))

const running = await startServer({
  env: { DATABASE_URL: databaseUrl.toString(), BATCHOPS_DATA_DIR: dataDir },
  port: 0,
  worker: false,
})
try {
  const token = await running.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO uploads (file_name, format, size, sha256, status, profile, process_mode, created_at)
        SELECT 'gradebook-' || g || '.csv', 'csv', 1000 + g, md5(g::text) || md5(g::text),
          (ARRAY['published', 'failed', 'queued', 'awaiting_approval'])[1 + g % 4], 'gradebook', 'transform',
          now() - (g || ' seconds')::interval
        FROM generate_series(1, ${UPLOADS}) AS g`
      yield* sql`ANALYZE uploads`
      const users = yield* UsersRepo
      const tokens = yield* TokensRepo
      const user = yield* users.insert({
        username: "bench",
        email: "bench@school.test",
        role: "user",
        emailVerified: true,
      })
      return (yield* tokens.issue(user.id, 3_600_000)).token
    }),
  )
  const measure = (path, headers = {}) =>
    new Promise((resolve, reject) => {
      autocannon({ url: `${running.url}${path}`, connections: 10, duration: SECONDS, headers }, (error, result) => {
        if (error) reject(error)
        else if (result.non2xx > 0) reject(new Error(`${path}: ${result.non2xx} answers were not 2xx`))
        else resolve({ requestsPerSecond: Math.round(result.requests.average), p99Ms: result.latency.p99 })
      })
    })
  const list = () => measure("/api/uploads/?page=1", { Authorization: `Token ${token}` })
  const health = () => measure("/api/health/")
  // warm up both, then alternate so a machine whose speed drifts biases neither side
  await health()
  await list()
  const rounds = []
  for (let i = 0; i < 2; i++) rounds.push({ health: await health(), list: await list() })
  const best = (key) => rounds.map((r) => r[key]).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]
  const report = {
    uploads: UPLOADS,
    secondsPerRun: SECONDS,
    connections: 10,
    node: process.version,
    health: best("health"),
    uploadsList: best("list"),
    ratio: Number((best("list").requestsPerSecond / best("health").requestsPerSecond).toFixed(2)),
    budgets: { ratioMin: 0.5 },
  }
  report.withinBudget = report.ratio >= 0.5
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  if (!report.withinBudget) process.exitCode = 1
} finally {
  await running.close()
  rmSync(dataDir, { recursive: true, force: true })
  psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
}
