/**
 * The promise API: BatchOps for code that does not use Effect. An instance holds the checked
 * plugins and the adapters (an Effect Layer, built once); `process(file)` runs the pipeline
 * and resolves with its result, step logs and reports included.
 */
import { readFile } from "node:fs/promises"
import { basename } from "node:path"
import { Cause, Effect, Exit, type Layer, ManagedRuntime } from "effect"
import { batchopsPlugin } from "../plugins/BuiltinPlugin.js"
import type { Plugin } from "../plugins/Plugin.js"
import { createRegistry, type Registry } from "../plugins/Registry.js"
import { fileErrorReason } from "../runtime/Failures.js"
import type { ColumnMapping } from "../uploads/ColumnMapping.js"
import { PublishError, RequestError } from "./Errors.js"
import { type FileSource, sourceFromBytes } from "./FileSource.js"
import { type PipelineRequest, type PipelineResult, runPipeline, type StepEvent } from "./Pipeline.js"
import { ReportPublisher } from "./ReportPublisher.js"

export interface BatchOpsOptions {
  /** plugins registered after BatchOps' own built-ins (`batchopsPlugin`), in this order */
  readonly plugins?: ReadonlyArray<Plugin> | undefined
  /** register `batchopsPlugin` first (default true); false to assemble every stage yourself */
  readonly builtins?: boolean | undefined
  /**
   * the adapters: a Layer providing the ReportPublisher that `publish_results` writes to,
   * e.g. `DirectoryPublisher.layer("reports")` from `@batchops/reports`. Built once, when
   * the instance is created, and released by `close()`.
   */
  readonly layer?: Layer.Layer<ReportPublisher, unknown> | undefined
}

export interface ProcessOptions {
  /** a profile id, or "auto"; default "gradebook" */
  readonly profile?: string | undefined
  /** the plan: `mode` (default "transform") and its `config` */
  readonly plan?: { readonly mode?: string | undefined; readonly config?: unknown } | undefined
  /** hold the run for approval when the plan would change more than this share (0..1) of the rows */
  readonly maxChange?: number | undefined
  /** rename source headers to profile columns when the header does not fit the requested profile */
  readonly columnMapping?: ColumnMapping | undefined
  /** called as each stage starts and finishes; a callback that throws stops the run, and `process` rejects with its error */
  readonly onStep?: ((event: StepEvent) => void) | undefined
}

/** A file to process: a path on disk, bytes with the file's name, or any FileSource. */
export type FileInput = string | { readonly name: string; readonly bytes: Uint8Array } | FileSource

export interface PluginInfo {
  readonly name: string
  readonly version: string | undefined
  readonly apiVersion: number
}

export interface ProfileInfo {
  readonly id: string
  readonly label: string
  readonly plugin: string
}

export interface PlanInfo {
  readonly id: string
  readonly label: string
  readonly description: string
  readonly output: "summary" | "dataset"
  readonly plugin: string
}

export interface BatchOps {
  /**
   * Run a file through the pipeline. Resolves for any file, good or bad: a bad file is a
   * `failed` result with an incident draft. Rejects only when the request itself is wrong: a
   * RequestError for an unknown profile or plan, an unreadable path or a closed instance, and
   * a PublishError when the run needed a ReportPublisher and none was given.
   */
  readonly process: (file: FileInput, options?: ProcessOptions) => Promise<PipelineResult>
  /** the registered plugins, in order */
  readonly plugins: ReadonlyArray<PluginInfo>
  /** the registered profiles, in registration order (a request may also name "auto": detect it from the header) */
  readonly profiles: ReadonlyArray<ProfileInfo>
  /** the plans a request may name as `plan.mode` */
  readonly plans: ReadonlyArray<PlanInfo>
  /** the checked registry, for hosts that also use the Effect API (`runPipeline`) */
  readonly registry: Registry
  /** Wait for runs in progress, then release the adapters. Later `process` calls reject. */
  readonly close: () => Promise<void>
}

const NO_PUBLISHER =
  'no report publisher: pass layer: DirectoryPublisher.layer("reports") (from @batchops/reports), ' +
  "or your own ReportPublisher, to createBatchOps"

/**
 * Stands in when no layer was given: a run that reaches a stage needing a publisher fails
 * there, and `process` rejects with this error rather than reporting the file as bad.
 */
const missingPublisher = (attempt: { opened: boolean }) =>
  ReportPublisher.of({
    open: () =>
      Effect.suspend(() => {
        attempt.opened = true
        return Effect.fail(new PublishError({ message: NO_PUBLISHER }))
      }),
  })

