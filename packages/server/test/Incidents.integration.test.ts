/** Needs PostgreSQL (BATCHOPS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432): a fresh database per run, dropped afterwards. */
import { randomBytes } from "node:crypto"
import { draftIncident } from "@batchops/core"
import { IncidentsRepo, migrate, pgLayerFromEnv } from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { incidentReposLayer, recordFailure } from "../src/Incidents.js"
import { defaultRegistry } from "../src/Registry.js"
import { UploadSettings } from "../src/UploadSettings.js"

const serverUrl = new URL(process.env.BATCHOPS_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
const database = `batchops_test_incidents_${randomBytes(6).toString("hex")}`
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

const settings = Layer.effect(
  UploadSettings,
  Effect.gen(function* () {
    const registry = yield* Effect.orDie(defaultRegistry())
    return UploadSettings.of({ uploadsDir: "/nonexistent", exportDir: "/nonexistent", registry })
  }),
)

describe("incident service on Postgres", () => {
  it("records the same failure from several workers at once as one incident", async () => {
    const outcome = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          yield* migrate()
          const failure = (n: number) =>
            recordFailure(
              draftIncident([], { stage: "validate_results", message: `student_id is missing in ${n} rows` }),
              null,
              `Gradebook ${n}.csv`,
            )
          const results = yield* Effect.all([1, 2, 3, 4, 5].map(failure), { concurrency: "unbounded" })
          const incidents = yield* IncidentsRepo
          const id = results[0]!.incidentId
          return {
            results,
            incident: Option.getOrThrow(yield* incidents.get(id)),
            tickets: yield* incidents.tickets(id),
            groups: yield* incidents.listGroups(),
          }
        }),
        Layer.mergeAll(incidentReposLayer, settings).pipe(
          Layer.provideMerge(pgLayerFromEnv({ DATABASE_URL: databaseUrl })),
        ),
      ),
    )
    expect(new Set(outcome.results.map((r) => r.incidentId)).size).toBe(1)
    expect(outcome.results.map((r) => r.action).sort()).toEqual([
      "attached",
      "attached",
      "attached",
      "attached",
      "opened",
    ])
    expect(outcome.incident.timeline.map((e) => e.kind)).toEqual([
      "opened",
      "recurred",
      "recurred",
      "recurred",
      "recurred",
    ])
    expect(outcome.tickets).toHaveLength(1)
    expect(outcome.groups.map((g) => g.count)).toEqual([5])
  })
})
