/**
 * The work queue contract on BullMQ: real Redis (a prefix of its own) and real Postgres (a
 * fresh database); and the same queue with Redis away, working from the database alone.
 */
import { WorkQueue } from "@batchops/core"
import { migrate, pgLayerFromEnv } from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import type { StoreTarget } from "../../store-sql/test/contract.js"
import { workQueueContract } from "../../store-sql/test/workQueueContract.js"
import { BullWorkQueueLayer } from "../src/index.js"
import { freshPrefix, redisUrl } from "./redis.js"

const { url: databaseUrl } = freshDatabase("test_bull_contract")
const prefix = freshPrefix("contract")

const target = (): StoreTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

workQueueContract("BullMQ + Postgres", target, BullWorkQueueLayer(redisUrl, { prefix }))

/** port 1: nothing listens there (a port picked and closed could be taken by another test meanwhile) */
const NOWHERE = "redis://127.0.0.1:1"

describe("the BullMQ queue with Redis away", () => {
  it("enqueues, claims and completes from the database alone", async () => {
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        yield* migrate()
        const queue = yield* WorkQueue
        const id = yield* queue.enqueue({ kind: "run_job", payload: { job: "j" } })
        const claimed = yield* queue.claim({ worker: "alone", kinds: ["run_job"], leaseMs: 60_000 })
        const completed = yield* queue.complete(id, "alone")
        return { id, claimed: Option.getOrThrow(claimed), completed }
      }).pipe(
        Effect.provide(
          Layer.provideMerge(BullWorkQueueLayer(NOWHERE, { prefix, redisTimeoutMs: 500 }), target().open()),
        ),
      ),
    )
    expect(outcome.claimed).toMatchObject({ id: outcome.id, leasedBy: "alone", payload: { job: "j" } })
    expect(outcome.completed).toBe(true)
  })
})
