/**
 * The audit log: the real `AuditLog` the API's middleware writes every state-changing request
 * to (who, what route, how it ended, what record, from where), and its list for admins,
 * newest first. A request refused to a caller without an account (a failed sign-in, a 401,
 * any other 4xx) is counted per hour, method, route and status instead of written: anyone can
 * send those, and a flood of them must not flood the log. Admins list the counts too.
 */
import { AuditRepo, type NewAuditEntry } from "@batchops/core"
import { Effect, Layer, Schema } from "effect"
import { defineRoute, encoderOf, PageOf, PageQuery, pageBounds, paginated, snakeJson } from "../Api.js"
import { AuditLog } from "../Services.js"
import { IsoDateTime, instant } from "./Fields.js"

/** Whether an entry is a refusal of someone without an account: counted, not written. */
const isAnonymousRefusal = (entry: NewAuditEntry) => entry.actorId === null && entry.status >= 400 && entry.status < 500

/** `AuditLog` over the audit repository: every field of the entry is stored, or the refusal counted. */
export const auditLogLayer = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const repo = yield* AuditRepo
    return AuditLog.of({
      record: (entry) =>
        isAnonymousRefusal(entry)
          ? repo.countRefused({ at: entry.at, method: entry.method, route: entry.route, status: entry.status })
          : repo.record(entry),
    })
  }),
)

export const AuditJson = snakeJson({
  id: Schema.String,
  at: Schema.String,
  actorId: Schema.NullOr(Schema.String),
  method: Schema.String,
  route: Schema.String,
  status: Schema.Number,
  recordType: Schema.NullOr(Schema.String),
  recordId: Schema.NullOr(Schema.String),
  detail: Schema.NullOr(Schema.String),
  ip: Schema.String,
  requestId: Schema.String,
})
export const auditJson = encoderOf(AuditJson)

export const RefusedJson = snakeJson({
  hour: Schema.String,
  method: Schema.String,
  route: Schema.String,
  status: Schema.Number,
  count: Schema.Number,
  lastAt: Schema.String,
})
export const refusedJson = encoderOf(RefusedJson)

const RefusedQuery = Schema.Struct({
  ...PageQuery.fields,
  /** hours at or after this instant */
  created_after: Schema.optional(IsoDateTime),
  /** hours before this instant */
  created_before: Schema.optional(IsoDateTime),
})

const ListQuery = Schema.Struct({
  ...PageQuery.fields,
  actor_id: Schema.optional(Schema.String),
  record_type: Schema.optional(Schema.String),
  record_id: Schema.optional(Schema.String),
  method: Schema.optional(Schema.Literals(["POST", "PUT", "PATCH", "DELETE"])),
  /** entries at or after this instant */
  created_after: Schema.optional(IsoDateTime),
  /** entries before this instant */
  created_before: Schema.optional(IsoDateTime),
})

export const auditRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/audit/",
    summary:
      "The audit log, newest first (admins; filters: actor_id, record_type, record_id, method, created_after, created_before)",
    tag: "Audit",
    access: "admin",
    query: ListQuery,
    response: PageOf(AuditJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const audit = yield* AuditRepo
        const bounds = pageBounds(ctx.query)
        const page = yield* audit.list(
          {
            actorId: ctx.query.actor_id,
            recordType: ctx.query.record_type,
            recordId: ctx.query.record_id,
            method: ctx.query.method,
            createdAfter: instant(ctx.query.created_after),
            createdBefore: instant(ctx.query.created_before),
          },
          bounds,
        )
        return { json: paginated(ctx.request, bounds, page.count, page.items.map(auditJson)) }
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/audit/refused/",
    summary:
      "Requests refused to callers without an account, counted per hour, method, route and status; newest hour first (admins; filters: created_after, created_before)",
    tag: "Audit",
    access: "admin",
    query: RefusedQuery,
    response: PageOf(RefusedJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const audit = yield* AuditRepo
        const bounds = pageBounds(ctx.query)
        const page = yield* audit.listRefused(
          { createdAfter: instant(ctx.query.created_after), createdBefore: instant(ctx.query.created_before) },
          bounds,
        )
        return { json: paginated(ctx.request, bounds, page.count, page.items.map(refusedJson)) }
      }),
  }),
]
