/**
 * The worker thread one untrusted file runs in (started by IsolatedPipeline.ts, built by tsup
 * as its own entry): it builds the registry itself (BatchOps' built-ins, the parsers and the
 * site plugins module it is given), runs the pipeline or a preview over the file, and asks the
 * host for what touches the database: step logs, remembered column mappings, whether it may
 * still publish, and storing the published reports.
 */
import {
  type ColumnMappingSource,
  type Plugin,
  PublishError,
  type Registry,
  ReportPublisher,
  type ResumePoint,
  runPipeline,
  type StepEvent,
  sourceFromBytes,
} from "@batchops/core"
import { Effect } from "effect"
import { diskCheckpoints, readCheckpoint } from "./Checkpoints.js"
import { guardedPublisher } from "./GuardedPublisher.js"
import type { FileTaskInput } from "./IsolatedPipeline.js"
import { type IsolatedHost, serveIsolated } from "./Isolation.js"
import { runPreview } from "./PreviewRun.js"
import { pipelineRegistry } from "./Registry.js"
import { readOriginalFile } from "./UploadStore.js"

/** The file's bytes: as posted, or the stored original, read and checked here (off the host's thread). */
const bytesOf = (input: FileTaskInput) =>
  input.file instanceof Uint8Array
    ? Effect.succeed(input.file)
    : readOriginalFile(input.file.path, { id: input.file.uploadId, sha256: input.file.sha256 })

/** Registries built in this thread, by plugins module and parser limits: a warm thread runs many files. */
const registries = new Map<string, Registry>()

/** The registry of the host: the built-ins within the host's parser limits, and the site plugins of `input.plugins`. */
const registryFor = (input: FileTaskInput) =>
  Effect.gen(function* () {
    const key = `${input.plugins ?? ""} ${JSON.stringify(input.parserLimits ?? {})}`
    const built = registries.get(key)
    if (built !== undefined) return built
    const plugins =
      input.plugins === undefined
        ? []
        : yield* Effect.promise(
            () => import(input.plugins!) as Promise<{ readonly plugins: ReadonlyArray<Plugin> }>,
          ).pipe(Effect.map((module) => module.plugins))
    const registry = yield* Effect.orDie(pipelineRegistry(plugins, input.parserLimits))
    registries.set(key, registry)
    return registry
  })

/** The mapping of the request, or the host's remembered mappings, asked for when needed. */
const mappingFor = (input: FileTaskInput, host: IsolatedHost): ColumnMappingSource | undefined =>
  input.columnMapping === "ask"
    ? (request) =>
        host.call("columnMapping", request).pipe(
          Effect.map((mapping) => mapping as Record<string, string> | undefined),
          // the lookup cannot fail the run: without the remembered mapping the header reads as sent
          Effect.orElseSucceed(() => undefined),
        )
    : input.columnMapping

/** The upload's reports, published only while the host still holds the upload, then stored by it. */
const publisherFor = (dir: string, host: IsolatedHost) =>
  guardedPublisher(dir, {
    mayPublish: host.call("mayPublish").pipe(
      Effect.map((held) => held === true),
      Effect.orElseSucceed(() => false),
    ),
    published: (reports, rows) =>
      host
        .call("published", { reports, rows })
        .pipe(Effect.mapError((error) => new PublishError({ message: error.message }))),
  })

const pipeline = (value: unknown, host: IsolatedHost) =>
  Effect.gen(function* () {
    const input = value as FileTaskInput
    const registry = yield* registryFor(input)
    const bytes = yield* bytesOf(input)
    const store = input.checkpoints === undefined ? undefined : diskCheckpoints(input.checkpoints)
    let resume: ResumePoint | undefined
    let reused = 0
    if (input.resume !== undefined && input.checkpoints !== undefined) {
      const { after, steps } = input.resume
      const index = registry.stages.findIndex((stage) => stage.name === after)
      const stored = yield* readCheckpoint(input.checkpoints, index, after)
      resume = { after, snapshot: stored.snapshot, next: stored.next, steps }
      reused = index + 1
    }
    const stages = registry.stages.length - reused
    return yield* runPipeline(registry, {
      source: sourceFromBytes(input.fileName, bytes),
      profile: input.profile,
      plan: input.plan,
      // with the number of stages that run, so the host can tell which stage a limit stopped
      onStep: (event: StepEvent) => host.call("step", { event, stages }).pipe(Effect.ignore),
      checkpoints: store,
      resume,
      maxChange: input.maxChange,
      columnMapping: mappingFor(input, host),
    }).pipe(
      Effect.provideService(
        ReportPublisher,
        input.reportDir === undefined
          ? { open: () => Effect.die(new Error("this run publishes nothing")) }
          : publisherFor(input.reportDir, host),
      ),
      Effect.ensuring(Effect.sync(() => store?.close())),
    )
  })

const preview = (value: unknown, host: IsolatedHost) =>
  Effect.gen(function* () {
    const input = value as FileTaskInput
    const registry = yield* registryFor(input)
    return yield* runPreview(registry, {
      fileName: input.fileName,
      bytes: yield* bytesOf(input),
      profile: input.profile,
      columnMapping: mappingFor(input, host),
    })
  })

serveIsolated({ pipeline, preview })
