/**
 * Uploads as records over HTTP: the list (filtered, newest first), taking a file in, one
 * upload, its plan corrected before it runs again, its deletion with its files, and its
 * timeline. The rules (intake, correction, deletion) are core's (`uploads/Intake.ts`,
 * `uploads/UploadRecords.ts`); a refusal answers with its status and core's message.
 */
import {
  checkUploadPlan,
  correctUploadPlan,
  deleteUpload,
  Models,
  submitUpload,
  type UploadActionRefused,
  type UploadRejected,
  UploadsRepo,
} from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import {
  actorOf,
  badRequest,
  conflict,
  defineRoute,
  notFound,
  PageOf,
  PageQuery,
  pageBounds,
  paginated,
} from "../Api.js"
import { formFile, parseForm, readUpload, sniffFormat, uploadName } from "./Intake.js"
import { UploadLimits } from "./Limits.js"
import { UploadEventJson, UploadJson, uploadEventJson, uploadJson } from "./UploadJson.js"

const TAG = "Uploads"

export const UploadParams = Schema.Struct({ id: Schema.String })

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

const IsoDate = Schema.String.check(
  Schema.makeFilter((text: string) =>
    ISO_DATE.test(text) && !Number.isNaN(Date.parse(text))
      ? undefined
      : "must be an ISO 8601 date or date-time, e.g. 2026-09-01 or 2026-09-01T08:00:00Z",
  ),
)

/** The instant a date names; a bare date as an upper bound means the end of that day (UTC). */
const instant = (text: string, endOfDay: boolean): string =>
  endOfDay && DATE_ONLY.test(text)
    ? new Date(Date.parse(text) + 86_400_000 - 1).toISOString()
    : new Date(Date.parse(text)).toISOString()

/** The upload, or a 404 naming it. */
export const loadUpload = (id: string) =>
  Effect.gen(function* () {
    const uploads = yield* UploadsRepo
    const found = yield* uploads.get(id)
    if (Option.isNone(found)) return yield* notFound(`no upload ${id}`)
    return found.value
  })

/** A refusal of core's intake rules as a 400, naming the field at fault. */
export const answerRejected = (error: UploadRejected) =>
  Effect.fail(
    badRequest(
      error.message,
      error.field === undefined ? undefined : [{ path: error.field, message: error.problem ?? error.message }],
    ),
  )

/** A profile and plan the registry knows (core's `checkUploadPlan`), or a 400 naming the field that is not. */
export const checkPlan = (profile: string, processMode: string) =>
  checkUploadPlan(profile, processMode).pipe(Effect.catchTag("UploadRejected", answerRejected))

/** A refused change (the upload's status, a run that started meanwhile) as a 409 with core's message. */
const answerRefused = (error: UploadActionRefused) => Effect.fail(conflict(error.message))

const ListQuery = Schema.Struct({
  ...PageQuery.fields,
  status: Schema.optional(Models.UploadStatus),
  created_after: Schema.optional(IsoDate),
  created_before: Schema.optional(IsoDate),
  profile: Schema.optional(Schema.String),
  process_mode: Schema.optional(Schema.String),
  /** a user id */
  uploaded_by: Schema.optional(Schema.String),
})

const list = defineRoute({
  method: "GET",
  path: "/api/uploads/",
  summary: "List uploads, newest first (filters: status, created_after/before, profile, process_mode, uploaded_by)",
  tag: TAG,
  access: "user",
  query: ListQuery,
  response: PageOf(UploadJson),
  handler: (ctx) =>
    Effect.gen(function* () {
      const uploads = yield* UploadsRepo
      const bounds = pageBounds(ctx.query)
      const { query } = ctx
      const page = yield* uploads.list({
        status: query.status,
        createdAfter: query.created_after === undefined ? undefined : instant(query.created_after, false),
        createdBefore: query.created_before === undefined ? undefined : instant(query.created_before, true),
        profile: query.profile,
        processMode: query.process_mode,
        uploadedBy: query.uploaded_by,
        limit: bounds.limit,
        offset: bounds.offset,
      })
      return { json: paginated(ctx.request, bounds, page.count, page.uploads.map(uploadJson)) }
    }),
})

/** The longest department name an upload takes. */
export const MAX_DEPARTMENT = 100

const FORM_FIELDS = new Set(["file", "process_mode", "process_config", "profile", "department"])

/** A text field of the form (absent or blank: the default). */
const textField = (form: FormData, name: string, fallback: string) =>
  Effect.gen(function* () {
    const value = form.get(name)
    if (value === null) return fallback
    if (typeof value !== "string") {
      return yield* badRequest(`\`${name}\` must be a text field, not a file`, [
        { path: name, message: "must be text" },
      ])
    }
    return value.trim() === "" ? fallback : value.trim()
  })

/** `process_config`: a JSON object given as text. */
const configField = (text: string) =>
  Effect.gen(function* () {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (cause) {
      return yield* badRequest(`process_config is not valid JSON: ${(cause as Error).message}`, [
        { path: "process_config", message: "must be a JSON object" },
      ])
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return yield* badRequest("process_config must be a JSON object, e.g. {}", [
        { path: "process_config", message: "must be a JSON object" },
      ])
    }
    return value as Record<string, unknown>
  })

/**
 * The file is counted while it streams in (the limit), read for what it is (CSV/TSV text,
 * XLSX, PDF), then stored with its queued work item (`submitUpload`): the worker runs it.
 */
