/**
 * Remembered column mappings: the list (by department), confirming one, and removing one.
 *
 * Every role reads them. A confirmed mapping decides how every later file of the department
 * with the same headers reads, whoever uploads it, without a question asked (a wrong one reads
 * a guardian's phone as the student id): confirming one is for admins and moderators, as
 * correcting an upload's plan is, and forgetting one for admins.
 */
import { ColumnMappingsRepo, checkColumnMapping, headerFingerprint, missingColumns } from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Effect, Schema } from "effect"
import { badRequest, defineRoute, notFound } from "../Api.js"
import { ColumnMappingJson, mappingJson } from "./Preview.js"
import { MAX_DEPARTMENT } from "./Uploads.js"

const TAG = "Uploads"

const ListQuery = Schema.Struct({ department: Schema.optional(Schema.String) })

const list = defineRoute({
  method: "GET",
  path: "/api/column-mappings/",
  summary: "Remembered column mappings (of one department with ?department=), by department and profile",
  tag: TAG,
  access: "user",
  query: ListQuery,
  response: Schema.Struct({ count: Schema.Number, results: Schema.Array(ColumnMappingJson) }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const repo = yield* ColumnMappingsRepo
      const department = ctx.query.department?.trim() || undefined
      const mappings = yield* repo.list(department)
      return { json: { count: mappings.length, results: mappings.map(mappingJson) } }
    }),
})

const PutBody = Schema.Struct({
  department: Schema.String,
  profile: Schema.String,
  /** the file's header, as written */
  headers: Schema.Array(Schema.String),
  /** source header -> profile column */
  mapping: Schema.Record(Schema.String, Schema.String),
})

const MAX_HEADERS = 1000

const confirm = defineRoute({
  method: "PUT",
  path: "/api/column-mappings/",
  summary:
    "Confirm a column mapping for a department, profile and header set ({department, profile, headers, mapping: {sourceHeader: profileColumn}}); later files with the same headers map with no questions (admins and moderators)",
  tag: TAG,
  access: "manager",
  body: PutBody,
  response: ColumnMappingJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { registry } = yield* UploadSettings
      const repo = yield* ColumnMappingsRepo
      const department = ctx.body.department.trim()
      if (department === "" || department.length > MAX_DEPARTMENT) {
        return yield* badRequest("department must be 1 to 100 characters", [
          { path: "department", message: "1 to 100 characters" },
        ])
      }
      const profile = registry.profiles.get(ctx.body.profile)
      if (profile === undefined) {
        const known = [...registry.profiles.keys()].join(", ")
        return yield* badRequest(`unknown profile "${ctx.body.profile}" (known: ${known}; a mapping needs one)`, [
          { path: "profile", message: `unknown profile (known: ${known})` },
        ])
      }
      const headers = ctx.body.headers
      if (headers.length === 0 || headers.length > MAX_HEADERS || headers.every((h) => h.trim() === "")) {
        return yield* badRequest(`headers must list the file's header (1 to ${MAX_HEADERS} names)`, [
          { path: "headers", message: "the file's header is required" },
        ])
      }
      const mapping = ctx.body.mapping
      if (Object.keys(mapping).length === 0) {
        return yield* badRequest("mapping is empty: map at least one header to a profile column", [
          { path: "mapping", message: "map at least one header" },
        ])
      }
      const problems = checkColumnMapping(profile, headers, mapping)
      if (problems.length > 0) {
        return yield* badRequest(
          `the column mapping is refused: ${problems.join("; ")}`,
          problems.map((message) => ({ path: "mapping", message })),
        )
      }
      const mapped = headers.map((header) => mapping[header] ?? header)
      const still = missingColumns(profile, mapped)
      if (still.length > 0) {
        return yield* badRequest(
          `with this mapping the file still lacks ${still.join(", ")} of the ${profile.id} profile; map a header to each`,
          still.map((column) => ({ path: `mapping.${column}`, message: `no header is mapped to ${column}` })),
        )
      }
      const stored = yield* repo.remember({
        department,
        profile: profile.id,
        fingerprint: headerFingerprint(headers),
        headers,
        mapping,
        confirmedBy: ctx.user?.id ?? null,
      })
      ctx.audit.recordType = "column_mapping"
      ctx.audit.recordId = stored.id
      ctx.audit.detail = `confirmed for ${department} (${profile.id}, ${Object.keys(mapping).length} headers)`
      return { json: mappingJson(stored) }
    }),
})

const remove = defineRoute({
  method: "DELETE",
  path: "/api/column-mappings/:id/",
  summary: "Forget a remembered column mapping (the next file with its headers asks again)",
  tag: TAG,
  access: "admin",
  params: Schema.Struct({ id: Schema.String }),
  status: 204,
  handler: (ctx) =>
    Effect.gen(function* () {
      const repo = yield* ColumnMappingsRepo
      ctx.audit.recordType = "column_mapping"
      ctx.audit.recordId = ctx.params.id
      if (!(yield* repo.remove(ctx.params.id))) return yield* notFound(`no column mapping ${ctx.params.id}`)
      ctx.audit.detail = "forgotten"
      return new Response(null, { status: 204 })
    }),
})

export const columnMappingRoutes = [list, confirm, remove]
