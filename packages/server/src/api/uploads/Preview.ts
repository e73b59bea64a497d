/**
 * Previewing a file before submitting it: the file runs through the registry's stages up to
 * `validate_results` (parsing, standardize, validate) in memory (PreviewRun.ts; in a thread of
 * its own with the file limits, like an upload), and nothing is stored or published. The answer shows what the run would see: the format, the header, the detected
 * profile and schema, the first rows, every problem, and, when the header does not satisfy the
 * profile, the missing profile columns with the file's headers ranked for each (and the mapping
 * remembered for the department, which the preview applies like the worker would).
 */
import {
  type ColumnMapping,
  type ColumnMappingSource,
  ColumnMappingsRepo,
  headerFingerprint,
  isIdentifierName,
  missingColumns,
  normalizeName,
  type Profile,
  type StoredColumnMapping,
  suggestMappings,
} from "@batchops/core"
import { type Capture, runPreview, runPreviewIsolated, UploadSettings } from "@batchops/runner-node"
import { Effect, Schema } from "effect"
import { badRequest, defineRoute, encoderOf, snakeJson } from "../Api.js"
import { formFile, parseForm, readUpload, sniffFormat, uploadName } from "./Intake.js"
import { UploadLimits } from "./Limits.js"

/** Problems listed (all are counted in `problem_count`; the pipeline keeps at most 100,000). */
export const PREVIEW_PROBLEMS = 1000

const FIELDS = new Set(["file", "profile", "department"])

/** A type guess per column: `identifier`, `number` (80% of present values, as the summary), `date`, `text`, `empty`. */
const columnType = (name: string, stat: Capture["stats"][number] | undefined, keys: ReadonlyArray<string>) => {
  if (isIdentifierName(name, keys)) return "identifier"
  if (stat === undefined || stat.present === 0) return "empty"
  if (stat.numbers / stat.present >= 0.8) return "number"
  if (stat.dates / stat.present >= 0.8) return "date"
  return "text"
}

/** A mapping's JSON. */
export const ColumnMappingJson = snakeJson({
  id: Schema.String,
  department: Schema.String,
  profile: Schema.String,
  fingerprint: Schema.String,
  headers: Schema.Array(Schema.String),
  mapping: Schema.Record(Schema.String, Schema.String),
  confirmedBy: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
})
export const mappingJson = encoderOf(ColumnMappingJson)

const PreviewJson = Schema.Struct({
  file_name: Schema.String,
  format: Schema.NullOr(Schema.String),
  profile: Schema.String,
  department: Schema.NullOr(Schema.String),
  headers: Schema.Array(Schema.String),
  fingerprint: Schema.NullOr(Schema.String),
  detected_profile: Schema.NullOr(Schema.String),
  columns: Schema.Array(Schema.Struct({ name: Schema.String, type: Schema.String })),
  rows: Schema.Array(Schema.Struct({ row: Schema.Number, cells: Schema.Array(Schema.Unknown) })),
  row_count: Schema.Number,
  /**
   * How the file was read, as the run will read it: the title rows skipped above the header,
   * and the decimal mark of a delimited text file's numbers (null for other formats)
   */
  reading: Schema.Struct({
    title_rows: Schema.Number,
    decimal_mark: Schema.NullOr(Schema.Literals([".", ","])),
  }),
  problems: Schema.Array(
    Schema.Struct({
      severity: Schema.Literals(["critical", "warning"]),
      stage: Schema.String,
      row: Schema.NullOr(Schema.Number),
      column: Schema.NullOr(Schema.String),
      value: Schema.NullOr(Schema.String),
      rule: Schema.String,
      message: Schema.String,
    }),
  ),
  problem_count: Schema.Number,
  missing_columns: Schema.Array(Schema.String),
  suggestions: Schema.Record(Schema.String, Schema.Array(Schema.String)),
  remembered_mapping: Schema.NullOr(ColumnMappingJson),
  ready: Schema.Boolean,
})

/** A text field of the form: absent or blank is undefined. */
const text = (form: FormData, name: string) =>
  Effect.gen(function* () {
    const value = form.get(name)
    if (value === null) return undefined
    if (typeof value !== "string") {
      return yield* badRequest(`\`${name}\` must be a text field, not a file`, [
        { path: name, message: "must be text" },
      ])
    }
    return value.trim() === "" ? undefined : value.trim()
  })

/** The mappings remembered for a department and profile, by fingerprint. */
export const rememberedFor = (department: string | undefined, profile: string) =>
  Effect.gen(function* () {
    if (department === undefined || profile === "auto") return new Map<string, StoredColumnMapping>()
    const repo = yield* ColumnMappingsRepo
    const stored = yield* repo.list(department)
    return new Map(stored.filter((m) => m.profile === profile).map((m) => [m.fingerprint, m]))
  })

/** The header with a mapping applied, as written (a mapped header becomes its profile column). */
const mapHeaders = (headers: ReadonlyArray<string>, mapping: ColumnMapping) =>
  headers.map((header) => mapping[header] ?? mapping[normalizeName(header)] ?? header)

