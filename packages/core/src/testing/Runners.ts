/**
 * Run a plugin, one of its stages or one of its plans against a file, with the built-ins, the
 * test CSV parser and an in-memory publisher, and get back what happened. The runners return
 * Promises so a test needs no Effect; `testRegistry` and `runTestPipeline` are the Effect
 * versions underneath.
 */
import {
  batchopsPlugin,
  createRegistry,
  type FileSource,
  type PipelineRequest,
  type PipelineResult,
  PLUGIN_API_VERSION,
  type Plan,
  type Plugin,
  type Problem,
  type Registry,
  RequestError,
  type Row,
  runPipeline,
  type Stage,
  type StepLog,
  type StepStatus,
  sourceFromBytes,
} from "@batchops/core"
import { Effect } from "effect"
import { csvTestPlugin } from "./CsvTestParser.js"
import { type MemoryPublisher, memoryPublisher, type Publication } from "./MemoryPublisher.js"
import type { TestFile } from "./SampleFiles.js"

/** A file to run: a sample file, `{ name, bytes }`, a FileSource, or CSV text (named "test.csv"). */
export type TestInput = TestFile | FileSource | string

/** What a run may ask besides its file: profile, plan, column mapping, checkpoints... */
export type TestRequest = Omit<PipelineRequest, "source">

/** One plugin or several, registered in order after the built-ins and the test CSV parser. */
export type TestPlugins = Plugin | ReadonlyArray<Plugin>

const pluginList = (plugins: TestPlugins | undefined): ReadonlyArray<Plugin> =>
  plugins === undefined ? [] : Array.isArray(plugins) ? plugins : [plugins as Plugin]

/** The FileSource a test input stands for. */
export const testSource = (input: TestInput): FileSource => {
  if (typeof input === "string") return sourceFromBytes("test.csv", new TextEncoder().encode(input))
  if ("head" in input) return input
  return sourceFromBytes(input.name, input.bytes)
}

/**
 * The registry a test runs with: the built-ins (`batchops`), the test CSV parser, then the
 * given plugins (a built-in already among them is not added twice). Fails with the
 * PluginError `createRegistry` gives.
 */
export const testRegistry = (plugins?: TestPlugins) => {
  const given = pluginList(plugins)
  const names = new Set(given.map((plugin) => plugin?.name))
  return createRegistry([...[batchopsPlugin, csvTestPlugin].filter((plugin) => !names.has(plugin.name)), ...given])
}

/**
 * Check plugins as a host would register them. Resolves to the registry, or rejects with the
 * PluginError that names what is wrong (a duplicate name, an unknown anchor, an `apiVersion`
 * this core does not provide...).
 */
export const checkPlugin = (plugins: TestPlugins): Promise<Registry> => Effect.runPromise(testRegistry(plugins))

/** A pipeline run and what it published. */
export interface PluginRun {
  readonly result: PipelineResult
  /** the run's publication (undefined when the run failed before `publish_results` opened it) */
  readonly publication: Publication | undefined
  /** the in-memory publisher the run used */
  readonly publisher: MemoryPublisher
}

/** Run a file through a registry with a fresh in-memory publisher. Fails with RequestError for an unknown profile or plan. */
export const runTestPipeline = (registry: Registry, input: TestInput, request: TestRequest = {}) => {
  const publisher = memoryPublisher()
  return runPipeline(registry, { ...request, source: testSource(input) }).pipe(
    Effect.provide(publisher.layer),
    Effect.map((result): PluginRun => ({ result, publication: publisher.publications.at(-1), publisher })),
  )
}

/**
 * Run a file through the built-ins, the test CSV parser and the given plugins. Resolves to the
 * full result (a failed stage is a `failed` result with an incident, not a rejection) and what
 * was published; rejects with RequestError for an unknown profile or plan, PluginError for a
 * plugin that does not register.
 */
export const runPlugin = (plugins: TestPlugins, input: TestInput, request?: TestRequest): Promise<PluginRun> =>
  Effect.runPromise(Effect.flatMap(testRegistry(plugins), (registry) => runTestPipeline(registry, input, request)))

/** A stage to run: a stage of its own, or a plugin and the name of the stage to look at. */
export type StageTarget = Stage | { readonly plugin: Plugin; readonly stage: string }

/** A request, with the plugins to register before the stage's own. */
export interface StageOptions extends TestRequest {
  readonly plugins?: ReadonlyArray<Plugin>
}

