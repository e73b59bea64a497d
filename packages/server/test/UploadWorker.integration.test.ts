/** Needs PostgreSQL (BATCHOPS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432): a fresh database per run, dropped afterwards. */
import { randomBytes } from "node:crypto"
import { pgLayerFromEnv } from "@batchops/store-sql"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll } from "vitest"
import { type UploadTarget, uploadLifecycleContract } from "./uploadContract.js"

const serverUrl = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
const database = `batchops_test_uploads_${randomBytes(6).toString("hex")}`
const databaseUrl = (() => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
})()

const admin = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.provide(effect, pgLayerFromEnv({ DATABASE_URL: serverUrl.toString() }, { maxConnections: 1 })),
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

const target = (): UploadTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

uploadLifecycleContract("Postgres", target)
