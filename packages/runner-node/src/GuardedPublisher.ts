/**
 * The reports of one upload's run: written to the upload's own folder (its reports keep their
 * plain names), and renamed into place only when the worker still holds the upload, then
 * handed to the host to store. Used in place (UploadRunner.ts) and in the file's isolated
 * thread (PipelineThread.ts).
 */
import { type PublishError, type PublishedReports, ReportPublisher } from "@batchops/core"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

export interface PublishGuard {
  /** false: another worker runs the upload now, and nothing is published (the run is stopped) */
  readonly mayPublish: Effect.Effect<boolean>
  /** stores what was published; its failure is the publish stage's */
  readonly published: (reports: PublishedReports, rows: number) => Effect.Effect<void, PublishError>
}

export const guardedPublisher = (dir: string, guard: PublishGuard) => {
  const directory = DirectoryPublisher.make(dir, { layout: "flat" })
  return ReportPublisher.of({
    open: (request) =>
      Effect.map(directory.open(request), (session) => ({
        ...session,
        finish: (result) =>
          Effect.gen(function* () {
            if (!(yield* guard.mayPublish)) return yield* Effect.never
            const reports = yield* session.finish(result)
            yield* guard.published(reports, result.datasetRows)
            return reports
          }),
      })),
  })
}