const readPath = async (path: string): Promise<FileSource> => {
  try {
    const buffer = await readFile(path)
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    return { ...sourceFromBytes(basename(path), bytes), path }
  } catch (error) {
    throw new RequestError({ message: `cannot read ${path}: ${fileErrorReason(error)}` })
  }
}

const toSource = async (file: FileInput): Promise<FileSource> => {
  if (typeof file === "string") return readPath(file)
  if (typeof file === "object" && file !== null && typeof file.name === "string") {
    if (file.bytes instanceof Uint8Array) return sourceFromBytes(file.name, file.bytes)
    if (typeof file.bytes === "function" && "head" in file && "stream" in file) return file
  }
  throw new RequestError({
    message: "process needs a path, { name, bytes } with the bytes as a Uint8Array, or a FileSource",
  })
}

/**
 * Create an instance: checks the plugins (rejecting with a PluginError that names the plugin
 * at fault) and builds the adapters (rejecting with the layer's error).
 */
export const createBatchOps = async (options: BatchOpsOptions = {}): Promise<BatchOps> => {
  const extra = options.plugins ?? []
  if (!Array.isArray(extra)) throw new TypeError("createBatchOps: plugins must be an array of plugins")
  const registry = await Effect.runPromise(
    createRegistry(options.builtins === false ? extra : [batchopsPlugin, ...extra]),
  )
  const runtime = options.layer === undefined ? undefined : ManagedRuntime.make(options.layer)
  // build the adapters now, so a broken one fails here rather than in the first run (what
  // was built of it before it failed is released by the build itself)
  if (runtime !== undefined) await runtime.context()

  let closing: Promise<void> | undefined
  const running = new Set<Promise<unknown>>()

  const run = async (file: FileInput, processOptions: ProcessOptions): Promise<PipelineResult> => {
    const source = await toSource(file)
    const { onStep } = processOptions
    // the first throw of the callback stops the run (its stages are undone) and is what
    // `process` rejects with; the callback is not called again
    let thrown: { readonly error: unknown } | undefined
    const report = (event: StepEvent) =>
      Effect.suspend(() => {
        if (onStep === undefined || thrown !== undefined) return Effect.void
        try {
          onStep(event)
          return Effect.void
        } catch (error) {
          thrown = { error }
          return Effect.die(error)
        }
      })
    const request: PipelineRequest = {
      source,
      ...(processOptions.profile === undefined ? {} : { profile: processOptions.profile }),
      ...(processOptions.plan === undefined ? {} : { plan: processOptions.plan }),
      ...(processOptions.maxChange === undefined ? {} : { maxChange: processOptions.maxChange }),
      ...(processOptions.columnMapping === undefined ? {} : { columnMapping: processOptions.columnMapping }),
      ...(onStep === undefined ? {} : { onStep: report }),
    }
    const pipeline = runPipeline(registry, request)
    const attempt = { opened: false }
    const outcome = await (runtime === undefined
      ? Effect.runPromiseExit(Effect.provideService(pipeline, ReportPublisher, missingPublisher(attempt)))
      : runtime.runPromiseExit(pipeline))
    if (thrown !== undefined) throw thrown.error
    if (attempt.opened) throw new PublishError({ message: NO_PUBLISHER })
    if (Exit.isFailure(outcome)) throw Cause.squash(outcome.cause)
    return outcome.value
  }

  return {
    registry,
    plugins: registry.plugins.map((plugin) => ({
      name: plugin.name,
      version: plugin.version,
      apiVersion: plugin.apiVersion,
    })),
    profiles: [...registry.profiles.values()].map((profile) => ({
      id: profile.id,
      label: profile.label,
      plugin: profile.plugin ?? "unknown",
    })),
    plans: [...registry.plans.values()].map((plan) => ({
      id: plan.id,
      label: plan.label,
      description: plan.description,
      output: plan.output,
      plugin: plan.plugin ?? "unknown",
    })),
    process: (file, processOptions = {}) => {
      if (closing !== undefined) {
        return Promise.reject(
          new RequestError({ message: "this BatchOps instance is closed: create another with createBatchOps" }),
        )
      }
      const pending = run(file, processOptions)
      running.add(pending)
      const forget = () => running.delete(pending)
      pending.then(forget, forget)
      return pending
    },
    close: () => {
      closing ??= Promise.allSettled(running).then(() => runtime?.dispose())
      return closing
    },
  }
}
