/**
 * `ingest_department`: ingests department sources, each by its kind (simulated sample data, a
 * directory inbox, a url). Without `sourceIds` or `codes` it ingests every enabled source (the
 * seeded "all departments" job). One source failing does not stop the others; the run fails
 * at the end, naming each source that failed, so its incident says what to look at.
 */
import { defineAutomation } from "@batchops/core"
import { Effect } from "effect"
import { chooseSources, ingestEach, sourceSelection } from "./Sources.js"

export const IngestParams = sourceSelection("sources to ingest", "ADM")

export type IngestParams = typeof IngestParams.Type

export const ingestDepartment = defineAutomation({
  key: "ingest_department",
  description:
    "Ingests department sources (simulated sample data, a directory inbox, a url) into department records " +
    "or uploads. Without sourceIds or codes: every enabled source.",
  params: IngestParams,
  // by hand: taking a department's files in is everyone's work, as uploading is
  runByHand: "any",
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params)
      const results = yield* ingestEach(sources, context, { verb: "ingest", counted: "sources" })
      return { sources: sources.length, results }
    }),
})
