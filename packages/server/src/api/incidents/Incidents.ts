/**
 * Incidents as records: the list (filtered, newest first), one incident with its tickets and
 * group, opening one by hand, writing its fields, and deleting it. Every change goes through
 * core's incident service, so the workflow's rules and timeline hold here as they do in the CLI.
 */
import { IncidentsRepo, openIncidentByHand, updateIncidentFields } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { actorOf, badRequest, defineRoute, notFound, PageOf, PageQuery, pageBounds, paginated } from "../Api.js"
import { answerRefusals } from "./Errors.js"
import {
  changeOptions,
  ExpectedUpdatedAt,
  IncidentStatus,
  IsoDateTime,
  instant,
  MAX_TEXT,
  NonBlank,
  OptionalText,
  Severity,
} from "./Fields.js"
import { IncidentDetailJson, IncidentJson, incidentDetailJson, incidentJson } from "./Json.js"

const TAG = "Incidents"

export const IncidentParams = Schema.Struct({ id: Schema.String })

/** The incident with its tickets and its group, or a 404. */
export const loadDetail = (id: string) =>
  Effect.gen(function* () {
    const incidents = yield* IncidentsRepo
    const found = yield* incidents.get(id)
    if (Option.isNone(found)) return yield* notFound(`no incident ${id}`)
    const tickets = yield* incidents.tickets(id)
    const group = yield* incidents.groupOf(id)
    return incidentDetailJson(found.value, tickets, Option.getOrNull(group))
  })

const ListQuery = Schema.Struct({
  ...PageQuery.fields,
  status: Schema.optional(IncidentStatus),
  severity: Schema.optional(Severity),
  stage: Schema.optional(Schema.String),
  created_after: Schema.optional(IsoDateTime),
  created_before: Schema.optional(IsoDateTime),
  /** a user id, or `none` for the unassigned incidents */
  assignee: Schema.optional(Schema.String),
  known_error: Schema.optional(Schema.String),
})

const list = defineRoute({
  method: "GET",
  path: "/api/incidents/",
  summary:
    "List incidents, newest first (filters: status, severity, stage, created_after/before, assignee, known_error)",
  tag: TAG,
  access: "user",
  query: ListQuery,
  response: PageOf(IncidentJson),
  handler: (ctx) =>
    Effect.gen(function* () {
      const incidents = yield* IncidentsRepo
      const bounds = pageBounds(ctx.query)
      const { query } = ctx
      const page = yield* incidents.list({
        status: query.status,
        severity: query.severity,
        stage: query.stage,
        createdAfter: query.created_after === undefined ? undefined : instant(query.created_after),
        createdBefore: query.created_before === undefined ? undefined : instant(query.created_before),
        assignee: query.assignee === "none" ? null : query.assignee,
        knownError: query.known_error,
        limit: bounds.limit,
        offset: bounds.offset,
      })
      return { json: paginated(ctx.request, bounds, page.count, page.incidents.map(incidentJson)) }
    }),
})

const detail = defineRoute({
  method: "GET",
  path: "/api/incidents/:id/",
  summary: "One incident with its timeline, tickets and group",
  tag: TAG,
  access: "user",
  params: IncidentParams,
  response: IncidentDetailJson,
  handler: (ctx) => Effect.map(loadDetail(ctx.params.id), (json) => ({ json })),
})

const OpenBody = Schema.Struct({
  stage: NonBlank(200),
  error: NonBlank(MAX_TEXT),
  severity: Severity,
  upload_id: Schema.optional(Schema.NullOr(Schema.String)),
})

/**
 * Opening by hand (core's `openIncidentByHand`): the caller is the actor; given an upload that
 * has no incident yet, the upload is linked to it, so retrying the upload counts on it.
 */
const open = defineRoute({
  method: "POST",
  path: "/api/incidents/",
  summary: "Open an incident by hand, with its ticket",
  tag: TAG,
  access: "manager",
  body: OpenBody,
  response: IncidentDetailJson,
  status: 201,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { body } = ctx
      const id = yield* openIncidentByHand(
        { stage: body.stage, error: body.error, severity: body.severity, uploadId: body.upload_id },
        actorOf(ctx),
      ).pipe(
        Effect.catchTag("IncidentUploadNotFound", (error) =>
          Effect.fail(badRequest(error.message, [{ path: "upload_id", message: error.message }])),
        ),
      )
      ctx.audit.recordType = "incident"
      ctx.audit.recordId = id
      ctx.audit.detail = "opened by hand"
      return { status: 201, json: yield* loadDetail(id) }
    }),
})

const FieldsBody = Schema.Struct({
  root_cause: OptionalText,
  corrective_action: OptionalText,
  impact_summary: OptionalText,
  analysis_notes: OptionalText,
  expected_updated_at: ExpectedUpdatedAt,
})

const update = defineRoute({
  method: "PATCH",
  path: "/api/incidents/:id/",
  summary: "Write the root cause, corrective action, impact summary or analysis notes (one timeline entry per change)",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: FieldsBody,
  response: IncidentDetailJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      const { body } = ctx
      ctx.audit.recordType = "incident"
      ctx.audit.recordId = id
      const written = Object.keys(body).filter((key) => key !== "expected_updated_at")
      ctx.audit.detail = written.length === 0 ? "no field" : `fields: ${written.join(", ")}`
      yield* answerRefusals(
        updateIncidentFields(
          id,
          {
            ...(body.root_cause === undefined ? {} : { rootCause: body.root_cause }),
            ...(body.corrective_action === undefined ? {} : { correctiveAction: body.corrective_action }),
            ...(body.impact_summary === undefined ? {} : { impactSummary: body.impact_summary }),
            ...(body.analysis_notes === undefined ? {} : { analysisNotes: body.analysis_notes }),
          },
          actorOf(ctx),
          changeOptions(body.expected_updated_at),
        ),
      )
      return { json: yield* loadDetail(id) }
    }),
})

const remove = defineRoute({
  method: "DELETE",
  path: "/api/incidents/:id/",
  summary: "Delete an incident with its tickets and timeline (admins only)",
  tag: TAG,
  access: "admin",
  params: IncidentParams,
  status: 204,
  handler: (ctx) =>
    Effect.gen(function* () {
      const incidents = yield* IncidentsRepo
      const { id } = ctx.params
      ctx.audit.recordType = "incident"
      ctx.audit.recordId = id
      const removed = yield* incidents.remove(id)
      if (!removed) return yield* notFound(`no incident ${id}`)
      return new Response(null, { status: 204 })
    }),
})

export const incidentRoutes = [list, detail, open, update, remove]
