/**
 * Ingesting one department source, by its kind. `ingest_department` runs the sources it is
 * given through these; `schedule_file_ingest` and `run_web_scrape` run the directory and url
 * sources through the same functions, so a source ingests the same way whichever job runs it.
 */
import {
  type AutomationContext,
  AutomationError,
  type AutomationServices,
  DepartmentsRepo,
  type Models,
  SimulatedSettings,
  simulatedRecords,
  sourceSettingsProblem,
} from "@batchops/core"
import { Clock, Effect, Schema } from "effect"
import { ingestDirectorySource } from "./DirectorySource.js"
import { ingestUrlSource } from "./UrlSource.js"

/** What ingesting one source did (counts and short facts, shown on the run). */
export type SourceIngestResult = Readonly<Record<string, unknown>>

export type SourceIngester = (
  source: Models.DepartmentSource,
  context: AutomationContext,
) => Effect.Effect<SourceIngestResult, AutomationError, AutomationServices>

/** Settings that do not suit the source's kind fail the ingest of that source, naming the setting. */
export const checkSourceSettings = (source: Models.DepartmentSource) => {
  const problem = sourceSettingsProblem(source.kind, source.settings)
  return problem === undefined
    ? Effect.void
    : Effect.fail(new AutomationError({ message: `source ${source.code} (${source.name}): ${problem}` }))
}

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
