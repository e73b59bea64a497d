/**
 * Retry and approval of uploads, on every database backend: a failed upload retried resumes
 * after its last stored stage (or runs from the file after a correction) and settles its
 * incident; a large change waits for an admin or moderator.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type ApprovalRequest,
  approveUpload,
  type CurrentRegistry,
  IncidentsRepo,
  type KnownErrorsRepo,
  type OriginalFiles,
  processNextUpload,
  rejectUpload,
  retryUpload,
  type SubmitUpload,
  submitUpload,
  type Transactions,
  type UploadCheckpoints,
  type UploadRunner,
  UploadsRepo,
  type WorkQueue,
} from "@batchops/core"
import { checkpointDir, type UploadSettings } from "@batchops/runner-node"
import { migrate } from "@batchops/store-sql"
import { Effect, Exit, type Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { uploadLifecycleLayer } from "../src/Layers.js"

export interface ActionsTarget {
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
  | UploadCheckpoints
  | SqlClient.SqlClient
  | Transactions
  | UploadRunner

const GRADEBOOK = "Student ID,Name,Score\nS001,Ada Lovelace,91\nS002,Alan Turing,78\nS003,Grace Hopper,85\n"
const WORKER = { worker: "test-worker", leaseMs: 60_000 }

const request = (fileName: string, extra: Partial<SubmitUpload> = {}): SubmitUpload => ({
  fileName,
  bytes: new TextEncoder().encode(GRADEBOOK),
  profile: "gradebook",
  processMode: "transform",
  processConfig: {},
  ...extra,
})

/** the mails queued for an incident, by event */
const mailsFor = (incidentId: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ event: string }>`SELECT payload->>'event' AS event FROM work_queue
      WHERE kind = 'notify_incident' AND payload->>'incidentId' = ${incidentId} ORDER BY id`
    return rows.map((row) => row.event)
  })

const refusal = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) throw new Error("expected the action to be refused")
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  return error && "error" in error
    ? `${(error.error as { _tag: string })._tag}: ${(error.error as Error).message}`
    : "?"
}

