/** Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432): a fresh database per run. */
import { randomBytes } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { migrate, pgLayerFromEnv } from "../src/index.js"
import { expectedVersions, run, type StoreTarget, storeContract } from "./contract.js"
import { incidentsContract } from "./incidentsContract.js"

const serverUrl = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
const database = `batchops_test_${randomBytes(6).toString("hex")}`
const databaseUrl = (() => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
})()

const admin = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.provide(effect, PgClient.layer({ url: Redacted.make(serverUrl.toString()), maxConnections: 1 })),
  )

beforeAll(() =>
  admin(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE DATABASE ${sql(database)}`
    }),
  ),
)

afterAll(() =>
  admin(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP DATABASE IF EXISTS ${sql(database)} WITH (FORCE)`
    }),
  ),
)

const target = (): StoreTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

storeContract("Postgres", target)
incidentsContract("Postgres", target)

describe("Postgres migrations under concurrency", () => {
  it("two clients migrating at once apply each migration exactly once", async () => {
    const name = `${database}_race`
    await admin(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE DATABASE ${sql(name)}`
      }),
    )
    try {
      const url = new URL(databaseUrl)
      url.pathname = `/${name}`
      const one: StoreTarget = { open: () => pgLayerFromEnv({ DATABASE_URL: url.toString() }) }
      const two: StoreTarget = { open: () => pgLayerFromEnv({ DATABASE_URL: url.toString() }) }
      const [a, b] = await Promise.all([run(one, migrate()), run(two, migrate())])
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(expectedVersions())
      const rows = await run(
        one,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const versions = yield* sql<{ version: number }>`SELECT version FROM batchops_migrations ORDER BY version`
          const jobs = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`
          return { versions: versions.map((v) => v.version), jobs: jobs[0]!.n }
        }),
      )
      expect(rows).toEqual({ versions: expectedVersions(), jobs: 10 })
    } finally {
      await admin(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`
        }),
      )
    }
  })
})

describe("pgLayerFromEnv", () => {
  it("connects from DB_NAME, DB_USER, DB_HOST and DB_PORT", async () => {
    const layer = pgLayerFromEnv({
      DB_NAME: database,
      DB_USER: decodeURIComponent(serverUrl.username) || "postgres",
      DB_PASSWORD: decodeURIComponent(serverUrl.password),
      DB_HOST: serverUrl.hostname,
      DB_PORT: serverUrl.port || "5432",
    })
    const rows = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ db: string }>`SELECT current_database() AS db`
        }),
        layer,
      ),
    )
    expect(rows).toEqual([{ db: database }])
  })
})
