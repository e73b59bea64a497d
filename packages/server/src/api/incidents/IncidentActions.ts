/**
 * What an admin or moderator does to an incident: move it through its lifecycle, assign it,
 * note something, retry its upload, archive it. Each action answers the incident as it now
 * is (with its tickets and group), so the page shows the result without another request.
 */
import {
  addIncidentNote,
  assignablePeople,
  assignIncident,
  assignmentProblem,
  retryIncidentUpload,
  transitionIncident,
  UsersRepo,
} from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { actorOf, badRequest, defineRoute, encoderOf, snakeJson } from "../Api.js"
import { answerRefusals } from "./Errors.js"
import { changeOptions, ExpectedUpdatedAt, IncidentStatus, MAX_TEXT, NonBlank } from "./Fields.js"
import { IncidentParams, loadDetail } from "./Incidents.js"
import { IncidentDetailJson } from "./Json.js"

const TAG = "Incidents"

const audited = (
  ctx: { audit: { recordType?: string; recordId?: string; detail?: string } },
  id: string,
  detail: string,
) => {
  ctx.audit.recordType = "incident"
  ctx.audit.recordId = id
  ctx.audit.detail = detail
}

const TransitionBody = Schema.Struct({
  to: IncidentStatus,
  note: Schema.optional(Schema.String.check(Schema.isMaxLength(MAX_TEXT))),
  expected_updated_at: ExpectedUpdatedAt,
})

const transition = defineRoute({
  method: "POST",
  path: "/api/incidents/:id/transition/",
  summary: "Move an incident to another status (open, in_progress, resolved, archived)",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: TransitionBody,
  response: IncidentDetailJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      audited(ctx, id, `to ${ctx.body.to}`)
      yield* answerRefusals(
        transitionIncident(id, ctx.body.to, actorOf(ctx), ctx.body.note, changeOptions(ctx.body.expected_updated_at)),
      )
      return { json: yield* loadDetail(id) }
    }),
})

const ArchiveBody = Schema.Struct({
  note: Schema.optional(Schema.String.check(Schema.isMaxLength(MAX_TEXT))),
  expected_updated_at: ExpectedUpdatedAt,
})

const archive = defineRoute({
  method: "POST",
  path: "/api/incidents/:id/archive/",
  summary: "Archive an incident (closed for good: a recurrence opens a new one)",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: Schema.UndefinedOr(ArchiveBody),
  response: IncidentDetailJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      audited(ctx, id, "archived")
      const body = ctx.body ?? {}
      yield* answerRefusals(
        transitionIncident(id, "archived", actorOf(ctx), body.note, changeOptions(body.expected_updated_at)),
      )
      return { json: yield* loadDetail(id) }
    }),
})

const AssignBody = Schema.Struct({
  /** a user id, or null to unassign */
  assignee: Schema.NullOr(Schema.String),
  expected_updated_at: ExpectedUpdatedAt,
})

const AssigneeJson = snakeJson({ id: Schema.String, username: Schema.String })
const assigneeJson = encoderOf(AssigneeJson)

/**
 * The people an incident can be assigned to, for everyone who may assign (a moderator may not
 * list accounts): core's rule decides who is on it, so no client restates it.
 */
const assignees = defineRoute({
  method: "GET",
  path: "/api/incident-assignees/",
  summary: "The people an incident can be assigned to (active admins and moderators), by username",
  tag: TAG,
  access: "manager",
  response: Schema.Struct({ results: Schema.Array(AssigneeJson) }),
  handler: () => Effect.map(assignablePeople, (people) => ({ json: { results: people.map(assigneeJson) } })),
})

/** Refuses an assignee core's rule does not allow, naming the field. */
const requireAssignable = (userId: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const found = yield* users.get(userId)
    const message = Option.match(found, { onNone: () => `no account ${userId}`, onSome: assignmentProblem })
    if (message !== undefined) return yield* badRequest(message, [{ path: "assignee", message }])
  })

const assign = defineRoute({
  method: "POST",
  path: "/api/incidents/:id/assign/",
  summary: "Assign an incident to an active admin or moderator (null unassigns)",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: AssignBody,
  response: IncidentDetailJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      const { assignee } = ctx.body
      audited(ctx, id, assignee === null ? "unassigned" : `assigned to ${assignee}`)
      if (assignee !== null) yield* requireAssignable(assignee)
      yield* answerRefusals(assignIncident(id, assignee, actorOf(ctx), changeOptions(ctx.body.expected_updated_at)))
      return { json: yield* loadDetail(id) }
    }),
})

const NoteBody = Schema.Struct({ text: NonBlank(MAX_TEXT), expected_updated_at: ExpectedUpdatedAt })

const note = defineRoute({
  method: "POST",
  path: "/api/incidents/:id/note/",
  summary: "Add a note to an incident's timeline",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: NoteBody,
  response: IncidentDetailJson,
  status: 201,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      audited(ctx, id, "note")
      yield* answerRefusals(
        addIncidentNote(id, ctx.body.text, actorOf(ctx), changeOptions(ctx.body.expected_updated_at)),
      )
      return { status: 201, json: yield* loadDetail(id) }
    }),
})

const RetryBody = Schema.Struct({
  profile: Schema.optional(Schema.String),
  process_mode: Schema.optional(Schema.String),
  process_config: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
})

const RetryJson = Schema.Struct({
  incident: IncidentDetailJson,
  upload: Schema.Struct({ id: Schema.String, status: Schema.String }),
  resume_after: Schema.NullOr(Schema.String),
  work_item_id: Schema.String,
})

/**
 * Retry the incident's upload (core's `retryIncidentUpload`): the upload goes back to the
 * queue and the retry is counted on the upload's incident (this one, unless the upload's
 * failure was recorded on another, e.g. an incident opened by hand for an upload that had
 * one already). Refused (409) when the incident has no upload, is archived, or the upload is
 * not failed; a correction the registry refuses is a 400 naming the field.
 */
const retry = defineRoute({
  method: "POST",
  path: "/api/incidents/:id/retry/",
  summary: "Retry the incident's failed upload, optionally with a corrected profile or plan",
  tag: TAG,
  access: "manager",
  params: IncidentParams,
  body: Schema.UndefinedOr(RetryBody),
  response: RetryJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { id } = ctx.params
      audited(ctx, id, "retry")
      const body = ctx.body ?? {}
      const request = { profile: body.profile, processMode: body.process_mode, processConfig: body.process_config }
      const started = yield* answerRefusals(retryIncidentUpload(id, actorOf(ctx), request))
      ctx.audit.detail = `retry of upload ${started.upload.id}`
      return {
        json: {
          incident: yield* loadDetail(id),
          upload: { id: started.upload.id, status: started.upload.status },
          resume_after: started.resumeAfter,
          work_item_id: started.workItemId,
        },
      }
    }),
})

export const incidentActionRoutes = [transition, assignees, assign, note, retry, archive]
