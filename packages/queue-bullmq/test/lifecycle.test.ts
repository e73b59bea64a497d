/**
 * The upload lifecycle through the BullMQ queue, in process: real Redis (a prefix of its own)
 * and real Postgres (a fresh database). A submitted upload is dispatched through BullMQ and
 * published by `processNext`; when Redis loses the keys, the re-fill dispatches every row again.
 */
import { rmSync } from "node:fs"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { processNextUpload, submitUpload } from "@batchops/core"
import { uploadLifecycleLayer } from "@batchops/server"
import { migrate, pgLayerFromEnv } from "@batchops/store-sql"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { BullWorkQueueLayer } from "../src/index.js"
import { deleteKeys, freshPrefix, redisUrl, waitingJobs } from "./redis.js"

const { url: databaseUrl } = freshDatabase("test_bull_lifecycle")
const prefix = freshPrefix("lifecycle")
const folders: Array<string> = []
beforeAll(() => Effect.runPromise(Effect.provide(migrate(), pgLayerFromEnv({ DATABASE_URL: databaseUrl }))))
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true })
})

const layer = async () => {
  const dir = await mkdtemp(join(tmpdir(), "batchops-bull-"))
  folders.push(dir)
  return uploadLifecycleLayer(pgLayerFromEnv({ DATABASE_URL: databaseUrl }), {
    uploadsDir: join(dir, "uploads"),
    exportDir: join(dir, "exports"),
    workQueue: BullWorkQueueLayer(redisUrl, { prefix, refillMs: 300 }),
  })
}

const gradebook = (i: number) =>
  submitUpload({
    fileName: `class-${i}.csv`,
    bytes: new TextEncoder().encode(`Student ID,Name,Score\nS${i}a,Ada,${i % 100}\nS${i}b,Alan,77\n`),
    profile: "gradebook",
    processMode: "transform",
  })

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

describe("the upload lifecycle through BullMQ", () => {
  it("a submitted upload is dispatched through BullMQ and processNext publishes it", async () => {
    const lifecycle = await layer()
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        const upload = yield* gradebook(1)
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ id: string }>`SELECT id::text AS id FROM work_queue
          WHERE payload->>'uploadId' = ${upload.id}`
        const itemId = rows[0]!.id
        const dispatched = yield* Effect.promise(() => waitingJobs(prefix))
        const next = yield* processNextUpload({ worker: "bull-test-1", leaseMs: 60_000 })
        const after = yield* Effect.promise(() => waitingJobs(prefix))
        const status = yield* sql<{ status: string }>`SELECT status FROM uploads WHERE id = ${upload.id}`
        return { upload, itemId, dispatched, next, after, status: status[0]!.status }
      }).pipe(Effect.provide(lifecycle)),
    )
    expect(outcome.dispatched).toEqual([outcome.itemId])
    expect(Option.getOrThrow(outcome.next)).toMatchObject({ uploadId: outcome.upload.id, status: "published" })
    // the job was taken from BullMQ, not left waiting
    expect(outcome.after).toEqual([])
    expect(outcome.status).toBe("published")
  })

  it("Redis loses every key while uploads are queued: the re-fill dispatches them again and all publish", async () => {
    const lifecycle = await layer()
    const COUNT = 20
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const ids = yield* Effect.forEach(
          Array.from({ length: COUNT }, (_, i) => i + 100),
          (i) => Effect.map(gradebook(i), (upload) => upload.id),
        )
        const items = (yield* sql<{ id: string }>`SELECT id::text AS id FROM work_queue
          WHERE status = 'queued' ORDER BY id`).map((row) => row.id)
        expect(items).toHaveLength(COUNT)
        // (the layer's re-fill may already have added them: adding again is a no-op)
        expect(yield* Effect.promise(() => waitingJobs(prefix))).toEqual([...items].sort())

        // Redis loses everything under the prefix (a restart without persistence, a flush)
        expect(yield* Effect.promise(() => deleteKeys(prefix))).toBeGreaterThan(0)
        // the re-fill puts every queued row back in BullMQ
        yield* Effect.promise(() =>
          waitFor("the re-fill", async () => (await waitingJobs(prefix)).join() === [...items].sort().join()),
        )

        const outcomes: Array<string> = []
        while (true) {
          const next = yield* processNextUpload({ worker: "bull-test-2", leaseMs: 60_000 })
          if (Option.isNone(next)) break
          outcomes.push(`${next.value.uploadId}:${next.value.status}`)
        }
        const statuses = yield* sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM uploads
          WHERE id IN ${sql.in(ids)} GROUP BY status`
        return { ids, outcomes, statuses }
      }).pipe(Effect.provide(lifecycle)),
    )
    expect(outcome.outcomes.sort()).toEqual(outcome.ids.map((id) => `${id}:published`).sort())
    expect(outcome.statuses).toEqual([{ status: "published", n: COUNT }])
  })
})
