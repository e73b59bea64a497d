/**
 * Ingesting one department source, by its kind. `ingest_department` runs the sources it is
 * given through these; `schedule_file_ingest` and `run_web_scrape` run the directory and url
 * sources through the same functions, so a source ingests the same way whichever job runs it.
 */
import { type AutomationContext, AutomationError, DepartmentsRepo, type Models } from "@batchops/core"
import { Clock, Effect, Option, Schema } from "effect"
import { ingestDirectorySource } from "./DirectorySource.js"
import { SimulatedSettings, simulatedRecords } from "./SimulatedFeed.js"
import { checkSourceSettings, type SourceIngester, type SourceIngestResult } from "./SourceIngester.js"
import { ingestUrlSource } from "./UrlSource.js"

/** A simulated source: the feed's sample records for now, stored by key (the same day updates). */
export const ingestSimulatedSource: SourceIngester = (source, context) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    const settings = Schema.decodeUnknownSync(SimulatedSettings)(source.settings)
    const now = new Date(yield* Clock.currentTimeMillis)
    const records = simulatedRecords(settings, now)
    const counts = yield* departments
      .upsertRecords(source.id, records)
      .pipe(
        Effect.mapError(
          (error) => new AutomationError({ message: `cannot store the records of ${source.code}: ${error.message}` }),
        ),
      )
    yield* context.log(
      `${source.code}: ${records.length} ${settings.feed} records, ${counts.inserted} new, ${counts.updated} updated`,
    )
    return { feed: settings.feed, records: records.length, ...counts }
  })

export const sourceIngesters: Readonly<Record<Models.SourceKind, SourceIngester>> = {
  simulated: ingestSimulatedSource,
  directory: ingestDirectorySource,
  url: ingestUrlSource,
}

/** Ingests one source by its kind, after checking its settings. */
export const ingestSource: SourceIngester = (source, context) =>
  Effect.andThen(checkSourceSettings(source), sourceIngesters[source.kind](source, context))

const Ids = Schema.Array(Schema.String.check(Schema.isNonEmpty()))

/** The parameters naming the sources a run takes: `sourceIds` and/or `codes` (default: all of its kind). */
export const sourceSelection = (what: string, example: string) =>
  Schema.Struct({
    sourceIds: Schema.optionalKey(Ids.annotate({ description: `the ids of the ${what}` })),
    codes: Schema.optionalKey(Ids.annotate({ description: `the codes of the ${what} (e.g. ${example})` })),
  })

export interface SourceSelection {
  readonly sourceIds?: ReadonlyArray<string> | undefined
  readonly codes?: ReadonlyArray<string> | undefined
}

const storeFailed = (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot read the department sources: ${error.message}`, cause: error })

/**
 * The sources a run takes: those named (each must exist; named twice, taken once), or, when
 * none is named, every enabled source (of `kind` when given).
 */
export const chooseSources = (selection: SourceSelection, kind?: Models.SourceKind) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    if (selection.sourceIds === undefined && selection.codes === undefined) {
      const page = yield* departments.listSources({ limit: 10_000, offset: 0 }).pipe(Effect.mapError(storeFailed))
      return page.items.filter((source) => source.enabled && (kind === undefined || source.kind === kind))
    }
    const chosen: Array<Models.DepartmentSource> = []
    const missing: Array<string> = []
    for (const id of selection.sourceIds ?? []) {
      const found = yield* departments.getSource(id).pipe(Effect.mapError(storeFailed))
      if (Option.isSome(found)) chosen.push(found.value)
      else missing.push(`id ${id}`)
    }
    for (const code of selection.codes ?? []) {
      const found = yield* departments.getSourceByCode(code).pipe(Effect.mapError(storeFailed))
      if (Option.isSome(found)) chosen.push(found.value)
      else missing.push(`code ${code}`)
    }
    if (missing.length > 0) {
      return yield* new AutomationError({ message: `no department source with ${missing.join(", ")}` })
    }
    return chosen.filter((source, index) => chosen.findIndex((other) => other.id === source.id) === index)
  })

export interface IngestEachOptions {
  /** the step of a source is `<verb> <code>` */
  readonly verb: string
  /** only sources of this kind: a named source of another kind fails (its own failure) */
  readonly kind?: Models.SourceKind | undefined
  /** what the failure message counts: "sources", "url sources" */
  readonly counted: string
}

/**
 * Ingests each source in turn, a step each. A disabled source is skipped; one failing does not
 * stop the others, and the run then fails at the end naming each source that failed, so its
 * incident says what to look at. Returns each source's result by code.
 */
export const ingestEach = (
  sources: ReadonlyArray<Models.DepartmentSource>,
  context: AutomationContext,
  options: IngestEachOptions,
) =>
  Effect.gen(function* () {
    const failures: Array<string> = []
    const results: Record<string, SourceIngestResult> = {}
    for (const source of sources) {
      const step = `${options.verb} ${source.code}`
      if (!source.enabled) {
        yield* context.step(step, { source_id: source.id, skipped: "disabled" })
        results[source.code] = { skipped: "disabled" }
        continue
      }
      const ingest =
        options.kind === undefined || source.kind === options.kind
          ? ingestSource(source, context)
          : Effect.fail(
              new AutomationError({
                message: `source ${source.code} is a ${source.kind} source, not a ${options.kind} source`,
              }),
            )
      const result = yield* Effect.result(ingest)
      if (result._tag === "Success") {
        results[source.code] = result.success
        yield* context.step(step, { source_id: source.id, kind: source.kind, ...result.success })
      } else {
        failures.push(result.failure.message)
        results[source.code] = { error: result.failure.message }
        yield* context.step(step, { source_id: source.id, kind: source.kind, error: result.failure.message })
        yield* context.log(`${source.code} failed: ${result.failure.message}`)
      }
    }
    if (failures.length > 0) {
      return yield* new AutomationError({
        message: `${failures.length} of ${sources.length} ${options.counted} failed: ${failures.join("; ")}`,
      })
    }
    return results
  })
