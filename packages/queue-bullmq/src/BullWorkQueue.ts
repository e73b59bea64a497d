/**
 * The work queue on BullMQ + Redis, with the SQL `work_queue` row as the record.
 *
 * - `enqueue` stores the row through the SQL adapter (inside the caller's transaction, as
 *   before), then adds a BullMQ job named by the row id (one queue per kind; `jobId` = `item-<id>`,
 *   so adding it again is a no-op; `delay` for `runAfter`).
 * - `claim` takes the next job of the asked kinds from BullMQ and leases exactly that row in
 *   SQL (one UPDATE that re-checks the row is due, or running with an expired lease). The
 *   BullMQ job is finished right away, claimed or not: from then on the SQL lease is the only
 *   lease (heartbeats, completion, failure and expiry work exactly as in the SQL adapter). A
 *   row that is not claimable any more (done, leased by someone else, not committed yet) just
 *   drops its job and the next job is taken. When BullMQ has nothing (or Redis cannot be
 *   reached) the claim falls back to the SQL claim, so nothing waits on Redis.
 * - the re-fill: at start and every `refillMs`, every row `queued` (or `running` with an
 *   expired lease) gets its job added again (a no-op when it is there), so a Redis restart or
 *   flush, a row committed after its job was dropped, or a worker killed mid-run, loses nothing.
 * - Redis errors are logged and never fail a call (the row is the record); database errors
 *   are `StoreError`s, as in the SQL adapter, and the claim loop backs off and tries again.
 *   A log says what failed in one line (the messages down the causes, no stack).
 * - the re-fill reads `work_queue` as soon as the layer is built: migrate the database first.
 */
