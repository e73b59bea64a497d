import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type CurrentRegistry,
  type IncidentsRepo,
  type KnownErrorsRepo,
  type OriginalFiles,
  processNextUpload,
  submitUpload,
  type Transactions,
  type UploadCheckpoints,
  type UploadRunner,
  UploadsRepo,
  WorkQueue,
} from "@batchops/core"
import type { UploadSettings } from "@batchops/runner-node"
import { migrate, pgLayerFromEnv } from "@batchops/store-sql"
import { Effect, Fiber, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { uploadLifecycleLayer } from "../src/Layers.js"

const { url: databaseUrl } = freshDatabase("test_lease")
const root = mkdtempSync(join(tmpdir(), "batchops-lease-"))

beforeAll(async () => {
  await Effect.runPromise(Effect.provide(migrate(), pgLayerFromEnv({ DATABASE_URL: databaseUrl })))
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A gradebook large enough that its run takes a while (about a second). */
const largeGradebook = (rows: number) => {
  const lines = ["Student ID,Name,Score"]
  for (let i = 0; i < rows; i++) lines.push(`S${i},Student ${i},${i % 101}`)
  return new TextEncoder().encode(`${lines.join("\n")}\n`)
}

type Services =
  | UploadsRepo
  | IncidentsRepo
  | KnownErrorsRepo
  | WorkQueue
  | UploadSettings
  | OriginalFiles
  | CurrentRegistry
  | SqlClient.SqlClient
  | Transactions
  | UploadCheckpoints
  | UploadRunner

/**
 * The lease of the first test: long enough for the longest stretch the pipeline holds the event
 * loop (rendering the PDF, about half a second; the other worker here shares the process).
 */
const LEASE_MS = 1500

let folders = 0
const directories = () => {
  const dir = join(root, `t${++folders}`)
  return { uploadsDir: join(dir, "uploads"), exportDir: join(dir, "exports") }
}

const runIn = <A, E>(dirs: ReturnType<typeof directories>, effect: Effect.Effect<A, E, Services>) =>
  Effect.runPromise(Effect.provide(effect, uploadLifecycleLayer(pgLayerFromEnv({ DATABASE_URL: databaseUrl }), dirs)))

/** Waits until the item of `uploadId` is `running` with its first steps not yet all stored. */
const untilRunning = (uploadId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    while (true) {
      const rows = yield* sql<{ status: string }>`SELECT status FROM work_queue
        WHERE payload->>'uploadId' = ${uploadId}`
      if (rows[0]?.status === "running") return
      yield* Effect.sleep(10)
    }
  })

const reportsOnDisk = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith(".")) : [])

describe("upload worker lease", () => {
  it("heartbeats keep a run longer than its lease from being claimed by another worker", async () => {
    const dirs = directories()
    const outcome = await runIn(
      dirs,
      Effect.gen(function* () {
        const queue = yield* WorkQueue
        const upload = yield* submitUpload({
          fileName: "long.csv",
          bytes: largeGradebook(1_200_000),
          profile: "gradebook",
          processMode: "transform",
        })
        const started = Date.now()
        const fiber = yield* Effect.forkChild(processNextUpload({ worker: "worker-a", leaseMs: LEASE_MS }))
        yield* untilRunning(upload.id)
        // a second worker keeps trying while the first one runs, well past the first's lease
        const others: Array<{ readonly at: number; readonly claimed: boolean }> = []
        while (fiber.pollUnsafe() === undefined) {
          yield* Effect.sleep(50)
          const claimed = Option.isSome(yield* processNextUpload({ worker: "worker-b", leaseMs: LEASE_MS }))
          others.push({ at: Date.now() - started, claimed })
        }
        const first = yield* Fiber.join(fiber)
        const [item] = yield* (yield* SqlClient.SqlClient)<{ id: string }>`SELECT id::text AS id FROM work_queue`
        return { upload, first, others, item: Option.getOrThrow(yield* queue.get(item!.id)) }
      }),
    )
    expect(Option.getOrThrow(outcome.first)).toMatchObject({ uploadId: outcome.upload.id, status: "published" })
    // tries after the lease would have run out without heartbeats, none of them successful
    expect(outcome.others.filter((other) => other.at > LEASE_MS + 300).length).toBeGreaterThan(0)
    expect(outcome.others.every((other) => !other.claimed)).toBe(true)
    expect(outcome.item).toMatchObject({ status: "completed", attempts: 1, leasedBy: "worker-a" })
  }, 60_000)

  it("a run whose item was taken over stops and publishes nothing", async () => {
    const dirs = directories()
    const outcome = await runIn(
      dirs,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const uploads = yield* UploadsRepo
        const upload = yield* submitUpload({
          fileName: "taken.csv",
          bytes: largeGradebook(300_000),
          profile: "gradebook",
          processMode: "transform",
        })
        const fiber = yield* Effect.forkChild(processNextUpload({ worker: "worker-a", leaseMs: 600 }))
        yield* untilRunning(upload.id)
        // another worker claims the item (as after an expired lease)
        yield* sql`UPDATE work_queue SET leased_by = 'worker-b', attempts = attempts + 1
          WHERE payload->>'uploadId' = ${upload.id}`
        const next = yield* Fiber.join(fiber)
        const [item] = yield* sql<{ status: string; leased_by: string; attempts: number }>`
          SELECT status, leased_by, attempts FROM work_queue WHERE payload->>'uploadId' = ${upload.id}`
        return {
          upload,
          next,
          item,
          after: Option.getOrThrow(yield* uploads.get(upload.id)),
          csv: yield* uploads.getReport(upload.id, "csv"),
        }
      }),
    )
    expect(Option.getOrThrow(outcome.next)).toMatchObject({ uploadId: outcome.upload.id, status: "lost" })
    expect(outcome.after.status).not.toBe("published")
    expect(outcome.after.status).not.toBe("failed")
    expect(Option.isNone(outcome.csv)).toBe(true)
    expect(outcome.item).toEqual({ status: "running", leased_by: "worker-b", attempts: 2 })
    expect(reportsOnDisk(join(dirs.exportDir, outcome.upload.id))).toEqual([])
  }, 60_000)
})
