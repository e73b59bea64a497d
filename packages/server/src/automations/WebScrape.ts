/**
 * `run_web_scrape`: scrapes the `url` department sources (a table of a page, the CSV a page
 * links to, or a CSV file) into department records or uploads, each through the same ingest
 * as `ingest_department` (settings checked first). Without `sourceIds` or `codes` it scrapes
 * every enabled url source. One source failing does not stop the others; the run fails at the
 * end, naming each source that failed, so its incident says what to look at.
 *
 * Only hosts listed in `BATCHOPS_SCRAPE_ALLOWED_HOSTS` are fetched (see `UrlSource.ts`).
 */
import { AutomationError, DepartmentsRepo, defineAutomation, type Models } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { ingestSource } from "./Sources.js"

const Ids = Schema.Array(Schema.String.check(Schema.isNonEmpty()))

export const WebScrapeParams = Schema.Struct({
  sourceIds: Schema.optionalKey(Ids.annotate({ description: "the ids of the url sources to scrape" })),
  codes: Schema.optionalKey(Ids.annotate({ description: "the codes of the url sources to scrape (e.g. LIB)" })),
})

export type WebScrapeParams = typeof WebScrapeParams.Type

const storeFailed = (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot read the department sources: ${error.message}`, cause: error })

/** The sources a run scrapes: those named (all must exist and be url sources), or every enabled url source. */
const chooseSources = (params: WebScrapeParams) =>
  Effect.gen(function* () {
    const departments = yield* DepartmentsRepo
    if (params.sourceIds === undefined && params.codes === undefined) {
      const page = yield* departments.listSources({ limit: 10_000, offset: 0 }).pipe(Effect.mapError(storeFailed))
      return page.items.filter((source) => source.enabled && source.kind === "url")
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
    const notUrl = chosen.filter((source) => source.kind !== "url")
    if (notUrl.length > 0) {
      return yield* new AutomationError({
        message:
          `run_web_scrape only scrapes url sources; ${notUrl.map((source) => `${source.code} is a ${source.kind} source`).join(", ")} ` +
          "(ingest_department ingests every kind)",
      })
    }
    return chosen.filter((source, index) => chosen.findIndex((other) => other.id === source.id) === index)
  })

export const webScrape = defineAutomation({
  key: "run_web_scrape",
  description:
    "Scrapes the url department sources (a table of a page, the CSV a page links to, or a CSV file) into " +
    "department records or uploads; only hosts in BATCHOPS_SCRAPE_ALLOWED_HOSTS are fetched. Without sourceIds " +
    "or codes: every enabled url source.",
  params: WebScrapeParams,
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params)
      if (sources.length === 0) {
        yield* context.log("no enabled url sources: nothing to scrape")
        return { sources: 0, results: {} }
      }
      const failures: Array<string> = []
      const results: Record<string, unknown> = {}
      for (const source of sources) {
        if (!source.enabled) {
          yield* context.step(`scrape ${source.code}`, { source_id: source.id, skipped: "disabled" })
          results[source.code] = { skipped: "disabled" }
          continue
        }
        const result = yield* Effect.result(ingestSource(source, context))
        if (result._tag === "Success") {
          results[source.code] = result.success
          yield* context.step(`scrape ${source.code}`, { source_id: source.id, ...result.success })
        } else {
          failures.push(result.failure.message)
          results[source.code] = { error: result.failure.message }
          yield* context.step(`scrape ${source.code}`, { source_id: source.id, error: result.failure.message })
          yield* context.log(`${source.code} failed: ${result.failure.message}`)
        }
      }
      if (failures.length > 0) {
        return yield* new AutomationError({
          message: `${failures.length} of ${sources.length} url sources failed: ${failures.join("; ")}`,
        })
      }
      return { sources: sources.length, results }
    }),
})