import { randomUUID } from "node:crypto"
import {
  type ClaimInput,
  causeMessage,
  type EnqueueInput,
  type FailOptions,
  type WorkItem,
  WorkQueue,
} from "@batchops/core"
import { makeWorkQueue, toStoreError } from "@batchops/store-sql"
import type { Job, Queue, Worker } from "bullmq"
import { Clock, Duration, Effect, Layer, Option, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import type { Redis } from "ioredis"

export interface BullWorkQueueOptions {
  /** the BullMQ key prefix in Redis (default `batchops`) */
  readonly prefix?: string | undefined
  /** the kinds a claim without `kinds` looks for in BullMQ, besides those seen (default the three BatchOps kinds) */
  readonly kinds?: ReadonlyArray<string> | undefined
  /** how often the re-fill runs (default 5 s) */
  readonly refillMs?: number | undefined
  /** how long one Redis call may take before it counts as failed (default 2 s) */
  readonly redisTimeoutMs?: number | undefined
}

export const DEFAULT_KINDS: ReadonlyArray<string> = ["process_upload", "run_job", "notify_incident"]

/** the most dropped jobs one claim looks past before it asks SQL */
const MAX_SKIPPED = 200
/** the most rows one re-fill adds */
const REFILL_BATCH = 2000

interface KindQueue {
  readonly queue: Queue
  readonly worker: Worker
}

const validId = (id: string): boolean => /^\d{1,18}$/.test(id)

/** BullMQ refuses integer job ids: the job of row 42 is `item-42` */
const jobId = (id: string): string => `item-${id}`

/** why an effect failed, for a one-line log: the messages down the error's causes */
const reasonOf = causeMessage

/** `WorkQueue` on BullMQ (Redis at `redisUrl`) over the `SqlClient` in context. */
export const BullWorkQueueLayer = (
  redisUrl: string,
  options: BullWorkQueueOptions = {},
): Layer.Layer<WorkQueue, never, SqlClient.SqlClient> =>
  Layer.effect(
    WorkQueue,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const base = yield* makeWorkQueue
      // loaded here, so a host without REDIS_URL never loads BullMQ
      const { Queue: QueueClass, Worker: WorkerClass } = yield* Effect.promise(() => import("bullmq"))
      const { Redis: RedisClass } = yield* Effect.promise(() => import("ioredis"))
      const prefix = options.prefix ?? "batchops"
      const timeout = Duration.millis(options.redisTimeoutMs ?? 2000)

      const connect = () =>
        new RedisClass(redisUrl, {
          maxRetriesPerRequest: null,
          // fail fast while Redis is away instead of queueing commands (the SQL row is the record)
          enableOfflineQueue: false,
          lazyConnect: false,
        })
      const connections = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const producer = connect()
          const consumer = connect()
          for (const connection of [producer, consumer]) connection.on("error", () => {})
          return { producer, consumer }
        }),
        ({ producer, consumer }) => Effect.sync(() => void [producer, consumer].map((c: Redis) => c.disconnect())),
      )

      // a start with Redis away goes on with the database alone (the re-fill dispatches later)
      yield* Effect.promise(() =>
        Promise.all(
          [connections.producer, connections.consumer].map(
            (connection) =>
              new Promise<void>((resolve) => {
                if (connection.status === "ready") return resolve()
                const done = () => {
                  clearTimeout(timer)
                  resolve()
                }
                const timer = setTimeout(done, Duration.toMillis(timeout))
                connection.once("ready", done)
              }),
          ),
        ),
      )

      const queues = new Map<string, KindQueue>()
      const kindQueue = (kind: string): KindQueue => {
        const found = queues.get(kind)
        if (found) return found
        const made: KindQueue = {
          queue: new QueueClass(kind, { connection: connections.producer, prefix }),
          worker: new WorkerClass(kind, null, {
            connection: connections.consumer,
            prefix,
            autorun: false,
          }),
        }
        made.queue.on("error", () => {})
        made.worker.on("error", () => {})
        queues.set(kind, made)
        return made
      }
      for (const kind of options.kinds ?? DEFAULT_KINDS) kindQueue(kind)
      yield* Effect.addFinalizer(() =>
        Effect.promise(() =>
          Promise.allSettled([...queues.values()].flatMap(({ queue, worker }) => [worker.close(true), queue.close()])),
        ).pipe(Effect.timeout(timeout), Effect.ignore),
      )

      /** a Redis call: `None` (logged) when it fails or takes too long; skipped while Redis is away */
      const redis = <A>(what: string, call: () => Promise<A>) =>
        Effect.suspend(() =>
          connections.producer.status !== "ready" || connections.consumer.status !== "ready"
            ? Effect.succeed(Option.none<A>())
            : Effect.tryPromise(call).pipe(
                Effect.timeout(timeout),
                Effect.map(Option.some),
                Effect.catchCause((cause) =>
                  Effect.as(
                    Effect.logWarning(
                      `work queue (BullMQ): ${what} failed (${reasonOf(cause)}); the database row stays the record`,
                    ),
                    Option.none<A>(),
                  ),
                ),
              ),
        )

      const dispatch = (id: string, kind: string, delayMs: number) =>
        redis("add", () =>
          kindQueue(kind).queue.add(
            kind,
            { id },
            { jobId: jobId(id), delay: Math.max(0, Math.round(delayMs)), removeOnComplete: true, removeOnFail: true },
          ),
        )

      const enqueue = (input: EnqueueInput) =>
        Effect.gen(function* () {
          const id = yield* base.enqueue(input)
          const delay = input.runAfter === undefined ? 0 : input.runAfter.getTime() - (yield* Clock.currentTimeMillis)
          yield* dispatch(id, input.kind, delay)
          return id
        })

      const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`

      /** leases row `id` to `worker` when it is due or its lease expired; `false` otherwise */
      const claimById = (id: string, kinds: ReadonlyArray<string>, worker: string, leaseMs: number) =>
        Effect.map(
          sql<{ id: string }>`UPDATE work_queue SET status = 'running', leased_by = ${worker},
              leased_until = now() + ${ms(leaseMs)}, attempts = attempts + 1, updated_at = now()
            WHERE id = ${id}::bigint AND kind IN ${sql.in(kinds)}
              AND ((status = 'queued' AND run_after <= now()) OR (status = 'running' AND leased_until < now()))
            RETURNING id::text AS id`,
          (rows) => rows.length === 1,
        ).pipe(Effect.mapError(toStoreError))

      /** the next BullMQ job of `kind`, already finished in BullMQ (the SQL lease is the lease from now on) */
      const takeJob = (kind: string) =>
        Effect.gen(function* () {
          const { worker } = kindQueue(kind)
          const token = randomUUID()
          const job = yield* redis("take", () => worker.getNextJob(token, { block: false }) as Promise<Job | undefined>)
          if (Option.isNone(job) || job.value === undefined) return Option.none<string>()
          const taken = job.value
          yield* redis("finish", () => taken.moveToCompleted(null, token, false))
          return Option.some(String((taken.data as { id?: unknown } | undefined)?.id ?? ""))
        })

      const claim = (input: ClaimInput) =>
        Effect.gen(function* () {
          // a lease that is not a positive duration is refused by the SQL adapter
          if (!(Number.isFinite(input.leaseMs) && input.leaseMs > 0)) return yield* base.claim(input)
          if (input.kinds !== undefined && input.kinds.length === 0) return Option.none<WorkItem>()
          const kinds = input.kinds ?? [...queues.keys()]
          let skipped = 0
          for (const kind of kinds) {
            while (skipped < MAX_SKIPPED) {
              const next = yield* takeJob(kind)
              if (Option.isNone(next)) break
              const id = next.value
              if (validId(id) && (yield* claimById(id, [kind], input.worker, input.leaseMs))) {
                const item = yield* base.get(id)
                if (Option.isSome(item)) return item
              }
              skipped++
            }
          }
          return yield* base.claim(input)
        }).pipe(Effect.withSpan("WorkQueue.claim (BullMQ)"))

      const fail = (id: string, worker: string, error: string, failOptions: FailOptions = {}) =>
        Effect.gen(function* () {
          const done = yield* base.fail(id, worker, error, failOptions)
          if (done && failOptions.retryAfterMs !== undefined) {
            const item = yield* base.get(id)
            if (Option.isSome(item)) {
              const { queue } = kindQueue(item.value.kind)
              // an older delayed job of the same id would keep the new one out
              yield* redis("remove", () => queue.remove(jobId(id)))
              yield* dispatch(id, item.value.kind, failOptions.retryAfterMs)
            }
          }
          return done
        })

      /** adds a job for every row that is queued, or running with an expired lease */
      const refill = Effect.gen(function* () {
        const rows = yield* sql<{ id: string; kind: string; delay_ms: number }>`SELECT id::text AS id, kind,
            GREATEST(0, extract(epoch FROM run_after - now()) * 1000)::float8 AS delay_ms
          FROM work_queue
          WHERE status = 'queued' OR (status = 'running' AND leased_until < now())
          ORDER BY run_after, id
          LIMIT ${REFILL_BATCH}`
        const byKind = new Map<string, Array<{ id: string; delay: number }>>()
        for (const row of rows) {
          const list = byKind.get(row.kind) ?? []
          list.push({ id: String(row.id), delay: Number(row.delay_ms) })
          byKind.set(row.kind, list)
        }
        for (const [kind, list] of byKind) {
          const { queue } = kindQueue(kind)
          yield* redis("re-fill", () =>
            queue.addBulk(
              list.map(({ id, delay }) => ({
                name: kind,
                data: { id },
                opts: { jobId: jobId(id), delay: Math.round(delay), removeOnComplete: true, removeOnFail: true },
              })),
            ),
          )
        }
      }).pipe(
        Effect.catchCause((cause) =>
          Effect.logWarning(`work queue (BullMQ): re-fill failed (${reasonOf(cause)}); trying again`),
        ),
      )
      yield* Effect.forkScoped(Effect.repeat(refill, Schedule.spaced(Duration.millis(options.refillMs ?? 5000))))

      return WorkQueue.of({
        ...base,
        enqueue,
        claim: (input) => Effect.mapError(claim(input), toStoreError),
        fail,
      })
    }),
  )
