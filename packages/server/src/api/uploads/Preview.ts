/**
 * Previewing a file before submitting it, over HTTP: runner-node's `previewFile` runs it
 * through the stages up to `validate_results` (in a thread of its own with the file limits,
 * like an upload) and says what the run would see; nothing is stored or published.
 */
import { checkUploadProfile } from "@batchops/core"
import { previewFile } from "@batchops/runner-node"
import { Effect, Schema } from "effect"
import { badRequest, defineRoute, encoderOf, snakeJson } from "../Api.js"
import { formFile, parseForm, readUpload, sniffFormat, uploadName } from "./Intake.js"
import { UploadLimits } from "./Limits.js"
import { answerRejected } from "./Uploads.js"

const FIELDS = new Set(["file", "profile", "department"])

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

const PreviewJson = snakeJson({
  fileName: Schema.String,
  format: Schema.NullOr(Schema.String),
  profile: Schema.String,
  department: Schema.NullOr(Schema.String),
  headers: Schema.Array(Schema.String),
  fingerprint: Schema.NullOr(Schema.String),
  detectedProfile: Schema.NullOr(Schema.String),
  columns: Schema.Array(Schema.Struct({ name: Schema.String, type: Schema.String })),
  rows: Schema.Array(Schema.Struct({ row: Schema.Number, cells: Schema.Array(Schema.Unknown) })),
  rowCount: Schema.Number,
  /**
   * How the file was read, as the run will read it: the title rows skipped above the header,
   * and the decimal mark of a delimited text file's numbers (null for other formats)
   */
  reading: snakeJson({
    titleRows: Schema.Number,
    decimalMark: Schema.NullOr(Schema.Literals([".", ","])),
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
  problemCount: Schema.Number,
  missingColumns: Schema.Array(Schema.String),
  suggestions: Schema.Record(Schema.String, Schema.Array(Schema.String)),
  rememberedMapping: Schema.NullOr(ColumnMappingJson),
  ready: Schema.Boolean,
})
const encodePreview = encoderOf(PreviewJson)

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
      const profile = (yield* text(form, "profile")) ?? "gradebook"
      const department = yield* text(form, "department")
      yield* checkUploadProfile(profile).pipe(Effect.catchTag("UploadRejected", answerRejected))
      const format = yield* sniffFormat(file.bytes)
      // the audit log writes every POST: say that this one stored nothing
      ctx.audit.detail = `previewed (${format}, ${file.bytes.byteLength} bytes); nothing stored`
      const preview = yield* previewFile({
        fileName: uploadName(file.name),
        bytes: file.bytes,
        profile,
        department,
      }).pipe(
        // a file past a limit of its thread is refused like a file the pipeline refuses
        Effect.catchTags({
          UploadRejected: answerRejected,
          RequestError: (error) => badRequest(error.message),
          FileLimitExceeded: (error) => badRequest(error.message),
        }),
      )
      return { json: encodePreview(preview) }
    }),
})

export const previewRoutes = [preview]
