import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { createDatabase, dropDatabase, freshDatabase, serverUrl } from "../../../test/support/postgres.js"
import { migrate, pgLayerFromEnv } from "../src/index.js"
import { expectedVersions, run, type StoreTarget, storeContract } from "./contract.js"
import { incidentsContract } from "./incidentsContract.js"

const { name: database, url: databaseUrl } = freshDatabase("test")

const target = (): StoreTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

storeContract("Postgres", target)
incidentsContract("Postgres", target)

describe("Postgres migrations under concurrency", () => {
  it("two clients migrating at once apply each migration exactly once", async () => {
    const race = await createDatabase("test_race")
    try {
      const one: StoreTarget = { open: () => pgLayerFromEnv({ DATABASE_URL: race.url }) }
      const two: StoreTarget = { open: () => pgLayerFromEnv({ DATABASE_URL: race.url }) }
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
      expect(rows).toEqual({ versions: expectedVersions(), jobs: 11 })
    } finally {
      await dropDatabase(race.name)
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
