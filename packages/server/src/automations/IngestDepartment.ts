/**
 * `ingest_department`: ingests department sources, each by its kind (simulated sample data, a
 * directory inbox, a url). Without `sourceIds` or `codes` it ingests every enabled source (the
 * seeded "all departments" job). One source failing does not stop the others; the run fails
 * at the end, naming each source that failed, so its incident says what to look at.
 */
import { AutomationError, DepartmentsRepo, defineAutomation, type Models } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { ingestSource } from "./Sources.js"

const Ids = Schema.Array(Schema.String.check(Schema.isNonEmpty()))

export const IngestParams = Schema.Struct({
  sourceIds: Schema.optionalKey(Ids.annotate({ description: "the ids of the sources to ingest" })),
  codes: Schema.optionalKey(Ids.annotate({ description: "the codes of the sources to ingest (e.g. ADM)" })),
})

export type IngestParams = typeof IngestParams.Type

const storeFailed = (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot read the department sources: ${error.message}`, cause: error })

/** The sources a run ingests: those named (all must exist), or every enabled source. */
const chooseSources = (params: IngestParams) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    if (params.sourceIds === undefined && params.codes === undefined) {
      const page = yield* departments.listSources({ limit: 10_000, offset: 0 }).pipe(Effect.mapError(storeFailed))
      return page.items.filter((source) => source.enabled)
    }
    const chosen: Array<Models.DepartmentSource> = []
    const missing: Array<string> = []
    for (const id of params.sourceIds ?? []) {
      const found = yield* departments.getSource(id).pipe(Effect.mapError(storeFailed))
      if (Option.isSome(found)) chosen.push(found.value)
      else missing.push(`id ${id}`)
    }
    for (const code of params.codes ?? []) {
      const found = yield* departments.getSourceByCode(code).pipe(Effect.mapError(storeFailed))
      if (Option.isSome(found)) chosen.push(found.value)
      else missing.push(`code ${code}`)
    }
    if (missing.length > 0) {
      return yield* new AutomationError({ message: `no department source with ${missing.join(", ")}` })
    }
    return chosen.filter((source, index) => chosen.findIndex((other) => other.id === source.id) === index)
  })

export const ingestDepartment = defineAutomation({
  key: "ingest_department",
  description:
    "Ingests department sources (simulated sample data, a directory inbox, a url) into department records " +
    "or uploads. Without sourceIds or codes: every enabled source.",
  params: IngestParams,
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params)
      const failures: Array<string> = []
      const results: Record<string, unknown> = {}
      for (const source of sources) {
        if (!source.enabled) {
          yield* context.step(`ingest ${source.code}`, { source_id: source.id, skipped: "disabled" })
          continue
        }
        const result = yield* Effect.result(ingestSource(source, context))
        if (result._tag === "Success") {
          results[source.code] = result.success
          yield* context.step(`ingest ${source.code}`, { source_id: source.id, kind: source.kind, ...result.success })
        } else {
          failures.push(result.failure.message)
          results[source.code] = { error: result.failure.message }
          yield* context.step(`ingest ${source.code}`, {
            source_id: source.id,
            kind: source.kind,
            error: result.failure.message,
          })
          yield* context.log(`${source.code} failed: ${result.failure.message}`)
        }
      }
      if (failures.length > 0) {
        return yield* new AutomationError({
          message: `${failures.length} of ${sources.length} sources failed: ${failures.join("; ")}`,
        })
      }
      return { sources: sources.length, results }
    }),
})
