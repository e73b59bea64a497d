/**
 * What operators do with an upload after it ran: retry a failed one, and approve or reject
 * one the mass-change guard held. Each action checks the upload's status and moves it in the
 * same transaction that queues the next run and writes the timelines, so two people acting at
 * once cannot both succeed, and a refused action writes nothing.
 *
 * Retry: without corrections the run resumes after the last stage whose output was stored
 * before the failure (the stages that finished are reused, their checksums checked); with a
 * corrected profile or plan it runs from the file. The retry is counted on the upload's
 * incident (retry count, last retry, a timeline entry); the run that follows resolves that
 * incident when it publishes, or adds an occurrence to it when it fails again.
 *
 * Approval: only an admin or a moderator decides. Approving queues the run again after the
 * stage that asked (unguarded); rejecting ends the upload as `rejected`, nothing published.
 */
import { Clock, Effect, Option, Schema } from "effect"
import { type Actor, type IncidentChangeRefused, recordRetry } from "../incidents/IncidentWorkflow.js"
import type * as Models from "../models/Models.js"
import type { ApprovalRequest } from "../pipeline/MassChangeGuard.js"
import { CurrentRegistry } from "../plugins/Registry.js"
import {
  type IncidentConflict,
  type IncidentNotFound,
  IncidentsRepo,
  type IncidentTimelineRewritten,
} from "../ports/IncidentsRepo.js"
import type { StoreError } from "../ports/StoreError.js"
import { Transactions } from "../ports/Transactions.js"
import { UploadCheckpoints } from "../ports/UploadCheckpoints.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { WorkQueue } from "../ports/WorkQueue.js"
import { PROCESS_UPLOAD, type ProcessUploadPayload } from "../runtime/WorkItems.js"

type Upload = Models.Upload

/** The action does not apply to the upload as it is (its status, the user's role...); nothing was written. */
export class UploadActionRefused extends Schema.TaggedError<UploadActionRefused>()("UploadActionRefused", {
  uploadId: Schema.String,
  message: Schema.String,
}) {}

/** Who acts, with the role that decides what they may do. */
export interface Operator {
  readonly id: string
  readonly role: Models.Role
}

/** What the operator corrected before retrying; either makes the retry start from the file. */
export interface RetryCorrections {
  readonly profile?: string | undefined
  readonly plan?: { readonly mode: string; readonly config?: unknown } | undefined
}

export interface RetryStarted {
  readonly upload: Upload
  /** the incident the retry was counted on (none when the upload has none, or it is archived) */
  readonly incident: Models.Incident | null
  /** the stage the run resumes after; null: from the file */
  readonly resumeAfter: string | null
  readonly workItemId: string
}

type ActionError =
  | UploadActionRefused
  | IncidentChangeRefused
  | IncidentConflict
  | IncidentNotFound
  | IncidentTimelineRewritten
  | StoreError

const refuse = (uploadId: string, message: string) => Effect.fail(new UploadActionRefused({ uploadId, message }))

const loadUpload = (id: string) =>
  Effect.gen(function* () {
    const uploads = yield* UploadsRepo
    const found = yield* uploads.get(id)
    if (Option.isNone(found)) return yield* refuse(id, `no upload ${id}`)
    return found.value
  })

const checkpointOf = (step: Models.StepLog): boolean => {
  const checkpoint = step.log.checkpoint as { sha256?: unknown } | undefined
  return typeof checkpoint?.sha256 === "string"
}

/**
 * The last stage before the failure whose output was stored (ran or was reused, checkpoint
 * sealed); null when none was (the failure came while the first stage was still reading).
 */
export const resumableAfter = (steps: ReadonlyArray<Models.StepLog>): string | null => {
  let last: string | null = null
  for (const step of steps) {
    if (step.status === "failed" || step.status === "skipped") break
    if (checkpointOf(step)) last = step.name
  }
  return last
}

/** JSON with every object's keys in order: Postgres keeps a stored object's keys in its own order. */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value ?? {}, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  )