const create = defineRoute({
  method: "POST",
  path: "/api/uploads/",
  summary:
    "Upload a file (multipart: file, process_mode = transform, process_config = {} as JSON, profile = gradebook or auto, department: its remembered column mappings apply)",
  tag: TAG,
  access: "user",
  body: "multipart",
  response: UploadJson,
  status: 201,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { maxBytes } = yield* UploadLimits
      const body = yield* readUpload(ctx.request, maxBytes)
      const form = yield* parseForm(ctx.request, body)
      const unknown = [...new Set(form.keys())].filter((name) => !FORM_FIELDS.has(name))
      if (unknown.length > 0) {
        return yield* badRequest(
          `unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `\`${n}\``).join(", ")}: send file, process_mode, process_config, profile and department`,
          unknown.map((path) => ({ path, message: "is not a field of an upload" })),
        )
      }
      const file = yield* formFile(form, maxBytes)
      const processMode = yield* textField(form, "process_mode", "transform")
      const profile = yield* textField(form, "profile", "gradebook")
      const processConfig = yield* configField(yield* textField(form, "process_config", "{}"))
      // the department it comes from: its remembered column mappings apply (optional)
      const department = yield* textField(form, "department", "")
      if (department.length > MAX_DEPARTMENT) {
        return yield* badRequest(`department must be at most ${MAX_DEPARTMENT} characters`, [
          { path: "department", message: `at most ${MAX_DEPARTMENT} characters` },
        ])
      }
      yield* checkPlan(profile, processMode)
      const format = yield* sniffFormat(file.bytes)
      const upload = yield* submitUpload({
        fileName: uploadName(file.name),
        bytes: file.bytes,
        profile,
        processMode,
        processConfig,
        uploadedBy: ctx.user?.id ?? null,
        department: department === "" ? null : department,
      }).pipe(
        Effect.catchTags({
          UploadRejected: answerRejected,
          // the uploads folder failing is the server's trouble: logged and answered as a 500
          UploadFileError: (error) => Effect.die(error),
        }),
      )
      ctx.audit.recordType = "upload"
      ctx.audit.recordId = upload.id
      ctx.audit.detail = `uploaded (${format}, ${upload.size} bytes)`
      return { status: 201, json: uploadJson(upload) }
    }),
})

const detail = defineRoute({
  method: "GET",
  path: "/api/uploads/:id/",
  summary: "One upload with its stages, approval and report links",
  tag: TAG,
  access: "user",
  params: UploadParams,
  response: UploadJson,
  handler: (ctx) => Effect.map(loadUpload(ctx.params.id), (upload) => ({ json: uploadJson(upload) })),
})

const PatchBody = Schema.Struct({
  profile: Schema.optional(Schema.String),
  process_mode: Schema.optional(Schema.String),
  process_config: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
})

/**
 * A corrected profile or plan, while the upload is queued or failed. A failed upload's next
 * run then starts from the file (its stored stage outputs were made with the old plan).
 */
const patch = defineRoute({
  method: "PATCH",
  path: "/api/uploads/:id/",
  summary: "Correct an upload's profile or plan (process_mode, process_config) while it is queued or failed",
  tag: TAG,
  access: "manager",
  params: UploadParams,
  body: PatchBody,
  response: UploadJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const upload = yield* loadUpload(ctx.params.id)
      ctx.audit.recordType = "upload"
      ctx.audit.recordId = upload.id
      const correction = {
        profile: ctx.body.profile,
        processMode: ctx.body.process_mode,
        processConfig: ctx.body.process_config,
      }
      const { upload: saved, changed } = yield* correctUploadPlan(upload, correction, actorOf(ctx)).pipe(
        Effect.catchTags({ UploadRejected: answerRejected, UploadActionRefused: answerRefused }),
      )
      if (changed.length === 0) return { json: uploadJson(saved) }
      ctx.audit.detail = `corrected ${changed.join(", ")}`
      return { json: uploadJson(saved) }
    }),
})

/**
 * The row, its timeline and its queued work item go in one statement set; then its original,
 * its stored stage outputs and its report files. Refused while a worker runs it.
 */
const remove = defineRoute({
  method: "DELETE",
  path: "/api/uploads/:id/",
  summary:
    "Delete an upload with its work item, original file, stored stage outputs and reports (not while processing)",
  tag: TAG,
  access: "manager",
  params: UploadParams,
  status: 204,
  handler: (ctx) =>
    Effect.gen(function* () {
      const upload = yield* loadUpload(ctx.params.id)
      ctx.audit.recordType = "upload"
      ctx.audit.recordId = upload.id
      const deleted = yield* deleteUpload(upload).pipe(Effect.catchTag("UploadActionRefused", answerRefused))
      if (!deleted) return yield* notFound(`no upload ${upload.id}`)
      ctx.audit.detail = "deleted"
      return new Response(null, { status: 204 })
    }),
})

const timeline = defineRoute({
  method: "GET",
  path: "/api/uploads/:id/timeline/",
  summary: "An upload's timeline (held, approved, rejected, retried, corrected), oldest first",
  tag: TAG,
  access: "user",
  params: UploadParams,
  response: Schema.Struct({ upload_id: Schema.String, events: Schema.Array(UploadEventJson) }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const uploads = yield* UploadsRepo
      const upload = yield* loadUpload(ctx.params.id)
      const events = yield* uploads.events(upload.id)
      return { json: { upload_id: upload.id, events: events.map(uploadEventJson) } }
    }),
})

export const uploadRoutes = [list, create, detail, patch, remove, timeline]
