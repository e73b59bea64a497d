/**
 * Previewing a file before submitting it: the file runs through the registry's stages up to
 * `validate_results` (parsing, standardize, validate), in a thread of its own with the file
 * limits like an upload (or in place without `UploadSettings.isolation`), and nothing is stored
 * or published. The preview says what the run would see: the format, the header, the detected
 * profile and schema, the first rows, every problem, and, when the header does not satisfy the
 * profile, the missing profile columns with the file's headers ranked for each (and the mapping
 * remembered for the department, which the preview applies like the worker would).
 */
import {
  type ColumnMapping,
  type ColumnMappingSource,
  ColumnMappingsRepo,
  checkUploadProfile,
  headerFingerprint,
  isIdentifierName,
  missingColumns,
  normalizeName,
  type Profile,
  type StoredColumnMapping,
  suggestMappings,
} from "@batchops/core"
import { Effect } from "effect"
import { runPreviewIsolated } from "./IsolatedPipeline.js"
import { type Capture, runPreview } from "./PreviewRun.js"
import { UploadSettings } from "./UploadSettings.js"

/** Problems listed (all are counted in `problemCount`; the pipeline keeps at most 100,000). */
export const PREVIEW_PROBLEMS = 1000

/** A column's kind: `identifier`, `number` (80% of present values, as the summary), `date`, `text`, `empty`. */
const columnType = (name: string, stat: Capture["stats"][number] | undefined, keys: ReadonlyArray<string>) => {
  if (isIdentifierName(name, keys)) return "identifier"
  if (stat === undefined || stat.present === 0) return "empty"
  if (stat.numbers / stat.present >= 0.8) return "number"
  if (stat.dates / stat.present >= 0.8) return "date"
  return "text"
}

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

export interface PreviewProblem {
  readonly severity: "critical" | "warning"
  readonly stage: string
  readonly row: number | null
  readonly column: string | null
  readonly value: string | null
  readonly rule: string
  readonly message: string
}

/** What a run of the file would see. */
export interface FilePreview {
  readonly fileName: string
  readonly format: string | null
  readonly profile: string
  readonly department: string | null
  readonly headers: ReadonlyArray<string>
  readonly fingerprint: string | null
  readonly detectedProfile: string | null
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>
  readonly rows: Capture["rows"]
  readonly rowCount: number
  /** the title rows skipped above the header, and a delimited file's decimal mark (null for other formats) */
  readonly reading: { readonly titleRows: number; readonly decimalMark: "." | "," | null }
  /** the first PREVIEW_PROBLEMS problems, a failed stage first */
  readonly problems: ReadonlyArray<PreviewProblem>
  readonly problemCount: number
  readonly missingColumns: ReadonlyArray<string>
  /** per missing column, the file's headers that may be it, best first */
  readonly suggestions: Readonly<Record<string, ReadonlyArray<string>>>
  readonly rememberedMapping: StoredColumnMapping | null
  /** no stage failed and no profile column is missing */
  readonly ready: boolean
}

export interface PreviewFile {
  readonly fileName: string
  readonly bytes: Uint8Array
  /** a profile of the registry, or "auto" */
  readonly profile: string
  /** the department it comes from: its remembered column mappings apply */
  readonly department?: string | undefined
}

/**
 * Previews `file` (see above). An unknown profile is an UploadRejected; a file the pipeline
 * refuses is a RequestError, one past a limit of its thread a FileLimitExceeded; a thread that
 * stopped for another reason is a defect (the server's failure, not the file's).
 */
export const previewFile = Effect.fn("Preview.previewFile")(function* (file: PreviewFile) {
  const settings = yield* UploadSettings
  const { registry } = settings
  yield* checkUploadProfile(file.profile)
  const remembered = yield* rememberedFor(file.department, file.profile)
  let applied: StoredColumnMapping | undefined
  const columnMapping: ColumnMappingSource = ({ fingerprint }) =>
    Effect.sync(() => {
      applied = remembered.get(fingerprint)
      return applied?.mapping
    })
  const request = { fileName: file.fileName, bytes: file.bytes, profile: file.profile, columnMapping }
  const { result, capture } = yield* (
    settings.isolation === undefined
      ? runPreview(registry, request)
      : runPreviewIsolated({ ...request, file: file.bytes, isolation: settings.isolation })
  ).pipe(Effect.catchTag("IsolatedTaskFailed", (error) => Effect.die(error)))

  const standardize = result.stages.find((step) => step.name === "standardize_results")?.log ?? {}
  const headers = Array.isArray(standardize.header) ? (standardize.header as Array<string>) : []
  const profile: Profile | undefined = result.profile === null ? undefined : registry.profiles.get(result.profile)
  const mapped = applied === undefined ? headers : mapHeaders(headers, applied.mapping)
  const missing = profile === undefined || headers.length === 0 ? [] : missingColumns(profile, mapped)
  const ranked = profile === undefined || missing.length === 0 ? {} : suggestMappings(profile, mapped)
  const keys = profile?.keys ?? []
  const columns = (capture.columns.length > 0 ? capture.columns : ((standardize.columns as Array<string>) ?? [])).map(
    (name, i) => ({ name, type: columnType(name, capture.stats[i], keys) }),
  )
  // a site plugin written in plain JavaScript may report a number where text belongs: shown as text
  const text = (value: unknown) => (value === undefined || value === null ? null : String(value))
  const problems: Array<PreviewProblem> = result.problems.slice(0, PREVIEW_PROBLEMS).map((problem) => ({
    severity: "warning",
    stage: String(problem.stage),
    row: typeof problem.row === "number" ? problem.row : null,
    column: text(problem.column),
    value: text(problem.value),
    rule: String(problem.rule),
    message: String(problem.message),
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
  const preview: FilePreview = {
    fileName: file.fileName,
    format: result.format,
    profile: file.profile,
    department: file.department ?? null,
    headers,
    fingerprint: headers.length > 0 ? headerFingerprint(headers) : null,
    detectedProfile: result.profile,
    columns,
    rows: capture.rows,
    rowCount: typeof standardize.rows === "number" ? standardize.rows : capture.rows.length,
    reading: {
      titleRows: typeof standardize.titleRows === "number" ? standardize.titleRows : 0,
      decimalMark: standardize.decimalMark === "," || standardize.decimalMark === "." ? standardize.decimalMark : null,
    },
    problems,
    problemCount: result.problemCount + (result.incident === null ? 0 : 1),
    missingColumns: missing,
    suggestions: Object.fromEntries(
      Object.entries(ranked).map(([column, list]) => [column, list.map((s) => s.header)]),
    ),
    rememberedMapping: applied ?? null,
    ready: result.incident === null && missing.length === 0,
  }
  return preview
})
