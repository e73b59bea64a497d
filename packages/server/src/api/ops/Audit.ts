/**
 * The audit log: the real `AuditLog` the API's middleware writes every state-changing request
 * to (who, what route, how it ended, what record, from where), and its list for admins,
 * newest first.
 */
import { type AuditEntryRecord, AuditRepo } from "@batchops/core"
import { Effect, Layer, Schema } from "effect"
import { defineRoute, PageOf, PageQuery, pageBounds, paginated } from "../Api.js"
import { AuditLog } from "../Services.js"
import { IsoDateTime, instant } from "./Fields.js"

/** `AuditLog` over the audit repository: every field of the entry is stored. */
export const auditLogLayer = Layer.effect(
  AuditLog,
  Effect.gen(function* () {
    const repo = yield* AuditRepo
    return AuditLog.of({ record: (entry) => repo.record(entry) })
  }),
)

export const auditJson = (entry: AuditEntryRecord) => ({
  id: entry.id,
  at: entry.at,
  actor_id: entry.actorId,
  method: entry.method,
  route: entry.route,
  status: entry.status,
  record_type: entry.recordType,
  record_id: entry.recordId,
  detail: entry.detail,
  ip: entry.ip,
  request_id: entry.requestId,
})

export const AuditJson = Schema.Struct({
  id: Schema.String,
  at: Schema.String,
  actor_id: Schema.NullOr(Schema.String),
  method: Schema.String,
  route: Schema.String,
  status: Schema.Number,
  record_type: Schema.NullOr(Schema.String),
  record_id: Schema.NullOr(Schema.String),
  detail: Schema.NullOr(Schema.String),
  ip: Schema.String,
  request_id: Schema.String,
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
]