export const uploadActionsContract = (name: string, target: () => ActionsTarget) =>
  describe(`retry and approval: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-actions-"))
    let folders = 0
    const directories = () => {
      const dir = join(root, `t${++folders}`)
      return { uploadsDir: join(dir, "uploads"), exportDir: join(dir, "exports") }
    }
    const run = <A, E>(dirs: ReturnType<typeof directories>, effect: Effect.Effect<A, E, Services>) =>
      Effect.runPromise(Effect.provide(effect, uploadLifecycleLayer(target().open(), dirs)))

    beforeAll(() => Effect.runPromise(Effect.provide(migrate(), target().open())))
    afterAll(() => rmSync(root, { recursive: true, force: true }))

    /** A directory where the summary CSV goes: publishing it fails when the file is renamed into place. */
    const blockReports = (dirs: ReturnType<typeof directories>, uploadId: string, file: string) => {
      const blocker = join(dirs.exportDir, uploadId, file)
      mkdirSync(blocker, { recursive: true })
      return () => rmSync(blocker, { recursive: true })
    }

    it("resumes a retry after the last stored stage, reusing it, and resolves the incident", async () => {
      const dirs = directories()
      const { upload, failed } = await run(
        dirs,
        Effect.gen(function* () {
          const upload = yield* submitUpload(request("Term 2.csv"))
          blockReports(dirs, upload.id, "Term 2.summary.csv")
          const failed = Option.getOrThrow(yield* processNextUpload(WORKER))
          return { upload, failed }
        }),
      )
      expect(failed.status).toBe("failed")
      const incidentId = failed.status === "failed" ? failed.incidentId : ""

      const first = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          return Option.getOrThrow(yield* uploads.get(upload.id))
        }),
      )
      expect(first.incidentId).toBe(incidentId)
      expect(first.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok", "failed"])
      const sealed = first.steps.slice(0, 4).map((s) => s.log.checkpoint as { sha256: string; rows: number })
      expect(sealed.every((c) => /^[0-9a-f]{64}$/.test(c.sha256))).toBe(true)
      expect(sealed[0]!.rows).toBe(3)
      expect(existsSync(checkpointDir(dirs.uploadsDir, upload.id))).toBe(true)

      rmSync(join(dirs.exportDir, upload.id, "Term 2.summary.csv"), { recursive: true })
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const retry = yield* retryUpload(upload.id, "operator-1")
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          return {
            retry,
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            events: yield* uploads.events(upload.id),
            incident: Option.getOrThrow(yield* incidents.get(incidentId)),
            tickets: yield* incidents.tickets(incidentId),
            mails: yield* mailsFor(incidentId),
          }
        }),
      )
      expect(outcome.retry.resumeAfter).toBe("generate_summary")
      expect(outcome.retry.upload.status).toBe("queued")
      expect(outcome.retry.incident).toMatchObject({ retryCount: 1 })
      expect(outcome.next).toMatchObject({ uploadId: upload.id, status: "published" })

      const after = outcome.after
      expect(after.status).toBe("published")
      expect(after.steps.map((s) => s.status)).toEqual(["reused", "reused", "reused", "reused", "ok"])
      // shown as reused, with the checksums they were stored with
      expect(after.steps.slice(0, 4).map((s) => (s.log.checkpoint as { sha256: string }).sha256)).toEqual(
        sealed.map((c) => c.sha256),
      )
      expect(after.reportCsvPath).toBe(join(dirs.exportDir, upload.id, "Term 2.summary.csv"))
      expect(existsSync(after.reportCsvPath!)).toBe(true)
      expect(existsSync(checkpointDir(dirs.uploadsDir, upload.id))).toBe(false)

      const incident = outcome.incident
      expect(incident).toMatchObject({ status: "resolved", retryCount: 1 })
      expect(incident.lastRetryAt).not.toBeNull()
      expect(incident.timeline.map((e) => e.kind)).toEqual(["opened", "retry", "resolved_by_retry"])
      expect(incident.timeline[1]).toMatchObject({
        actor: "operator-1",
        message: `retry 1 of upload ${upload.id} started: resuming after generate_summary`,
      })
      expect(incident.timeline[2]).toMatchObject({ actor: null, message: "resolved: retry 1 succeeded" })
      expect(outcome.tickets.map((t) => t.status)).toEqual(["closed"])
      expect(outcome.events.map((e) => [e.kind, e.message])).toEqual([
        ["retry", "retry queued: resuming after generate_summary"],
      ])
      // one mail per event: opened, then resolved
      expect(outcome.mails).toEqual(["opened", "resolved"])
    })

    it("runs a retry from the file when the stored output changed since it was sealed", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const upload = yield* submitUpload(request("Tampered.csv"))
          const unblock = blockReports(dirs, upload.id, "Tampered.summary.csv")
          yield* processNextUpload(WORKER)
          unblock()
          appendFileSync(join(checkpointDir(dirs.uploadsDir, upload.id), "3-generate_summary.jsonl"), '[9,"S9"]\n')
          const retry = yield* retryUpload(upload.id, "operator-1")
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          return {
            retry,
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            events: yield* uploads.events(upload.id),
          }
        }),
      )
      expect(outcome.retry.resumeAfter).toBe("generate_summary")
      expect(outcome.next.status).toBe("published")
      expect(outcome.after.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok", "ok"])
      expect(outcome.after.rows).toBe(3)
      expect(outcome.events.map((e) => e.kind)).toEqual(["retry", "resume_refused"])
      expect(outcome.events[1]!.message).toMatch(
        /^cannot resume after generate_summary; running from the file: cannot reuse the stored output of stage "generate_summary": the file changed since it was stored/,
      )
    })

    it("adds a failed retry to the same incident as an occurrence", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          const upload = yield* submitUpload(request("Autumn.csv"))
          blockReports(dirs, upload.id, "Autumn.summary.csv")
          const first = Option.getOrThrow(yield* processNextUpload(WORKER))
          yield* retryUpload(upload.id, "operator-1")
          const second = Option.getOrThrow(yield* processNextUpload(WORKER))
          const sql = yield* SqlClient.SqlClient
          const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents
            WHERE upload_id = ${upload.id}`
          const id = first.status === "failed" ? first.incidentId : ""
          return {
            first,
            second,
            incident: Option.getOrThrow(yield* incidents.get(id)),
            tickets: yield* incidents.tickets(id),
            incidents: count!.n,
            mails: yield* mailsFor(id),
          }
        }),
      )
      expect(outcome.second.status).toBe("failed")
      expect(outcome.second.status === "failed" && outcome.second.incidentId).toBe(
        outcome.first.status === "failed" && outcome.first.incidentId,
      )
      expect(outcome.incidents).toBe(1)
      expect(outcome.incident).toMatchObject({ status: "open", retryCount: 1 })
      expect(outcome.incident.timeline.map((e) => e.kind)).toEqual(["opened", "retry", "recurred"])
      expect(outcome.tickets).toHaveLength(1)
      // an occurrence of an open incident is not news
      expect(outcome.mails).toEqual(["opened"])
    })

    it("runs a retry from the file when the operator corrected the plan", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const upload = yield* submitUpload(
            request("Winter.csv", {
              processMode: "delete",
              processConfig: { rules: [{ column: "house", value: "x" }] },
            }),
          )
          const failed = Option.getOrThrow(yield* processNextUpload(WORKER))
          const retry = yield* retryUpload(upload.id, "operator-2", { plan: { mode: "transform" } })
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          const id = failed.status === "failed" ? failed.incidentId : ""
          return {
            failed,
            retry,
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            incident: Option.getOrThrow(yield* incidents.get(id)),
          }
        }),
      )
      expect(outcome.failed.status).toBe("failed")
      expect(outcome.incident.stage).toBe("transform_gradebook")
      expect(outcome.retry.resumeAfter).toBeNull()
      expect(outcome.next.status).toBe("published")
      expect(outcome.after).toMatchObject({ status: "published", processMode: "transform", processConfig: {} })
      expect(outcome.after.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "ok", "ok"])
      expect(outcome.incident.status).toBe("resolved")
      expect(outcome.incident.timeline[1]).toMatchObject({
        kind: "retry",
        message: `retry 1 of upload ${outcome.after.id} started: from the start with the corrected plan`,
      })
    })

    it("refuses to retry an upload that did not fail, or with an unknown profile", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const upload = yield* submitUpload(request("fine.csv"))
          const queued = yield* Effect.exit(retryUpload(upload.id, "operator-1"))
          yield* processNextUpload(WORKER)
          const published = yield* Effect.exit(retryUpload(upload.id, "operator-1"))
          const missing = yield* Effect.exit(retryUpload("no-such-upload", "operator-1"))
          return { queued, published, missing }
        }),
      )
      expect(refusal(outcome.queued)).toMatch(
        /^UploadActionRefused: upload .* is queued; only a failed upload can be retried$/,
      )
      expect(refusal(outcome.published)).toMatch(/is published; only a failed upload can be retried$/)
      expect(refusal(outcome.missing)).toBe("UploadActionRefused: no upload no-such-upload")

      const failedUpload = await run(
        dirs,
        Effect.gen(function* () {
          const upload = yield* submitUpload(request("empty.csv", { bytes: new Uint8Array() }))
          yield* processNextUpload(WORKER)
          return yield* Effect.exit(retryUpload(upload.id, "operator-1", { profile: "timetable" }))
        }),
      )
      expect(refusal(failedUpload)).toContain('unknown profile "timetable"')
    })

    const deleteScore = { processMode: "delete", processConfig: { rules: [{ column: "score", value: 78 }] } }

    it("holds a large delete for approval, and publishes it once a moderator approves", async () => {
      const dirs = directories()
      const held = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const upload = yield* submitUpload(request("Spring.csv", deleteScore))
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          const sql = yield* SqlClient.SqlClient
          const [incidents] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents
            WHERE upload_id = ${upload.id}`
          return {
            upload,
            next,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            events: yield* uploads.events(upload.id),
            csv: yield* uploads.getReport(upload.id, "csv"),
            incidents: incidents!.n,
          }
        }),
      )
      expect(held.next).toMatchObject({ status: "awaiting_approval", completed: true })
      expect(held.after.status).toBe("awaiting_approval")
      const approval = held.after.approval as { request: ApprovalRequest }
      expect(approval.request).toMatchObject({
        stage: "transform_gradebook",
        plan: "delete",
        inputRows: 3,
        deleted: 1,
        appended: 0,
        maxShare: 0.2,
        message: "the delete plan would remove 1 of 3 rows (33.3%), more than the 20% allowed without approval",
      })
      expect(approval.request.preview).toEqual([{ change: "deleted", number: 3, cells: ["S002", "Alan Turing", 78] }])
      expect(held.after.steps.map((s) => s.status)).toEqual(["ok", "ok", "ok", "skipped", "skipped"])
      expect(held.events.map((e) => e.kind)).toEqual(["held"])
      expect(Option.isNone(held.csv)).toBe(true)
      expect(held.incidents).toBe(0)

      const decided = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const byUser = yield* Effect.exit(approveUpload(held.upload.id, { id: "student-1", role: "user" }))
          const approved = yield* approveUpload(held.upload.id, { id: "mod-1", role: "moderator" }, "class 9B left")
          const twice = yield* Effect.exit(approveUpload(held.upload.id, { id: "admin-1", role: "admin" }))
          const next = Option.getOrThrow(yield* processNextUpload(WORKER))
          return {
            byUser,
            approved,
            twice,
            next,
            after: Option.getOrThrow(yield* uploads.get(held.upload.id)),
            events: yield* uploads.events(held.upload.id),
          }
        }),
      )
      expect(refusal(decided.byUser)).toBe(
        "UploadActionRefused: only an admin or a moderator can approve a held upload",
      )
      expect(decided.approved.status).toBe("queued")
      expect(refusal(decided.twice)).toMatch(/is queued; only an upload awaiting approval can be approved$/)
      expect(decided.next.status).toBe("published")
      expect(decided.after).toMatchObject({ status: "published", rows: 2 })
      expect(decided.after.steps.map((s) => s.status)).toEqual(["reused", "reused", "reused", "ok", "ok"])
      expect((decided.after.approval as { decision: unknown }).decision).toMatchObject({
        approved: true,
        by: "mod-1",
        note: "class 9B left",
      })
      expect(decided.events.map((e) => [e.kind, e.actor])).toEqual([
        ["held", null],
        ["approved", "mod-1"],
      ])
      expect(decided.events[1]!.message).toContain("class 9B left")
    })

    it("ends a rejected change as rejected, with nothing published", async () => {
      const dirs = directories()
      const outcome = await run(
        dirs,
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const upload = yield* submitUpload(request("Summer.csv", deleteScore))
          yield* processNextUpload(WORKER)
          const stored = existsSync(checkpointDir(dirs.uploadsDir, upload.id))
          const rejected = yield* rejectUpload(upload.id, { id: "admin-1", role: "admin" }, "wrong rule")
          const again = yield* Effect.exit(rejectUpload(upload.id, { id: "admin-1", role: "admin" }))
          const next = yield* processNextUpload(WORKER)
          return {
            stored,
            rejected,
            again,
            next,
            events: yield* uploads.events(upload.id),
            csv: yield* uploads.getReport(upload.id, "csv"),
            left: existsSync(checkpointDir(dirs.uploadsDir, upload.id)),
          }
        }),
      )
      expect(outcome.stored).toBe(true)
      expect(outcome.rejected.status).toBe("rejected")
      expect(refusal(outcome.again)).toMatch(/is rejected; only an upload awaiting approval can be rejected$/)
      expect(Option.isNone(outcome.next)).toBe(true)
      expect(outcome.events.map((e) => [e.kind, e.actor])).toEqual([
        ["held", null],
        ["rejected", "admin-1"],
      ])
      expect(Option.isNone(outcome.csv)).toBe(true)
      expect(outcome.left).toBe(false)
    })
  })
