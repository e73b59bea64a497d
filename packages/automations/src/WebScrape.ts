/**
 * `run_web_scrape`: scrapes the `url` department sources (a table of a page, the CSV a page
 * links to, or a CSV file) into department records or uploads, each through the same ingest
 * as `ingest_department` (settings checked first). Without `sourceIds` or `codes` it scrapes
 * every enabled url source. One source failing does not stop the others; the run fails at the
 * end, naming each source that failed, so its incident says what to look at.
 *
 * Only hosts listed in `BATCHOPS_SCRAPE_ALLOWED_HOSTS` are fetched (see `UrlSource.ts`).
 */
import { defineAutomation } from "@batchops/core"
import { Effect } from "effect"
import { chooseSources, ingestEach, sourceSelection } from "./Sources.js"

export const WebScrapeParams = sourceSelection("url sources to scrape", "LIB")

export type WebScrapeParams = typeof WebScrapeParams.Type

export const webScrape = defineAutomation({
  key: "run_web_scrape",
  description:
    "Scrapes the url department sources (a table of a page, the CSV a page links to, or a CSV file) into " +
    "department records or uploads; only hosts in BATCHOPS_SCRAPE_ALLOWED_HOSTS are fetched. Without sourceIds " +
    "or codes: every enabled url source.",
  params: WebScrapeParams,
  // by hand: it only fetches from the hosts the admins allowed
  runByHand: "any",
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params, "url")
      if (sources.length === 0) {
        yield* context.log("no enabled url sources: nothing to scrape")
        return { sources: 0, results: {} }
      }
      const results = yield* ingestEach(sources, context, { verb: "scrape", kind: "url", counted: "url sources" })
      return { sources: sources.length, results }
    }),
})