/** What one stage did in its run. */
export interface StageOutcome {
  /** "ok", "failed", or "skipped" when an earlier stage failed */
  readonly status: StepStatus
  /** its step log entry (name, plugin, status, duration, log) */
  readonly step: StepLog
  /** the facts of its step log (rowsIn and rowsOut included) */
  readonly log: StepLog["log"]
  /** the columns it received */
  readonly received: ReadonlyArray<string>
  /** the columns it passed on */
  readonly columns: ReadonlyArray<string>
  /** the rows it passed on, copied as they left it */
  readonly rows: ReadonlyArray<Row>
  /** the problems it reported */
  readonly problems: ReadonlyArray<Problem>
  /** the message it failed with (as the incident reads it); undefined unless it failed */
  readonly error: string | undefined
  /** the whole run */
  readonly result: PipelineResult
  readonly publication: Publication | undefined
}

/** The stage, wrapped to copy the columns and rows it passes on. */
const capturing = (
  stage: Stage,
  seen: { received: ReadonlyArray<string>; columns: ReadonlyArray<string>; rows: Array<Row> },
): Stage => ({
  ...stage,
  start: (context, columns) =>
    Effect.map(stage.start(context, columns), (run) => {
      seen.received = columns
      seen.columns = run.columns ?? columns
      const keep = <R extends ReadonlyArray<Row> | undefined>(rows: R): R => {
        for (const row of rows ?? []) seen.rows.push({ number: row.number, cells: [...row.cells] })
        return rows
      }
      const { next, chunk, finish } = run
      return {
        ...run,
        next: next === undefined ? undefined : () => Effect.map(next(), keep),
        chunk: (rows: ReadonlyArray<Row>) =>
          chunk === undefined ? Effect.succeed(keep(rows)) : Effect.map(chunk(rows), keep),
        finish: finish === undefined ? undefined : () => Effect.map(finish(), keep),
      }
    }),
})

const runStageIn = (plugins: ReadonlyArray<Plugin>, name: string, input: TestInput, request: TestRequest) =>
  Effect.gen(function* () {
    const registry = yield* testRegistry(plugins)
    const index = registry.stages.findIndex((stage) => stage.name === name)
    if (index < 0) {
      return yield* new RequestError({
        message: `no stage "${name}" is registered (stages: ${registry.stages.map((stage) => stage.name).join(", ")})`,
      })
    }
    const seen = { received: [] as ReadonlyArray<string>, columns: [] as ReadonlyArray<string>, rows: [] as Array<Row> }
    const stages = registry.stages.map((stage, at) => (at === index ? capturing(stage, seen) : stage))
    const run = yield* runTestPipeline({ ...registry, stages }, input, request)
    const step = run.result.stages[index]!
    const incident = run.result.incident
    const outcome: StageOutcome = {
      status: step.status,
      step,
      log: step.log,
      received: seen.received,
      columns: seen.columns,
      rows: seen.rows,
      problems: run.result.problems.filter((problem) => problem.stage === name),
      error: step.status === "failed" && incident !== null ? incident.error : undefined,
      result: run.result,
      publication: run.publication,
    }
    return outcome
  })

/**
 * Run a file through the pipeline and report on one stage, run in its place (the built-in
 * stages before it, the later ones after it). A stage given alone is registered in a plugin of
 * its own ("stage-under-test") after `options.plugins`. Rejects with RequestError when the
 * stage is not registered or the request names an unknown profile or plan.
 */
export const runStage = (target: StageTarget, input: TestInput, options: StageOptions = {}): Promise<StageOutcome> => {
  const { plugins = [], ...request } = options
  const own: Plugin =
    "start" in target ? { name: "stage-under-test", apiVersion: PLUGIN_API_VERSION, stages: [target] } : target.plugin
  const name = "start" in target ? target.name : target.stage
  return Effect.runPromise(runStageIn([...plugins, own], name, input, request))
}

/** A plan to run: a plan of its own, or a plugin and the id of its plan. */
// biome-ignore lint/suspicious/noExplicitAny: a plan's config type is its own business
export type PlanTarget = Plan<any> | { readonly plugin: Plugin; readonly plan: string }

/**
 * Run a file with a plan as the `process_mode` and `config` as its `process_config`; the
 * outcome is `transform_gradebook`'s, where plans run: `columns` and `rows` are the plan's
 * output, `error` a config the plan's schema refused or the plan's own failure.
 */
export const runPlan = (
  target: PlanTarget,
  config: unknown,
  input: TestInput,
  options: StageOptions = {},
): Promise<StageOutcome> => {
  const { plugins = [], ...request } = options
  const own: Plugin =
    "start" in target ? { name: "plan-under-test", apiVersion: PLUGIN_API_VERSION, plans: [target] } : target.plugin
  const mode = "start" in target ? target.id : target.plan
  return Effect.runPromise(
    runStageIn([...plugins, own], "transform_gradebook", input, { ...request, plan: { mode, config } }),
  )
}
