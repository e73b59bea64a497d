/** Needs PostgreSQL (default postgres://postgres@127.0.0.1:5432): a fresh database per run, dropped afterwards. */

import { randomBytes } from "node:crypto"
import { WorkQueue } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { migrate, pgLayerFromEnv, WorkQueueLayer } from "../src/index.js"
import { run, type StoreTarget } from "./contract.js"
import { withQueue, workQueueContract } from "./workQueueContract.js"

const { url: databaseUrl } = freshDatabase("test_queue")

const target = (): StoreTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

workQueueContract("Postgres", target)

describe("work queue on Postgres under concurrency", () => {
  beforeAll(() => run(target(), migrate()))

  it("separate clients claiming in parallel process every item exactly once", async () => {
    const TOTAL = 100
    const CLIENTS = 3
    const LOOPS_PER_CLIENT = 2

    const enqueued = await withQueue(
      target(),
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`DELETE FROM work_queue`
        const queue = yield* WorkQueue
        const ids: Array<string> = []
        for (let i = 0; i < TOTAL; i++) ids.push(yield* queue.enqueue({ kind: "process_upload", payload: { n: i } }))
        return ids
      }),
    )

    const processed: Array<{ id: string; worker: string; client: number; n: unknown }> = []
    const refused: Array<string> = []
    // every client connects first, then all start claiming together
    let ready = 0
    let go: () => void = () => {}
    const start = new Promise<void>((resolve) => {
      go = resolve
    })

    const client = (c: number) =>
      Effect.runPromise(
        Effect.provide(
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const queue = yield* WorkQueue
            yield* Effect.all(
              Array.from({ length: LOOPS_PER_CLIENT }, () => sql`SELECT 1`),
              { concurrency: "unbounded" },
            )
            if (++ready === CLIENTS) go()
            yield* Effect.promise(() => start)
            const loop = (worker: string) =>
              Effect.gen(function* () {
                while (true) {
                  const item = yield* queue.claim({ worker, kinds: ["process_upload"], leaseMs: 60_000 })
                  if (Option.isNone(item)) return
                  processed.push({ id: item.value.id, worker, client: c, n: (item.value.payload as { n: unknown }).n })
                  // a little work, so the clients' claims interleave
                  yield* Effect.sleep("3 millis")
                  if (!(yield* queue.complete(item.value.id, worker))) refused.push(item.value.id)
                }
              })
            yield* Effect.all(
              Array.from({ length: LOOPS_PER_CLIENT }, (_, l) =>
                loop(`client${c}-loop${l}-${randomBytes(3).toString("hex")}`),
              ),
              { concurrency: "unbounded" },
            )
          }),
          // a separate pool (separate connections) per client
          Layer.provideMerge(
            WorkQueueLayer,
            pgLayerFromEnv({ DATABASE_URL: databaseUrl }, { maxConnections: LOOPS_PER_CLIENT }),
          ),
        ),
      )

    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)))

    const ids = processed.map((p) => p.id)
    expect(refused).toEqual([])
    expect(ids).toHaveLength(TOTAL)
    expect(new Set(ids).size).toBe(TOTAL)
    expect([...ids].sort()).toEqual([...enqueued].sort())
    expect(new Set(processed.map((p) => p.n)).size).toBe(TOTAL)
    // the work really was shared between the clients
    expect(new Set(processed.map((p) => p.client)).size).toBeGreaterThan(1)

    const table = await withQueue(
      target(),
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const queue = yield* WorkQueue
        const attempts = yield* sql<{ attempts: number; n: number }>`
          SELECT attempts, count(*)::int AS n FROM work_queue GROUP BY attempts`
        return { stats: yield* queue.stats(), attempts }
      }),
    )
    expect(table.stats).toEqual({ queued: 0, running: 0, completed: TOTAL, failed: 0, expired: 0 })
    expect(table.attempts).toEqual([{ attempts: 1, n: TOTAL }])
  })
})
