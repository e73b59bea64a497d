/**
 * The site's known errors: the patterns that recognize a failure and say its severity, root
 * cause and corrective action. Every pattern goes through core's `checkPattern` before it is
 * stored (the repository refuses an unsafe one): the refusal is a 400 naming `pattern` with
 * the checker's message. Deleting deactivates: incidents tagged with it keep their tag.
 * Trying a pattern shows which recent failures (and whether a sample failure) it would recognize
 * before it is saved; patterns run on core's linear-time engine, so no pattern stalls the API.
 */
import {
  type KnownErrorExists,
  type KnownErrorNotFound,
  KnownErrorsRepo,
  type StoreError,
  tryKnownErrorAgainstRecent,
  type UnsafePattern,
} from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import {
  type ApiError,
  badRequest,
  conflict,
  defineRoute,
  notFound,
  PageOf,
  PageQuery,
  pageBounds,
  paginated,
} from "../Api.js"
import { MAX_TEXT, NonBlank, Severity } from "./Fields.js"
import { KnownErrorJson, knownErrorJson } from "./Json.js"

const TAG = "Known errors"

/** A name that reads well in a URL: letters, digits, `-`, `_`, `.`. */
const Name = Schema.String.check(
  Schema.isMaxLength(100),
  Schema.makeFilter((name: string) =>
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)
      ? undefined
      : "must start with a letter or digit and hold only letters, digits, '-', '_' and '.'",
  ),
)

const Pattern = Schema.String.check(Schema.isNonEmpty())

/** A stage name, or null for every stage. */
const Stage = Schema.NullOr(Schema.String.check(Schema.isMaxLength(200)))

const NameParams = Schema.Struct({ name: Schema.String })

/** The repository's refusals, as HTTP answers (a StoreError goes on to the app). */
const answer = <A, R>(
  effect: Effect.Effect<A, UnsafePattern | KnownErrorExists | KnownErrorNotFound | StoreError, R>,
): Effect.Effect<A, ApiError | StoreError, R> =>
  Effect.mapError(effect, (error) => {
    switch (error._tag) {
      case "UnsafePattern":
        return badRequest(`pattern: ${error.message}`, [{ path: "pattern", message: error.message }])
      case "KnownErrorExists":
        return conflict(error.message)
      case "KnownErrorNotFound":
        return notFound(error.message)
      default:
        return error
    }
  })

const list = defineRoute({
  method: "GET",
  path: "/api/known-errors/",
  summary: "List the site's known errors, active and inactive, by name (filter: active)",
  tag: TAG,
  access: "user",
  query: Schema.Struct({ ...PageQuery.fields, active: Schema.optional(Schema.Literals(["true", "false"])) }),
  response: PageOf(KnownErrorJson),
  handler: (ctx) =>
    Effect.gen(function* () {
      const knownErrors = yield* KnownErrorsRepo
      const bounds = pageBounds(ctx.query)
      const rows = yield* knownErrors.list({ includeInactive: true })
      const active = ctx.query.active
      const selected = active === undefined ? rows : rows.filter((row) => row.active === (active === "true"))
      const page = selected.slice(bounds.offset, bounds.offset + bounds.limit)
      return { json: paginated(ctx.request, bounds, selected.length, page.map(knownErrorJson)) }
    }),
})

const CreateBody = Schema.Struct({
  name: Name,
  pattern: Pattern,
  stage: Schema.optional(Stage),
  severity: Severity,
  root_cause: NonBlank(MAX_TEXT),
  corrective_action: NonBlank(MAX_TEXT),
  active: Schema.optional(Schema.Boolean),
})

const create = defineRoute({
  method: "POST",
  path: "/api/known-errors/",
  summary: "Add a known error (its pattern must pass the safety check)",
  tag: TAG,
  access: "manager",
  body: CreateBody,
  response: KnownErrorJson,
  status: 201,
  handler: (ctx) =>
    Effect.gen(function* () {
      const knownErrors = yield* KnownErrorsRepo
      const { body } = ctx
      ctx.audit.recordType = "known_error"
      ctx.audit.recordId = body.name
      const row = yield* answer(
        knownErrors.create({
          name: body.name,
          pattern: body.pattern,
          stage: body.stage ?? null,
          severity: body.severity,
          rootCause: body.root_cause.trim(),
          correctiveAction: body.corrective_action.trim(),
          active: body.active ?? true,
        }),
      )
      return { status: 201, json: knownErrorJson(row) }
    }),
})

