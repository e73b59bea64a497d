/**
 * The upload lifecycle contract: submitting and processing uploads must behave the same on
 * every database backend (embedded PGlite, real Postgres). Each test opens a fresh client layer
 * over the target's database and works in its own uploads and export folders.
 */

import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type CurrentRegistry,
  IncidentsRepo,
  KnownErrorsRepo,
  type OriginalFiles,
  processNextUpload,
  type SubmitUpload,
  submitUpload,
  type Transactions,
  type UploadCheckpoints,
  UploadRejected,
  type UploadRunner,
  UploadsRepo,
  WorkQueue,
} from "@batchops/core"
import { originalPath, type UploadSettings } from "@batchops/runner-node"
import { migrate } from "@batchops/store-sql"
import { Effect, Exit, type Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { uploadLifecycleLayer } from "../src/Layers.js"

export interface UploadTarget {
  /** a new client layer over the backend's database */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
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

const STAGES = ["standardize_results", "validate_results", "transform_gradebook", "generate_summary", "publish_results"]

const GRADEBOOK = "Student ID,Name,Score\nS001,Ada Lovelace,91\nS002,Alan Turing,78\nS003,Grace Hopper,85\n"

const encode = (text: string) => new TextEncoder().encode(text)
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** every regular file under `dir` (relative paths), hidden temporary files included */
const filesUnder = (dir: string): Array<string> =>
  existsSync(dir)
    ? (readdirSync(dir, { recursive: true }) as Array<string>).filter((name) => statSync(join(dir, name)).isFile())
    : []

const itemsFor = (uploadId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql<{ id: string; status: string; attempts: number; last_error: string | null; due: boolean }>`
      SELECT id::text AS id, status, attempts, last_error, run_after <= now() AS due FROM work_queue
      WHERE kind = 'process_upload' AND payload->>'uploadId' = ${uploadId} ORDER BY id`
  })

const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ uploads: number; items: number }>`SELECT
      (SELECT count(*)::int FROM uploads) AS uploads, (SELECT count(*)::int FROM work_queue) AS items`
  return row!
})

const request = (fileName: string, text: string, extra: Partial<SubmitUpload> = {}): SubmitUpload => ({
  fileName,
  bytes: encode(text),
  profile: "gradebook",
  processMode: "transform",
  processConfig: {},
  ...extra,
})

const WORKER = { worker: "test-worker", leaseMs: 60_000 }