const preview = defineRoute({
  method: "POST",
  path: "/api/uploads/preview/",
  summary:
    "Preview a file before submitting it (multipart: file, profile = gradebook or auto, department): parse, standardize and validate without storing or publishing; first rows, schema, problems, missing columns with suggestions",
  tag: "Uploads",
  access: "user",
  body: "multipart",
  response: PreviewJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const { maxBytes } = yield* UploadLimits
      const settings = yield* UploadSettings
      const { registry } = settings
      const body = yield* readUpload(ctx.request, maxBytes)
      const form = yield* parseForm(ctx.request, body)
      const unknown = [...new Set(form.keys())].filter((name) => !FIELDS.has(name))
      if (unknown.length > 0) {
        return yield* badRequest(
          `unknown field${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `\`${n}\``).join(", ")}: send file, profile and department`,
          unknown.map((path) => ({ path, message: "is not a field of a preview" })),
        )
      }
      const file = yield* formFile(form, maxBytes)
      const profileId = (yield* text(form, "profile")) ?? "gradebook"
      const department = yield* text(form, "department")
      if (profileId !== "auto" && !registry.profiles.has(profileId)) {
        const known = [...registry.profiles.keys(), "auto"].join(", ")
        return yield* badRequest(`unknown profile "${profileId}" (known: ${known})`, [
          { path: "profile", message: `unknown profile (known: ${known})` },
        ])
      }
      const format = yield* sniffFormat(file.bytes)
      // the audit log writes every POST: say that this one stored nothing
      ctx.audit.detail = `previewed (${format}, ${file.bytes.byteLength} bytes); nothing stored`
      const remembered = yield* rememberedFor(department, profileId)
      let applied: StoredColumnMapping | undefined
      const columnMapping: ColumnMappingSource = ({ fingerprint }) =>
        Effect.sync(() => {
          applied = remembered.get(fingerprint)
          return applied?.mapping
        })

      const request = { fileName: uploadName(file.name), bytes: file.bytes, profile: profileId, columnMapping }
      const previewed = yield* (
        settings.isolation === undefined
          ? runPreview(registry, request)
          : runPreviewIsolated({ ...request, file: file.bytes, isolation: settings.isolation })
      ).pipe(
        // a file past a limit of its thread is refused like a file the pipeline refuses; a thread
        // that stopped for another reason is the server's failure
        Effect.catchTags({
          RequestError: (error) => badRequest(error.message),
          FileLimitExceeded: (error) => badRequest(error.message),
          IsolatedTaskFailed: (error) => Effect.die(error),
        }),
      )
      const { result, capture } = previewed

      const standardize = result.stages.find((step) => step.name === "standardize_results")?.log ?? {}
      const headers = Array.isArray(standardize.header) ? (standardize.header as Array<string>) : []
      const profile: Profile | undefined = result.profile === null ? undefined : registry.profiles.get(result.profile)
      const mapped = applied === undefined ? headers : mapHeaders(headers, applied.mapping)
      const missing = profile === undefined || headers.length === 0 ? [] : missingColumns(profile, mapped)
      const ranked = profile === undefined || missing.length === 0 ? {} : suggestMappings(profile, mapped)
      const keys = profile?.keys ?? []
      const columns = (
        capture.columns.length > 0 ? capture.columns : ((standardize.columns as Array<string>) ?? [])
      ).map((name, i) => ({ name, type: columnType(name, capture.stats[i], keys) }))

      const problems = result.problems.slice(0, PREVIEW_PROBLEMS).map((problem) => ({
        severity: "warning" as "critical" | "warning",
        stage: problem.stage,
        row: problem.row ?? null,
        column: problem.column ?? null,
        value: problem.value ?? null,
        rule: problem.rule,
        message: problem.message,
      }))
      if (result.incident !== null) {
        problems.unshift({
          severity: "critical",
          stage: result.incident.stage,
          row: null,
          column: null,
          value: null,
          rule: "stage_failed",
          message: result.incident.error,
        })
      }
      return {
        json: {
          file_name: uploadName(file.name),
          format: result.format,
          profile: profileId,
          department: department ?? null,
          headers,
          fingerprint: headers.length > 0 ? headerFingerprint(headers) : null,
          detected_profile: result.profile,
          columns,
          rows: capture.rows,
          row_count: typeof standardize.rows === "number" ? standardize.rows : capture.rows.length,
          reading: {
            title_rows: typeof standardize.titleRows === "number" ? standardize.titleRows : 0,
            decimal_mark:
              standardize.decimalMark === "," || standardize.decimalMark === "." ? standardize.decimalMark : null,
          },
          problems,
          problem_count: result.problemCount + (result.incident === null ? 0 : 1),
          missing_columns: missing,
          suggestions: Object.fromEntries(
            Object.entries(ranked).map(([column, list]) => [column, list.map((s) => s.header)]),
          ),
          remembered_mapping: applied === undefined ? null : mappingJson(applied),
          ready: result.incident === null && missing.length === 0,
        },
      }
    }),
})

export const previewRoutes = [preview]
