import {
  batchopsPlugin,
  CurrentRegistry,
  createRegistry,
  draftIncident,
  IncidentsRepo,
  recordFailure,
} from "@batchops/core"
import { makeParsersPlugin } from "@batchops/parsers"
import {
  IncidentsRepoLayer,
  KnownErrorsRepoLayer,
  migrate,
  pgLayerFromEnv,
  TransactionsLayer,
  WorkQueueLayer,
} from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import { freshDatabase } from "../support/postgres.js"

const { url: databaseUrl } = freshDatabase("test_incidents")

/** the registry the service matches known errors from: the built-in plugin and the parsers' */
const registry = Layer.effect(CurrentRegistry, Effect.orDie(createRegistry([batchopsPlugin, makeParsersPlugin()])))

/** the store-sql adapters of the ports the incident service uses */
const incidentReposLayer = Layer.mergeAll(IncidentsRepoLayer, KnownErrorsRepoLayer, WorkQueueLayer, TransactionsLayer)

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
        Layer.mergeAll(incidentReposLayer, registry).pipe(
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