const sameJson = (a: unknown, b: unknown) => sortedJson(a) === sortedJson(b)

/**
 * What `corrections` would change of the upload: its profile, its plan (mode or config), both or
 * nothing. A retry that changes something corrects the upload, as `PATCH` does.
 */
export const correctedParts = (upload: Upload, corrections: RetryCorrections): ReadonlyArray<"profile" | "plan"> => {
  const profile = corrections.profile ?? upload.profile
  const mode = corrections.plan?.mode ?? upload.processMode
  const config = corrections.plan === undefined ? upload.processConfig : (corrections.plan.config ?? {})
  const corrected: Array<"profile" | "plan"> = []
  if (profile !== upload.profile) corrected.push("profile")
  if (mode !== upload.processMode || !sameJson(config, upload.processConfig)) corrected.push("plan")
  return corrected
}

/** Retry a failed upload (see the module comment). */
export const retryUpload = (
  uploadId: string,
  actor: Actor,
  corrections: RetryCorrections = {},
): Effect.Effect<RetryStarted, ActionError, UploadsRepo | IncidentsRepo | WorkQueue | CurrentRegistry | Transactions> =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const uploads = yield* UploadsRepo
    const incidents = yield* IncidentsRepo
    const queue = yield* WorkQueue
    const registry = yield* CurrentRegistry

    const upload = yield* loadUpload(uploadId)
    if (upload.status !== "failed") {
      return yield* refuse(
        upload.id,
        `upload ${upload.id} is ${upload.status.replace("_", " ")}; only a failed upload can be retried`,
      )
    }
    const profile = corrections.profile ?? upload.profile
    if (profile !== "auto" && !registry.profiles.has(profile)) {
      return yield* refuse(
        upload.id,
        `unknown profile "${profile}" (known: ${[...registry.profiles.keys(), "auto"].join(", ")})`,
      )
    }
    const mode = corrections.plan?.mode ?? upload.processMode
    if (!registry.plans.has(mode)) {
      return yield* refuse(upload.id, `unknown plan "${mode}" (known: ${[...registry.plans.keys()].join(", ")})`)
    }
    const config = corrections.plan === undefined ? upload.processConfig : (corrections.plan.config ?? {})
    const corrected = correctedParts(upload, corrections)
    const resumeAfter = corrected.length > 0 ? null : resumableAfter(upload.steps)

    return yield* tx.withTransaction(
      Effect.gen(function* () {
        const moved = yield* uploads.moveStatus(upload.id, ["failed"], "queued")
        if (Option.isNone(moved)) {
          return yield* refuse(upload.id, `upload ${upload.id} is no longer failed (someone retried it meanwhile)`)
        }
        if (corrected.length > 0) {
          yield* uploads.setPlan(upload.id, { profile, processMode: mode, processConfig: config })
        }
        const now = new Date(yield* Clock.currentTimeMillis).toISOString()
        let incident: Models.Incident | null = null
        if (upload.incidentId !== null) {
          const found = yield* incidents.get(upload.incidentId)
          if (Option.isSome(found) && found.value.status !== "archived") {
            const counted = yield* recordRetry(found.value, actor, now, {
              uploadId: upload.id,
              resumeAfter,
              ...(corrected.length > 0 ? { corrected } : {}),
            })
            incident = yield* incidents.save(found.value, counted)
          }
        }
        const how =
          corrected.length > 0
            ? `from the file with the corrected ${corrected.join(" and ")}`
            : resumeAfter === null
              ? "from the file"
              : `resuming after ${resumeAfter}`
        yield* uploads.appendEvent(upload.id, {
          actor,
          kind: "retry",
          message: `retry queued: ${how}`,
          data: { resumeAfter, corrected, incidentId: incident?.id ?? null },
        })
        const payload: ProcessUploadPayload = {
          uploadId: upload.id,
          resumeAfter,
          ...(incident === null ? {} : { incidentId: incident.id }),
        }
        const workItemId = yield* queue.enqueue({ kind: PROCESS_UPLOAD, payload })
        const reread = yield* uploads.get(upload.id)
        return { upload: Option.getOrElse(reread, () => moved.value), incident, resumeAfter, workItemId }
      }),
    )
  }).pipe(Effect.withSpan("UploadActions.retry"))

