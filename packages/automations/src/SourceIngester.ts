/**
 * What every kind of department source has in common: the function that ingests one source, and
 * the check of its settings that comes first. The kinds (`Sources`, `DirectorySource`,
 * `UrlSource`) import this module, never each other.
 */
import { type AutomationContext, AutomationError, type AutomationServices, type Models } from "@batchops/core"
import { Effect } from "effect"
import { sourceSettingsProblem } from "./SourceSettings.js"

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
