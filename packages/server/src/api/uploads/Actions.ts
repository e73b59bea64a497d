/**
 * What people do with an upload after it ran: retry a failed one (every role; a retry that
 * corrects the profile or plan is a correction like `PATCH`, for admins and moderators),
 * approve or reject one the mass-change guard held (admins and moderators). A retry runs under
 * the mass-change guard like any run. The rules are core's UploadActions.ts; a refusal is a 409
 * with its message.
 */
import { approveUpload, correctedParts, type RetryCorrections, rejectUpload, retryUpload } from "@batchops/core"
import { Effect, Schema } from "effect"
import { type Access, ApiError, accessAllows, conflict, defineRoute, forbidden, type RequestContext } from "../Api.js"
import { UploadJson, uploadJson } from "./UploadJson.js"
import { checkPlan, loadUpload, UploadParams } from "./Uploads.js"

const TAG = "Uploads"

/** A refused action (its status, a race, an incident that cannot take the retry) as a 409. */
const refusals = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (error): error is E & { readonly _tag: string; readonly message: string } =>
      typeof error === "object" &&
      error !== null &&
      "_tag" in error &&
      [
        "UploadActionRefused",
        "IncidentChangeRefused",
        "IncidentConflict",
        "IncidentNotFound",
        "IncidentTimelineRewritten",
      ].includes((error as { _tag: string })._tag),
    (error) => Effect.fail(conflict(error.message)),
  )

/**
 * Who may retry an upload with another profile or plan (a correction, like editing its plan);
 * anyone who may retry it retries it as it is.
 */
export const CORRECTED_RETRY_ACCESS: Access = "manager"

const RetryBody = Schema.UndefinedOr(
  Schema.Struct({
    profile: Schema.optional(Schema.String),
    process_mode: Schema.optional(Schema.String),
    process_config: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
  }),
)

const retry = defineRoute({
  method: "POST",
  path: "/api/uploads/:id/retry/",
  summary:
    "Retry a failed upload: from its last stored stage, or from the file with a corrected profile or plan (admins and moderators)",
  tag: TAG,
  access: "user",
  params: UploadParams,
  body: RetryBody,
  response: Schema.Struct({
    upload: UploadJson,
    resume_after: Schema.NullOr(Schema.String),
    incident_id: Schema.NullOr(Schema.String),
  }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const upload = yield* loadUpload(ctx.params.id)
      ctx.audit.recordType = "upload"
      ctx.audit.recordId = upload.id
      const body = ctx.body ?? {}
      const corrections: { profile?: string; plan?: { mode: string; config?: unknown } } = {}
      if (body.profile !== undefined) corrections.profile = body.profile.trim()
      if (body.process_mode !== undefined || body.process_config !== undefined) {
        corrections.plan = {
          mode: body.process_mode?.trim() || upload.processMode,
          config: body.process_config ?? (body.process_mode === undefined ? upload.processConfig : {}),
        }
      }
      const corrected = correctedParts(upload, corrections as RetryCorrections)
      if (corrected.length > 0 && !accessAllows(CORRECTED_RETRY_ACCESS, ctx.user?.role ?? null)) {
        return yield* forbidden(
          `changing an upload's ${corrected.join(" and ")} is for admins and moderators: retry it as it is, or ask one of them`,
        )
      }
      yield* checkPlan(corrections.profile ?? upload.profile, corrections.plan?.mode ?? upload.processMode)
      const started = yield* refusals(retryUpload(upload.id, ctx.user?.id ?? null, corrections as RetryCorrections))
      ctx.audit.detail =
        started.resumeAfter === null ? "retry from the file" : `retry resuming after ${started.resumeAfter}`
      return {
        json: {
          upload: uploadJson(started.upload),
          resume_after: started.resumeAfter,
          incident_id: started.incident?.id ?? null,
        },
      }
    }),
})

const DecisionBody = Schema.UndefinedOr(Schema.Struct({ note: Schema.optional(Schema.String) }))

const decision = (approve: boolean) =>
  defineRoute({
    method: "POST",
    path: `/api/uploads/:id/${approve ? "approve" : "reject"}/`,
    summary: approve
      ? "Approve the change a held upload would publish: the run goes on"
      : "Reject the change a held upload would publish: the upload ends rejected",
    tag: TAG,
    access: "manager",
    params: UploadParams,
    body: DecisionBody,
    response: UploadJson,
    handler: (ctx: RequestContext<{ id: string }, Record<string, never>, { note?: string } | undefined>) =>
      Effect.gen(function* () {
        const user = ctx.user
        if (user === null) return yield* forbidden()
        const upload = yield* loadUpload(ctx.params.id)
        ctx.audit.recordType = "upload"
        ctx.audit.recordId = upload.id
        const note = ctx.body?.note
        if (note !== undefined && note.length > 2000) {
          return yield* new ApiError({
            status: 400,
            code: "invalid_request",
            message: "the note is longer than 2000 characters",
            fields: [{ path: "note", message: "at most 2000 characters" }],
          })
        }
        const operator = { id: user.id, role: user.role }
        const decided = yield* refusals(
          approve ? approveUpload(upload.id, operator, note) : rejectUpload(upload.id, operator, note),
        )
        ctx.audit.detail = approve ? "approved" : "rejected"
        return { json: uploadJson(decided) }
      }),
  })

export const actionRoutes = [retry, decision(true), decision(false)]
