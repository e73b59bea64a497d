/**
 * Department sources (where admissions, library or facilities data comes from) and the
 * records ingested from each, newest first. Everyone may look; admins add, change and
 * remove sources.
 */
import { sourceSettingsProblem } from "@batchops/automations"
import { DepartmentsRepo, Models, type SourceNameTaken } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import {
  badRequest,
  conflict,
  defineRoute,
  encoderOf,
  notFound,
  PageOf,
  PageQuery,
  pageBounds,
  paginated,
  snakeJson,
} from "../Api.js"
import { IdParams, JsonObject, Label, Slug } from "./Fields.js"

const TAG = "Departments"

export const SourceJson = snakeJson({
  id: Schema.String,
  name: Schema.String,
  code: Schema.String,
  department: Schema.String,
  kind: Models.SourceKind,
  settings: JsonObject,
  enabled: Schema.Boolean,
})
export const sourceJson = encoderOf(SourceJson)

export const RecordJson = snakeJson({
  id: Schema.String,
  sourceId: Schema.String,
  kind: Schema.String,
  key: Schema.String,
  payload: JsonObject,
  recordedAt: Schema.String,
})
export const recordJson = encoderOf(RecordJson)

/** `ADM`, `LIB-2`: upper-case letters, digits, `_` and `-`, starting with a letter or digit. */
const Code = Schema.String.check(
  Schema.makeFilter((text: string) =>
    /^[A-Z0-9][A-Z0-9_-]{0,31}$/.test(text)
      ? undefined
      : "must be 1-32 upper-case letters, digits, _ or - (starting with a letter or digit), e.g. ADM",
  ),
)

const Kind = Models.SourceKind.annotate({
  description: "simulated (sample data), directory (an inbox folder), url (a page to fetch)",
})

const NewSourceBody = Schema.Struct({
  name: Label(200),
  code: Code,
  department: Slug,
  kind: Kind,
  settings: Schema.optional(JsonObject),
  enabled: Schema.optional(Schema.Boolean),
})

const SourceChangesBody = Schema.Struct({
  name: Schema.optional(Label(200)),
  code: Schema.optional(Code),
  department: Schema.optional(Slug),
  kind: Schema.optional(Kind),
  settings: Schema.optional(JsonObject),
  enabled: Schema.optional(Schema.Boolean),
})

const RecordsQuery = Schema.Struct({
  ...PageQuery.fields,
  kind: Schema.optional(Schema.String.annotate({ description: "only records of this kind (e.g. attendance)" })),
})

/** The settings must suit the kind: a 400 naming the setting otherwise. */
const checkSettings = (kind: Models.SourceKind, settings: unknown) => {
  const problem = sourceSettingsProblem(kind, settings)
  return problem === undefined ? Effect.void : Effect.fail(badRequest(problem))
}

const loadSource = (id: string) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    const found = yield* departments.getSource(id)
    if (Option.isNone(found)) return yield* notFound(`no department source ${id}`)
    return found.value
  })

/** A name another source has is the caller's to change: a 409 that says so. */
const nameConflict = (error: SourceNameTaken) => Effect.fail(conflict(error.message))

export const departmentSourceRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/department-sources/",
    summary: "List the department sources (by name)",
    tag: TAG,
    access: "user",
    query: PageQuery,
    response: PageOf(SourceJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        const bounds = pageBounds(ctx.query)
        const page = yield* departments.listSources(bounds)
        return { json: paginated(ctx.request, bounds, page.count, page.items.map(sourceJson)) }
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/department-sources/:id/",
    summary: "One department source",
    tag: TAG,
    access: "user",
    params: IdParams,
    response: SourceJson,
    handler: (ctx) => Effect.map(loadSource(ctx.params.id), (source) => ({ json: sourceJson(source) })),
  }),
  defineRoute({
    method: "POST",
    path: "/api/department-sources/",
    summary: "Add a department source (admins)",
    tag: TAG,
    access: "admin",
    body: NewSourceBody,
    response: SourceJson,
    status: 201,
    handler: (ctx) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        yield* checkSettings(ctx.body.kind, ctx.body.settings ?? {})
        const source = yield* departments.createSource(ctx.body).pipe(Effect.catchTag("SourceNameTaken", nameConflict))
        ctx.audit.recordType = "department_source"
        ctx.audit.recordId = source.id
        ctx.audit.detail = `created ${source.kind} source of ${source.department}`
        return { status: 201, json: sourceJson(source) }
      }),
  }),
  defineRoute({
    method: "PATCH",
    path: "/api/department-sources/:id/",
    summary: "Change a department source (admins)",
    tag: TAG,
    access: "admin",
    params: IdParams,
    body: SourceChangesBody,
    response: SourceJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        ctx.audit.recordType = "department_source"
        ctx.audit.recordId = ctx.params.id
        ctx.audit.detail = `changed ${Object.keys(ctx.body).sort().join(", ") || "nothing"}`
        if (ctx.body.kind !== undefined || ctx.body.settings !== undefined) {
          // a new kind is checked against the settings it will have (new ones, or the ones it had)
          const current = yield* loadSource(ctx.params.id)
          yield* checkSettings(ctx.body.kind ?? current.kind, ctx.body.settings ?? current.settings)
        }
        const updated = yield* departments
          .updateSource(ctx.params.id, ctx.body)
          .pipe(Effect.catchTag("SourceNameTaken", nameConflict))
        if (Option.isNone(updated)) return yield* notFound(`no department source ${ctx.params.id}`)
        return { json: sourceJson(updated.value) }
      }),
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/department-sources/:id/",
    summary: "Remove a department source and its records (admins)",
    tag: TAG,
    access: "admin",
    params: IdParams,
    status: 204,
    handler: (ctx) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        ctx.audit.recordType = "department_source"
        ctx.audit.recordId = ctx.params.id
        const removed = yield* departments.removeSource(ctx.params.id)
        if (!removed) return yield* notFound(`no department source ${ctx.params.id}`)
        ctx.audit.detail = "deleted with its records"
        return new Response(null, { status: 204 })
      }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/department-sources/:id/records/",
    summary: "The records ingested from a source, newest first",
    tag: TAG,
    access: "user",
    params: IdParams,
    query: RecordsQuery,
    response: PageOf(RecordJson),
    handler: (ctx) =>
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        yield* loadSource(ctx.params.id)
        const bounds = pageBounds(ctx.query)
        const page = yield* departments.listRecords(ctx.params.id, bounds, ctx.query.kind)
        return { json: paginated(ctx.request, bounds, page.count, page.items.map(recordJson)) }
      }),
  }),
]
