/**
 * `schedule_file_ingest`: takes the files dropped into the inbox folders of `directory`
 * department sources, each as an upload through the normal pipeline (see `DirectorySource.ts`
 * for what happens to each file). Without `sourceIds` or `codes` it takes from every enabled
 * directory source; with none, it succeeds saying there was nothing to do. One source failing
 * does not stop the others; the run fails at the end, naming each source that failed.
 */
import { defineAutomation } from "@batchops/core"
import { Effect } from "effect"
import { chooseSources, ingestEach, sourceSelection } from "./Sources.js"

export const FileIngestParams = sourceSelection("directory sources to take files from", "REG")

export type FileIngestParams = typeof FileIngestParams.Type

const TOTALS = ["submitted", "duplicates", "failed", "waiting"] as const

export const scheduleFileIngest = defineAutomation({
  key: "schedule_file_ingest",
  description:
    "Takes the files dropped into the inbox folders of directory department sources: each stable file is " +
    "submitted as an upload (then moved to processed/), the same content is never submitted twice " +
    "(duplicates/), a refused file goes to failed/ with the reason. Without sourceIds or codes: every " +
    "enabled directory source.",
  params: FileIngestParams,
  // by hand: taking a department's files in is everyone's work, as uploading is
  runByHand: "any",
  run: (params, context) =>
    Effect.gen(function* () {
      const sources = yield* chooseSources(params, "directory")
      if (sources.length === 0) {
        yield* context.log("no enabled directory sources: nothing to do")
        return { sources: 0, submitted: 0, duplicates: 0, failed: 0, waiting: 0, results: {} }
      }
      const results = yield* ingestEach(sources, context, { verb: "ingest", kind: "directory", counted: "sources" })
      const totals: Record<(typeof TOTALS)[number], number> = { submitted: 0, duplicates: 0, failed: 0, waiting: 0 }
      for (const result of Object.values(results)) {
        for (const key of TOTALS) {
          const value = result[key]
          if (typeof value === "number") totals[key] += value
        }
      }
      return { sources: sources.length, ...totals, results }
    }),
})