export const uploadLifecycleContract = (name: string, target: () => UploadTarget) =>
  describe(`upload lifecycle: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-uploads-"))
    let folders = 0
    /** fresh uploads and export folders for one test */
    const directories = () => {
      const dir = join(root, `t${++folders}`)
      return { uploadsDir: join(dir, "uploads"), exportDir: join(dir, "exports") }
    }
    const run = <A, E>(dirs: ReturnType<typeof directories>, effect: Effect.Effect<A, E, Services>) =>
      Effect.runPromise(Effect.provide(effect, uploadLifecycleLayer(target().open(), dirs)))

    beforeAll(() => Effect.runPromise(Effect.provide(migrate(), target().open())))
    afterAll(() => rmSync(root, { recursive: true, force: true }))

    it("processNext on an empty queue returns none", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const stats = yield* queue.stats()
          return { stats, next: yield* processNextUpload(WORKER) }
        }),
      )
      expect(outcome.stats.queued).toBe(0)
      expect(Option.isNone(outcome.next)).toBe(true)
    })

    it("stores a good gradebook with its work item and file, then publishes it", async () => {
      const dirs = directories()
      const bytes = encode(GRADEBOOK)
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const queue = yield* WorkQueue
          const upload = yield* submitUpload(request("Term 1 gradebook.csv", GRADEBOOK))
          const stored = yield* uploads.get(upload.id)
          const itemsBefore = yield* itemsFor(upload.id)
          const onDisk = filesUnder(dirs.uploadsDir)
          const next = yield* processNextUpload(WORKER)
          const after = Option.getOrThrow(yield* uploads.get(upload.id))
          const csv = yield* uploads.getReport(upload.id, "csv")
          const pdf = yield* uploads.getReport(upload.id, "pdf")
          const item = yield* queue.get(itemsBefore[0]!.id)
          return { upload, stored, itemsBefore, onDisk, next, after, csv, pdf, item }
        }),
      )
      const { upload } = outcome
      expect(upload.status).toBe("queued")
      expect(upload.sha256).toBe(sha256(bytes))
      expect(upload.size).toBe(bytes.byteLength)
      expect(Option.getOrThrow(outcome.stored).status).toBe("queued")
      expect(outcome.itemsBefore).toEqual([expect.objectContaining({ status: "queued", attempts: 0, due: true })])

      // exactly one file, no temporary left, the bytes recorded
      const original = originalPath(dirs.uploadsDir, upload)
      expect(original).toBe(join(dirs.uploadsDir, upload.sha256.slice(0, 2), `${upload.id}-Term_1_gradebook.csv`))
      expect(outcome.onDisk).toEqual([join(upload.sha256.slice(0, 2), `${upload.id}-Term_1_gradebook.csv`)])
      expect(sha256(readFileSync(original))).toBe(upload.sha256)

      expect(Option.getOrThrow(outcome.next)).toEqual({
        workItemId: outcome.itemsBefore[0]!.id,
        uploadId: upload.id,
        status: "published",
        completed: true,
      })
      const after = outcome.after
      expect(after.status).toBe("published")
      expect(after.progress).toBe(100)
      expect(after.steps.map((s) => s.name)).toEqual(STAGES)
      expect(after.steps.map((s) => s.status)).toEqual(STAGES.map(() => "ok"))
      expect(after.rows).toBe(3)
      expect(after.reportCsvPath).toBe(join(dirs.exportDir, upload.id, "Term 1 gradebook.summary.csv"))
      expect(after.reportPdfPath).toBe(join(dirs.exportDir, upload.id, "Term 1 gradebook.summary.pdf"))
      const csv = Option.getOrThrow(outcome.csv)
      expect(csv.byteLength).toBeGreaterThan(0)
      expect(Buffer.from(csv).equals(readFileSync(after.reportCsvPath!))).toBe(true)
      expect(Buffer.from(Option.getOrThrow(outcome.pdf)).equals(readFileSync(after.reportPdfPath!))).toBe(true)
      expect(Option.getOrThrow(outcome.item)).toMatchObject({ status: "completed", attempts: 1 })
    })

    it.each([
      { label: "an empty file", fileName: "empty.csv", text: "", knownError: "empty-file" },
      {
        label: "a header-only CSV",
        fileName: "header.csv",
        text: "Student ID,Name,Score\n",
        knownError: "header-only",
      },
    ])("fails $label into an incident with its ticket and first event", async ({ fileName, text, knownError }) => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const queue = yield* WorkQueue
          const upload = yield* submitUpload(request(fileName, text))
          const [item] = yield* itemsFor(upload.id)
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          const incidentId = next.status === "failed" ? next.incidentId : "none"
          return {
            upload,
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            incident: yield* incidents.get(incidentId),
            tickets: yield* incidents.tickets(incidentId),
            item: Option.getOrThrow(yield* queue.get(item!.id)),
            csv: yield* uploads.getReport(upload.id, "csv"),
          }
        }),
      )
      const { upload, next } = outcome
      expect(next).toMatchObject({ uploadId: upload.id, status: "failed", completed: true })
      expect(outcome.after.status).toBe("failed")
      expect(outcome.after.steps.map((s) => s.name)).toEqual(STAGES)
      expect(outcome.after.steps[0]!.status).toBe("failed")
      expect(Option.isNone(outcome.csv)).toBe(true)

      const incident = Option.getOrThrow(outcome.incident)
      expect(incident).toMatchObject({ uploadId: upload.id, stage: "standardize_results", status: "open", knownError })
      expect(incident.timeline).toHaveLength(1)
      expect(incident.timeline[0]).toMatchObject({ kind: "opened", data: { uploadId: upload.id } })
      expect(outcome.tickets).toHaveLength(1)
      expect(outcome.tickets[0]).toMatchObject({ incidentId: incident.id, status: "open" })
      expect(outcome.tickets[0]!.title).toContain(fileName)
      expect(outcome.item).toMatchObject({ status: "completed", attempts: 1 })
    })

    it("records the same failure of the same file twice as one incident with a recurrence", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          yield* submitUpload(request("twice-failing.csv", "Student ID,Name,Score\n"))
          yield* submitUpload(request("twice-failing.csv", "Student ID,Name,Score\n"))
          const first = Option.getOrThrow(yield* processNextUpload(WORKER))
          const second = Option.getOrThrow(yield* processNextUpload(WORKER))
          const firstId = first.status === "failed" ? first.incidentId : "none"
          const secondId = second.status === "failed" ? second.incidentId : "none"
          return {
            firstId,
            secondId,
            incident: yield* incidents.get(firstId),
            tickets: yield* incidents.tickets(firstId),
          }
        }),
      )
      expect(outcome.firstId).not.toBe("none")
      expect(outcome.secondId).toBe(outcome.firstId)
      const incident = Option.getOrThrow(outcome.incident)
      expect(incident.timeline.map((event) => event.kind)).toEqual(["opened", "recurred"])
      expect(outcome.tickets).toHaveLength(1)
    })

    it("tags a failure with the site's own known error (a database row) before the built-in one", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          const knownErrors = yield* KnownErrorsRepo
          yield* knownErrors.create({
            name: "science-export-without-rows",
            pattern: "science-export\\.csv: .*no data rows",
            stage: "standardize_results",
            severity: "high",
            rootCause: "The science department's export filter matched no students.",
            correctiveAction: "Ask the science office to export all classes.",
          })
          yield* submitUpload(request("science-export.csv", "Student ID,Name,Score\n"))
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          return yield* incidents.get(next.status === "failed" ? next.incidentId : "none")
        }),
      )
      expect(Option.getOrThrow(outcome)).toMatchObject({
        knownError: "science-export-without-rows",
        severity: "high",
        correctiveAction: "Ask the science office to export all classes.",
      })
    })

    it("leaves no file, row or work item when the insert fails", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const before = yield* counts
          // uploaded_by must name a user: the foreign key refuses the row
          const exit = yield* Effect.exit(
            submitUpload(request("orphan.csv", GRADEBOOK, { uploadedBy: "no-such-user" })),
          )
          return { before, exit, after: yield* counts }
        }),
      )
      expect(Exit.isFailure(outcome.exit)).toBe(true)
      expect(outcome.after).toEqual(outcome.before)
      expect(existsSync(dirs.uploadsDir)).toBe(true)
      expect(filesUnder(dirs.uploadsDir)).toEqual([])
    })

    it("rolls the row back and deletes the file when enqueueing fails", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          const before = yield* counts
          const exit = yield* Effect.exit(
            submitUpload(request("half.csv", GRADEBOOK)).pipe(
              Effect.provideService(
                WorkQueue,
                WorkQueue.of({
                  ...queue,
                  // the item is written, then the transaction dies
                  enqueue: (input) => Effect.andThen(queue.enqueue(input), Effect.die(new Error("enqueue broke"))),
                }),
              ),
            ),
          )
          return { before, exit, after: yield* counts }
        }),
      )
      expect(Exit.isFailure(outcome.exit)).toBe(true)
      expect(outcome.after).toEqual(outcome.before)
      expect(filesUnder(dirs.uploadsDir)).toEqual([])
    })

    it("refuses an unknown profile before writing anything", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const before = yield* counts
          const exit = yield* Effect.exit(submitUpload(request("odd.csv", GRADEBOOK, { profile: "no-such-profile" })))
          return { before, exit, after: yield* counts }
        }),
      )
      expect(Option.getOrUndefined(Exit.findErrorOption(outcome.exit))).toBeInstanceOf(UploadRejected)
      expect(outcome.after).toEqual(outcome.before)
      expect(filesUnder(dirs.uploadsDir)).toEqual([])
    })

    it("gives an upload up as failed, with an incident, when its last attempt hits an unexpected error", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const upload = yield* submitUpload(request("vanished.csv", GRADEBOOK))
          unlinkSync(originalPath(dirs.uploadsDir, upload))
          const options = { ...WORKER, retryAfterMs: 0, maxAttempts: 2 }
          const first = Option.getOrThrow(yield* processNextUpload(options))
          const second = Option.getOrThrow(yield* processNextUpload(options))
          const incidentId = second.status === "failed" ? second.incidentId : "none"
          return {
            upload,
            first,
            second,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            items: yield* itemsFor(upload.id),
            incident: yield* incidents.get(incidentId),
            third: yield* processNextUpload(options),
          }
        }),
      )
      expect(outcome.first.status).toBe("retry")
      expect(outcome.second).toMatchObject({ uploadId: outcome.upload.id, status: "failed", completed: true })
      expect(outcome.after.status).toBe("failed")
      expect(outcome.items).toEqual([expect.objectContaining({ status: "failed", attempts: 2 })])
      const incident = Option.getOrThrow(outcome.incident)
      expect(incident.stage).toBe("pipeline")
      expect(incident.error).toMatch(
        /^the upload could not be processed: 2 attempts ended without a result \(last: cannot read .*vanished\.csv/,
      )
      expect(outcome.after.incidentId).toBe(incident.id)
      expect(Option.isNone(outcome.third)).toBe(true)
    })

    it("gives an upload up when its runs keep killing workers (claimed again after its lease expired)", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const queue = yield* WorkQueue
          const incidents = yield* IncidentsRepo
          const upload = yield* submitUpload(request("crashes.csv", GRADEBOOK))
          // a worker claims it and dies: its lease runs out
          yield* queue.claim({ worker: "died", kinds: ["process_upload"], leaseMs: 1 })
          yield* Effect.sleep(30)
          const next = Option.getOrThrow(yield* processNextUpload({ ...WORKER, maxAttempts: 1 }))
          const incidentId = next.status === "failed" ? next.incidentId : "none"
          return {
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            incident: Option.getOrThrow(yield* incidents.get(incidentId)),
          }
        }),
      )
      expect(outcome.next.status).toBe("failed")
      expect(outcome.after.status).toBe("failed")
      expect(outcome.after.steps).toEqual([])
      expect(outcome.incident.error).toBe(
        "the upload could not be processed: 1 attempt ended without a result (last: the worker stopped during the run)",
      )
    })

    it("puts the work item back with a delay when processing hits an unexpected error", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const upload = yield* submitUpload(request("lost.csv", GRADEBOOK))
          // the original disappears from the uploads folder
          unlinkSync(originalPath(dirs.uploadsDir, upload))
          const next = yield* processNextUpload({ ...WORKER, retryAfterMs: 600_000 })
          return {
            upload,
            next: Option.getOrThrow(next),
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            items: yield* itemsFor(upload.id),
            again: yield* processNextUpload(WORKER),
          }
        }),
      )
      expect(outcome.next).toMatchObject({ uploadId: outcome.upload.id, status: "retry" })
      expect(outcome.after.status).toBe("processing")
      expect(outcome.items).toEqual([
        expect.objectContaining({
          status: "queued",
          attempts: 1,
          due: false,
          last_error: expect.stringContaining("lost.csv"),
        }),
      ])
      expect(Option.isNone(outcome.again)).toBe(true)
    })
  })
