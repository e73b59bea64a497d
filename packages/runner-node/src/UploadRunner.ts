/**
 * The host's UploadRunner (core's port): an upload's file runs in an isolated worker thread with
 * limits (IsolatedPipeline.ts), or in this thread when the settings give no isolation. The
 * original is read from the uploads folder, stage outputs are stored beside it for resuming
 * (Checkpoints.ts), and the reports are written to the upload's own export folder, then stored
 * on its row. The worker's rules are core's (`processNextUpload`).
 */
import { readFile } from "node:fs/promises"
import path from "node:path"
import {
  type FileSource,
  PublishError,
  type PublishedReports,
  ReportPublisher,
  runPipeline,
  sourceFromBytes,
  type UploadRun,
  UploadRunner,
} from "@batchops/core"
import { Effect, Layer, Stream } from "effect"
import { checkpointDir, diskCheckpoints } from "./Checkpoints.js"
import { guardedPublisher } from "./GuardedPublisher.js"
import { runPipelineIsolated } from "./IsolatedPipeline.js"
import { UploadSettings, type UploadSettingsShape } from "./UploadSettings.js"
import { originalPath, readOriginal } from "./UploadStore.js"

/** The report directory of one upload (so two uploads of the same file name never collide). */
export const uploadExportDir = (exportDir: string, uploadId: string): string => path.join(exportDir, uploadId)

/** Resumes after the event loop has run its timers and I/O (setImmediate). */
const nextTurn = Effect.promise(() => new Promise<void>((resume) => setImmediate(resume)))

/**
 * The upload's bytes as a FileSource whose stream lets the event loop turn between chunks: the
 * bytes are in memory, so parsing them would otherwise hold the loop for the whole file, and
 * the lease heartbeat (a timer, then a query) could not run during a long run.
 */
const uploadSource = (name: string, bytes: Uint8Array): FileSource => {
  const source = sourceFromBytes(name, bytes)
  return { ...source, stream: () => Stream.mapEffect(source.stream(), (chunk) => Effect.as(nextTurn, chunk)) }
}

/** The written reports' bytes and paths, for the upload's row. */
const readReports = (reports: PublishedReports) =>
  Effect.tryPromise({
    try: () => Promise.all([readFile(reports.csv), readFile(reports.pdf)]),
    catch: (cause) => new PublishError({ message: `cannot read the published reports back: ${cause}` }),
  }).pipe(
    Effect.map(([csv, pdf]) => ({
      csv: new Uint8Array(csv),
      pdf: new Uint8Array(pdf),
      csvPath: reports.csv,
      pdfPath: reports.pdf,
    })),
  )

/** The upload's reports, published only while the worker still holds the upload, then stored on its row. */
const storingPublisher = (run: UploadRun, outDir: string) =>
  guardedPublisher(outDir, {
    mayPublish: run.mayPublish,
    published: (reports, rows) => Effect.flatMap(readReports(reports), (stored) => run.storeReports(stored, rows)),
  })

const runUpload = (settings: UploadSettingsShape, run: UploadRun) =>
  Effect.gen(function* () {
    const { upload, resume } = run
    const checkpoints = checkpointDir(settings.uploadsDir, upload.id)
    const reportDir = uploadExportDir(settings.exportDir, upload.id)
    const plan = { mode: upload.processMode, config: upload.processConfig }
    if (settings.isolation !== undefined) {
      return yield* runPipelineIsolated({
        isolation: settings.isolation,
        fileName: upload.fileName,
        // the thread reads (and checks) the original: its bytes never load this thread
        file: { path: originalPath(settings.uploadsDir, upload), uploadId: upload.id, sha256: upload.sha256 },
        profile: upload.profile,
        plan,
        onStep: run.onStep,
        checkpoints,
        // the thread reads the stored output itself
        resume:
          resume === undefined
            ? undefined
            : {
                after: resume.after,
                steps: resume.steps.map(({ name, durationMs, log }) => ({ name, durationMs, log })),
              },
        maxChange: run.maxChange,
        columnMapping: run.columnMapping,
        reportDir,
        publish: {
          mayPublish: run.mayPublish,
          store: (reports, rows) => Effect.flatMap(readReports(reports), (stored) => run.storeReports(stored, rows)),
        },
      })
    }
    const bytes = yield* readOriginal(upload)
    const store = diskCheckpoints(checkpoints)
    return yield* runPipeline(settings.registry, {
      source: uploadSource(upload.fileName, bytes),
      profile: upload.profile,
      plan,
      onStep: run.onStep,
      checkpoints: store,
      resume,
      maxChange: run.maxChange,
      columnMapping: run.columnMapping,
    }).pipe(
      Effect.provideService(ReportPublisher, storingPublisher(run, reportDir)),
      Effect.ensuring(Effect.sync(store.close)),
    )
  })

/** Core's UploadRunner over the host's folders and file isolation (UploadSettings). */
export const uploadRunnerLayer = Layer.effect(
  UploadRunner,
  Effect.gen(function* () {
    const settings = yield* UploadSettings
    return UploadRunner.of({
      maxChange: settings.maxChange,
      run: (run) => runUpload(settings, run).pipe(Effect.provideService(UploadSettings, settings)),
    })
  }),
)