const TryBody = Schema.Struct({
  pattern: Pattern,
  stage: Schema.optional(Stage),
  limit: Schema.optional(Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 }))),
  /** a failure to match the pattern against, as the worker would ("stage: message") */
  sample: Schema.optional(
    Schema.Struct({ stage: Schema.String.check(Schema.isMaxLength(200)), message: Schema.String }),
  ),
})

const TryJson = Schema.Struct({
  tried: Schema.Number,
  /** whether the pattern recognizes the sample; null without one */
  sample_matched: Schema.NullOr(Schema.Boolean),
  matched: Schema.Array(
    Schema.Struct({
      incident_id: Schema.String,
      stage: Schema.String,
      message: Schema.String,
      shadowed_by: Schema.NullOr(Schema.String),
    }),
  ),
})

/** How many recent failures a trial looks at when the caller does not say. */
const DEFAULT_TRIAL = 50

const trial = defineRoute({
  method: "POST",
  path: "/api/known-errors/try/",
  summary:
    "Try a pattern against the most recent failures and an optional sample: which it would recognize (and which known error wins now)",
  tag: TAG,
  access: "manager",
  body: TryBody,
  response: TryJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { body } = ctx
      const result = yield* tryKnownErrorAgainstRecent(
        { pattern: body.pattern, stage: body.stage ?? null },
        body.limit ?? DEFAULT_TRIAL,
        body.sample,
      )
      if (result.status === "refused") {
        return yield* badRequest(`pattern: ${result.reason}`, [{ path: "pattern", message: result.reason }])
      }
      return {
        json: {
          tried: result.tried,
          sample_matched: result.sample,
          matched: result.matched.map((match) => ({
            incident_id: match.id,
            stage: match.stage,
            message: match.message,
            shadowed_by: match.shadowedBy,
          })),
        },
      }
    }),
})

const get = defineRoute({
  method: "GET",
  path: "/api/known-errors/:name/",
  summary: "One known error",
  tag: TAG,
  access: "user",
  params: NameParams,
  response: KnownErrorJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const knownErrors = yield* KnownErrorsRepo
      const found = yield* knownErrors.get(ctx.params.name)
      if (Option.isNone(found)) return yield* notFound(`no known error named "${ctx.params.name}"`)
      return { json: knownErrorJson(found.value) }
    }),
})

const PatchBody = Schema.Struct({
  pattern: Schema.optional(Pattern),
  stage: Schema.optional(Stage),
  severity: Schema.optional(Severity),
  root_cause: Schema.optional(NonBlank(MAX_TEXT)),
  corrective_action: Schema.optional(NonBlank(MAX_TEXT)),
  active: Schema.optional(Schema.Boolean),
})

const update = defineRoute({
  method: "PATCH",
  path: "/api/known-errors/:name/",
  summary: "Change a known error's pattern, stage, severity, root cause, corrective action or active flag",
  tag: TAG,
  access: "manager",
  params: NameParams,
  body: PatchBody,
  response: KnownErrorJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const knownErrors = yield* KnownErrorsRepo
      const { body } = ctx
      ctx.audit.recordType = "known_error"
      ctx.audit.recordId = ctx.params.name
      ctx.audit.detail = `fields: ${Object.keys(body).join(", ") || "none"}`
      const row = yield* answer(
        knownErrors.update(ctx.params.name, {
          ...(body.pattern === undefined ? {} : { pattern: body.pattern }),
          ...(body.stage === undefined ? {} : { stage: body.stage }),
          ...(body.severity === undefined ? {} : { severity: body.severity }),
          ...(body.root_cause === undefined ? {} : { rootCause: body.root_cause.trim() }),
          ...(body.corrective_action === undefined ? {} : { correctiveAction: body.corrective_action.trim() }),
          ...(body.active === undefined ? {} : { active: body.active }),
        }),
      )
      return { json: knownErrorJson(row) }
    }),
})

const deactivate = defineRoute({
  method: "DELETE",
  path: "/api/known-errors/:name/",
  summary: "Deactivate a known error (it stops matching; incidents keep their tag)",
  tag: TAG,
  access: "manager",
  params: NameParams,
  response: KnownErrorJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const knownErrors = yield* KnownErrorsRepo
      ctx.audit.recordType = "known_error"
      ctx.audit.recordId = ctx.params.name
      ctx.audit.detail = "deactivated"
      const row = yield* answer(knownErrors.deactivate(ctx.params.name))
      return { json: knownErrorJson(row) }
    }),
})

export const knownErrorRoutes = [list, create, trial, get, update, deactivate]
