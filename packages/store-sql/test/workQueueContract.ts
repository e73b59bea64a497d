/**
 * The work queue contract: every backend (real Postgres, embedded PGlite) must pass the same
 * suite. Each test runs in one client over the target's database, starting from an empty queue;
 * "workers" are distinct worker ids (the concurrency test with separate connections is
 * Postgres-only, in WorkQueue.integration.test.ts).
 */
import { WorkQueue } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { beforeAll, describe, expect, it } from "vitest"
import { migrate, WorkQueueLayer } from "../src/index.js"
import { run, type StoreTarget } from "./contract.js"

/** a `WorkQueue` adapter over a `SqlClient` (the SQL one, or one that keeps its record there) */
export type QueueLayer = Layer.Layer<WorkQueue, never, SqlClient.SqlClient>

/** runs `effect` with a `WorkQueue` (default the SQL adapter) over a fresh client layer of `target` */
export const withQueue = <A, E>(
  target: StoreTarget,
  effect: Effect.Effect<A, E, WorkQueue | SqlClient.SqlClient>,
  queue: QueueLayer = WorkQueueLayer,
): Promise<A> => Effect.runPromise(Effect.provide(effect, Layer.provideMerge(queue, target.open())))

/** empties the queue, then runs `effect` with the queue */
const fresh = <A, E>(
  target: StoreTarget,
  effect: Effect.Effect<A, E, WorkQueue | SqlClient.SqlClient>,
  queue: QueueLayer = WorkQueueLayer,
) =>
  withQueue(
    target,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM work_queue`
      return yield* effect
    }),
    queue,
  )

// the contract's own names for the two, bound to the adapter under test
const withQueueOf = withQueue
const freshOf = fresh

const LONG = 60_000

export const workQueueContract = (name: string, target: () => StoreTarget, queue: QueueLayer = WorkQueueLayer) =>
  describe(`work queue contract: ${name}`, () => {
    const withQueue = <A, E>(t: StoreTarget, effect: Effect.Effect<A, E, WorkQueue | SqlClient.SqlClient>) =>
      withQueueOf(t, effect, queue)
    const fresh = <A, E>(t: StoreTarget, effect: Effect.Effect<A, E, WorkQueue | SqlClient.SqlClient>) =>
      freshOf(t, effect, queue)
    beforeAll(() => run(target(), migrate()))

    it("round-trips enqueue, claim and complete; nothing to claim when empty or not yet due", async () => {
      const outcome = await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          expect(Option.isNone(yield* queue.claim({ worker: "w1", leaseMs: LONG }))).toBe(true)

          const id = yield* queue.enqueue({ kind: "process_upload", payload: { uploadId: "u1", retries: [1, 2] } })
          const later = yield* queue.enqueue({
            kind: "process_upload",
            payload: { uploadId: "u2" },
            runAfter: new Date(Date.now() + 3_600_000),
          })
          expect(id).toMatch(/^\d+$/)
          expect(later).not.toBe(id)
          expect(Option.getOrThrow(yield* queue.get(id))).toMatchObject({
            status: "queued",
            attempts: 0,
            leasedBy: null,
            leasedUntil: null,
          })

          const claimed = Option.getOrThrow(yield* queue.claim({ worker: "w1", leaseMs: LONG }))
          expect(claimed).toMatchObject({
            id,
            kind: "process_upload",
            payload: { uploadId: "u1", retries: [1, 2] },
            status: "running",
            leasedBy: "w1",
            attempts: 1,
            lastError: null,
          })
          // the lease is about LONG ms long (database clock)
          const leaseLength = Date.parse(claimed.leasedUntil!) - Date.parse(claimed.updatedAt)
          expect(leaseLength).toBe(LONG)

          // the first is leased, the second not due yet
          expect(Option.isNone(yield* queue.claim({ worker: "w2", leaseMs: LONG }))).toBe(true)
          expect(yield* queue.stats()).toEqual({ queued: 1, running: 1, completed: 0, failed: 0, expired: 0 })

          expect(yield* queue.complete(id, "w1")).toBe(true)
          // completing twice, or an unknown id, does nothing
          expect(yield* queue.complete(id, "w1")).toBe(false)
          expect(yield* queue.complete("999999999", "w1")).toBe(false)
          expect(yield* queue.complete("not-an-id", "w1")).toBe(false)
          expect(Option.isNone(yield* queue.claim({ worker: "w1", leaseMs: LONG }))).toBe(true)
          return { id, stats: yield* queue.stats() }
        }),
      )
      expect(outcome.stats).toEqual({ queued: 1, running: 0, completed: 1, failed: 0, expired: 0 })
      // what one client wrote, the next one reads
      const reread = await withQueue(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          return yield* queue.get(outcome.id)
        }),
      )
      expect(Option.getOrThrow(reread)).toMatchObject({ status: "completed", leasedBy: "w1", leasedUntil: null })
    })

    it("claims the oldest due item first and only the asked kinds", async () => {
      const order = await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const now = Date.now()
          const job = yield* queue.enqueue({
            kind: "run_job",
            payload: { job: "j1" },
            runAfter: new Date(now - 60_000),
          })
          const upload = yield* queue.enqueue({ kind: "process_upload", runAfter: new Date(now - 120_000) })
          const newest = yield* queue.enqueue({ kind: "process_upload" })
          const byKind = yield* queue.claim({ worker: "w", kinds: ["run_job"], leaseMs: LONG })
          const none = yield* queue.claim({ worker: "w", kinds: ["run_job", "other"], leaseMs: LONG })
          const empty = yield* queue.claim({ worker: "w", kinds: [], leaseMs: LONG })
          const first = yield* queue.claim({ worker: "w", leaseMs: LONG })
          const second = yield* queue.claim({ worker: "w", leaseMs: LONG })
          return {
            expected: [job, upload, newest],
            got: [byKind, first, second].map((o) => Option.getOrThrow(o).id),
            none: Option.isNone(none),
            empty: Option.isNone(empty),
            payload: Option.getOrThrow(byKind).payload,
          }
        }),
      )
      expect(order.got).toEqual(order.expected)
      expect(order).toMatchObject({ none: true, empty: true, payload: { job: "j1" } })
    })

    it("hands an expired lease to another worker and refuses the worker that lost it", async () => {
      const outcome = await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const id = yield* queue.enqueue({ kind: "run_job", payload: { job: "nightly" } })
          const a = Option.getOrThrow(yield* queue.claim({ worker: "A", leaseMs: 50 }))
          expect(a).toMatchObject({ id, leasedBy: "A", attempts: 1 })
          yield* Effect.sleep("250 millis")
          expect(yield* queue.stats()).toMatchObject({ running: 1, expired: 1 })

          const b = Option.getOrThrow(yield* queue.claim({ worker: "B", leaseMs: LONG }))
          expect(b).toMatchObject({ id, leasedBy: "B", attempts: 2, status: "running" })
          expect(yield* queue.stats()).toMatchObject({ running: 1, expired: 0 })

          // A died and came back: everything it tries is refused
          expect(yield* queue.heartbeat(id, "A", LONG)).toBe(false)
          expect(yield* queue.complete(id, "A")).toBe(false)
          expect(yield* queue.fail(id, "A", "late", { retryAfterMs: 0 })).toBe(false)
          expect(yield* queue.fail(id, "A", "late")).toBe(false)
          expect(Option.getOrThrow(yield* queue.get(id))).toMatchObject({
            status: "running",
            leasedBy: "B",
            lastError: null,
          })

          expect(yield* queue.complete(id, "B")).toBe(true)
          return Option.getOrThrow(yield* queue.get(id))
        }),
      )
      expect(outcome).toMatchObject({ status: "completed", leasedBy: "B", attempts: 2 })
    })

    it("does not hand out a live lease; heartbeat keeps it alive", async () => {
      await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const live = yield* queue.enqueue({ kind: "process_upload" })
          expect(Option.getOrThrow(yield* queue.claim({ worker: "A", leaseMs: LONG })).id).toBe(live)
          expect(Option.isNone(yield* queue.claim({ worker: "B", leaseMs: LONG }))).toBe(true)

          const kept = yield* queue.enqueue({ kind: "process_upload" })
          const claimed = Option.getOrThrow(yield* queue.claim({ worker: "A", leaseMs: 300 }))
          expect(claimed.id).toBe(kept)
          // only the holder may extend it
          expect(yield* queue.heartbeat(kept, "B", LONG)).toBe(false)
          expect(yield* queue.heartbeat(kept, "A", LONG)).toBe(true)
          const extended = Option.getOrThrow(yield* queue.get(kept))
          expect(Date.parse(extended.leasedUntil!)).toBeGreaterThan(Date.parse(claimed.leasedUntil!) + 30_000)
          // past the original 300 ms lease: still A's
          yield* Effect.sleep("500 millis")
          expect(Option.isNone(yield* queue.claim({ worker: "B", leaseMs: LONG }))).toBe(true)
          expect(yield* queue.stats()).toEqual({ queued: 0, running: 2, completed: 0, failed: 0, expired: 0 })

          expect(yield* queue.complete(kept, "A")).toBe(true)
          // a finished item has no lease to extend
          expect(yield* queue.heartbeat(kept, "A", LONG)).toBe(false)
          expect(yield* queue.heartbeat("not-an-id", "A", LONG)).toBe(false)
        }),
      )
    })

    it("fail with retry queues the item again later, counting attempts; fail without retry is final", async () => {
      await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const sql = yield* SqlClient.SqlClient
          const id = yield* queue.enqueue({ kind: "process_upload", payload: { uploadId: "u9" } })

          yield* queue.claim({ worker: "A", leaseMs: LONG })
          expect(yield* queue.fail(id, "A", "parser timed out", { retryAfterMs: 60_000 })).toBe(true)
          const waiting = Option.getOrThrow(yield* queue.get(id))
          expect(waiting).toMatchObject({
            status: "queued",
            attempts: 1,
            lastError: "parser timed out",
            leasedUntil: null,
          })
          const delays = yield* sql<{ delay: number }>`
            SELECT extract(epoch FROM run_after - now())::float8 AS delay FROM work_queue WHERE id = ${id}::bigint`
          const delay = delays[0]!.delay
          expect(delay).toBeGreaterThan(55)
          expect(delay).toBeLessThanOrEqual(60)
          // not due yet
          expect(Option.isNone(yield* queue.claim({ worker: "B", leaseMs: LONG }))).toBe(true)
          expect(yield* queue.stats()).toMatchObject({ queued: 1, running: 0, failed: 0 })

          // due again right away
          yield* sql`UPDATE work_queue SET run_after = now() WHERE id = ${id}::bigint`
          expect(Option.getOrThrow(yield* queue.claim({ worker: "B", leaseMs: LONG }))).toMatchObject({
            id,
            attempts: 2,
          })
          expect(yield* queue.fail(id, "B", "still broken", { retryAfterMs: 0 })).toBe(true)
          expect(Option.getOrThrow(yield* queue.claim({ worker: "C", leaseMs: LONG }))).toMatchObject({
            id,
            attempts: 3,
            lastError: "still broken",
          })

          expect(yield* queue.fail(id, "C", "gave up")).toBe(true)
          expect(Option.getOrThrow(yield* queue.get(id))).toMatchObject({
            status: "failed",
            attempts: 3,
            lastError: "gave up",
            leasedUntil: null,
          })
          expect(Option.isNone(yield* queue.claim({ worker: "C", leaseMs: LONG }))).toBe(true)
          expect(yield* queue.fail(id, "C", "again")).toBe(false)
          expect(yield* queue.stats()).toEqual({ queued: 0, running: 0, completed: 0, failed: 1, expired: 0 })
        }),
      )
    })

    it("refuses a lease or retry delay that is not a positive duration", async () => {
      const exits = await fresh(
        target(),
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const id = yield* queue.enqueue({ kind: "run_job" })
          const zeroLease = yield* Effect.exit(queue.claim({ worker: "A", leaseMs: 0 }))
          const nanLease = yield* Effect.exit(queue.claim({ worker: "A", leaseMs: Number.NaN }))
          yield* queue.claim({ worker: "A", leaseMs: LONG })
          const negativeRetry = yield* Effect.exit(queue.fail(id, "A", "x", { retryAfterMs: -1 }))
          const negativeHeartbeat = yield* Effect.exit(queue.heartbeat(id, "A", -5))
          return {
            zeroLease,
            nanLease,
            negativeRetry,
            negativeHeartbeat,
            item: Option.getOrThrow(yield* queue.get(id)),
          }
        }),
      )
      for (const exit of [exits.zeroLease, exits.nanLease, exits.negativeRetry, exits.negativeHeartbeat]) {
        expect(exit._tag).toBe("Failure")
      }
      // the one valid claim went through; the refused calls changed nothing
      expect(exits.item).toMatchObject({ status: "running", attempts: 1, leasedBy: "A", lastError: null })
    })

    it("keeps the status and lease rules in the table itself", async () => {
      const exits = await fresh(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return {
            oldStatus: yield* Effect.exit(sql`INSERT INTO work_queue (kind, status) VALUES ('x', 'pending')`),
            runningWithoutLease: yield* Effect.exit(sql`INSERT INTO work_queue (kind, status) VALUES ('x', 'running')`),
            defaults: yield* sql<{ status: string }>`INSERT INTO work_queue (kind) VALUES ('x') RETURNING status`,
          }
        }),
      )
      expect(exits.oldStatus._tag).toBe("Failure")
      expect(exits.runningWithoutLease._tag).toBe("Failure")
      expect(exits.defaults).toEqual([{ status: "queued" }])
    })
  })