const mayDecide = (operator: Operator) => operator.role === "admin" || operator.role === "moderator"

/** The held run's request, as the worker stored it. */
export const heldRequest = (upload: Upload): ApprovalRequest | null => {
  const request = (upload.approval as { request?: ApprovalRequest } | null)?.request
  return request ?? null
}

const decide = (uploadId: string, operator: Operator, approve: boolean, note: string | undefined) =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const uploads = yield* UploadsRepo
    const queue = yield* WorkQueue
    const verb = approve ? "approve" : "reject"
    if (!mayDecide(operator)) {
      return yield* refuse(uploadId, `only an admin or a moderator can ${verb} a held upload`)
    }
    const upload = yield* loadUpload(uploadId)
    const request = heldRequest(upload)
    if (upload.status !== "awaiting_approval" || request === null) {
      return yield* refuse(
        upload.id,
        `upload ${upload.id} is ${upload.status.replace("_", " ")}; only an upload awaiting approval can be ${approve ? "approved" : "rejected"}`,
      )
    }
    const text = note?.trim() ? note.trim() : undefined
    const now = new Date(yield* Clock.currentTimeMillis).toISOString()
    const saved = yield* tx.withTransaction(
      Effect.gen(function* () {
        const moved = yield* uploads.moveStatus(upload.id, ["awaiting_approval"], approve ? "queued" : "rejected")
        if (Option.isNone(moved)) {
          return yield* refuse(upload.id, `upload ${upload.id} was decided meanwhile by someone else`)
        }
        const held = upload.approval as Record<string, unknown>
        yield* uploads.setApproval(upload.id, {
          ...held,
          decision: { approved: approve, by: operator.id, at: now, ...(text ? { note: text } : {}) },
        })
        yield* uploads.appendEvent(upload.id, {
          actor: operator.id,
          kind: approve ? "approved" : "rejected",
          message: `${approve ? "approved" : "rejected"}: ${request.message}${text ? `; ${text}` : ""}`,
          data: {
            stage: request.stage,
            deleted: request.deleted,
            appended: request.appended,
            ...(text ? { note: text } : {}),
          },
        })
        if (approve) {
          const incidentId = (held as { incidentId?: string }).incidentId
          const payload: ProcessUploadPayload = {
            uploadId: upload.id,
            resumeAfter: request.stage,
            approved: true,
            ...(incidentId === undefined ? {} : { incidentId }),
          }
          yield* queue.enqueue({ kind: PROCESS_UPLOAD, payload })
        }
        return yield* loadUpload(upload.id)
      }),
    )
    // a rejected run never resumes: its stored stage outputs go
    if (!approve) yield* (yield* UploadCheckpoints).discard(upload.id)
    return saved
  })

/** Approve the change a held upload would publish: the run goes on after the stage that asked. */
export const approveUpload = (
  uploadId: string,
  operator: Operator,
  note?: string,
): Effect.Effect<
  Upload,
  UploadActionRefused | StoreError,
  UploadsRepo | WorkQueue | UploadCheckpoints | Transactions
> => decide(uploadId, operator, true, note).pipe(Effect.withSpan("UploadActions.approve"))

/** Reject the change a held upload would publish: the upload ends `rejected`, nothing published. */
export const rejectUpload = (
  uploadId: string,
  operator: Operator,
  note?: string,
): Effect.Effect<
  Upload,
  UploadActionRefused | StoreError,
  UploadsRepo | WorkQueue | UploadCheckpoints | Transactions
> => decide(uploadId, operator, false, note).pipe(Effect.withSpan("UploadActions.reject"))
