/**
 * `schedule_file_ingest`: takes the files dropped into the inbox folders of `directory`
 * department sources, each as an upload through the normal pipeline (see `DirectorySource.ts`
 * for what happens to each file). Without `sourceIds` or `codes` it takes from every enabled
 * directory source; with none, it succeeds saying there was nothing to do. One source failing
 * does not stop the others; the run fails at the end, naming each source that failed.
 */
import { AutomationError, DepartmentsRepo, defineAutomation, type Models } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { ingestSource } from "./Sources.js"

const Ids = Schema.Array(Schema.String.check(Schema.isNonEmpty()))

export const FileIngestParams = Schema.Struct({
  sourceIds: Schema.optionalKey(Ids.annotate({ description: "the ids of the directory sources to take files from" })),
  codes: Schema.optionalKey(Ids.annotate({ description: "the codes of the directory sources (e.g. REG)" })),
})

export type FileIngestParams = typeof FileIngestParams.Type

const storeFailed = (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot read the department sources: ${error.message}`, cause: error })

/** The sources a run takes files from: those named (all must exist), or every enabled directory source. */
const chooseSources = (params: FileIngestParams) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    if (params.sourceIds === undefined && params.codes === undefined) {
      const page = yield* departments.listSources({ limit: 10_000, offset: 0 }).pipe(Effect.mapError(storeFailed))
      return page.items.filter((source) => source.enabled && source.kind === "directory")
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

const TOTALS = ["submitted", "duplicates", "failed", "waiting"] as const

export const scheduleFileIngest = defineAutomation({
  key: "schedule_file_ingest",
  description:
    "Takes the files dropped into the inbox folders of directory department sources: each stable file is " +
    "submitted as an upload (then moved to processed/), the same content is never submitted twice " +
    "(duplicates/), a refused file goes to failed/ with the reason. Without sourceIds or codes: every " +
    "enabled directory source.",
  params: FileIngestParams,
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params)
      if (sources.length === 0) {
        yield* context.log("no enabled directory sources: nothing to do")
        return { sources: 0, submitted: 0, duplicates: 0, failed: 0, waiting: 0, results: {} }
      }
      const failures: Array<string> = []
      const results: Record<string, unknown> = {}
      const totals: Record<(typeof TOTALS)[number], number> = { submitted: 0, duplicates: 0, failed: 0, waiting: 0 }
      for (const source of sources) {
        if (!source.enabled) {
          yield* context.step(`ingest ${source.code}`, { source_id: source.id, skipped: "disabled" })
          continue
        }
        const result = yield* Effect.result(
          source.kind === "directory"
            ? ingestSource(source, context)
            : Effect.fail(
                new AutomationError({
                  message: `source ${source.code} is a ${source.kind} source, not a directory source`,
                }),
              ),
        )
        if (result._tag === "Success") {
          results[source.code] = result.success
          for (const key of TOTALS) {
            const value = result.success[key]
            if (typeof value === "number") totals[key] += value
          }
          yield* context.step(`ingest ${source.code}`, { source_id: source.id, ...result.success })
        } else {
          failures.push(result.failure.message)
          results[source.code] = { error: result.failure.message }
          yield* context.step(`ingest ${source.code}`, { source_id: source.id, error: result.failure.message })
          yield* context.log(`${source.code} failed: ${result.failure.message}`)
        }
      }
      if (failures.length > 0) {
        return yield* new AutomationError({
          message: `${failures.length} of ${sources.length} sources failed: ${failures.join("; ")}`,
        })
      }
      return { sources: sources.length, ...totals, results }
    }),
})
