/**
 * The pipeline runner: starts every stage in order, streams the rows of the first stage
 * through the others chunk by chunk, writes a step log per stage, and turns a stage
 * failure into an incident draft naming the stage.
 */
import { Cause, Effect, Exit } from "effect"
import { RequestError, StageError } from "./Errors.js"
import type { FileSource } from "./FileSource.js"
import { draftIncident, type IncidentDraft } from "./KnownError.js"
import type { Problem } from "./Problem.js"
import type { Registry } from "./Registry.js"
import type { PublishedReports } from "./ReportPublisher.js"
import type { Row } from "./Row.js"
import type { PipelineState, StageContext, StageRun, StageServices } from "./Stage.js"
import type { Summary } from "./Summary.js"

export interface PipelineRequest {
  readonly source: FileSource
  /** a profile id, or "auto"; default "gradebook" */
  readonly profile?: string
  /** the plan: `process_mode` (default "transform") and `process_config` */
  readonly plan?: { readonly mode?: string; readonly config?: unknown }
  /** called as each stage starts and ends (progress for people, persistence for hosts) */
  readonly onStep?: (event: StepEvent) => Effect.Effect<void>
}

export type StepStatus = "ok" | "failed" | "skipped"

export interface StepLog {
  readonly name: string
  readonly plugin: string
  readonly status: StepStatus
  readonly durationMs: number
  readonly log: Readonly<Record<string, unknown>>
}

export type StepEvent =
  | { readonly type: "started"; readonly stage: string }
  | { readonly type: "finished"; readonly step: StepLog }

export interface PipelineResult {
  readonly status: "published" | "failed"
  readonly file: string
  readonly format: string | null
  readonly profile: string | null
  /** rows of the dataset after `transform_gradebook` (for a transform plan, the rows summarized) */
  readonly rows: number
  readonly columns: ReadonlyArray<string>
  readonly stages: ReadonlyArray<StepLog>
  readonly reports: PublishedReports | null
  readonly incident: IncidentDraft | null
  readonly summary: Summary | null
  readonly problems: ReadonlyArray<Problem>
  readonly problemCount: number
}

/** Problems kept in memory for reports; more are counted, not kept. */
export const MAX_PROBLEMS = 100_000

interface Step {
  readonly name: string
  readonly plugin: string
  readonly log: Record<string, unknown>
  run: StageRun | undefined
  status: StepStatus
  elapsed: number
  rowsIn: number
  rowsOut: number
  /** its "finished" event was sent */
  reported: boolean
}

/**
 * Run a file through the registry's stages. Never fails for a stage's failure (that is a
 * `failed` result with an incident); fails with RequestError when the request itself names
 * an unknown profile or plan.
 */
export const runPipeline = Effect.fn("Pipeline.run")(function* (registry: Registry, request: PipelineRequest) {
  const profileId = request.profile ?? "gradebook"
  if (profileId !== "auto" && !registry.profiles.has(profileId)) {
    return yield* new RequestError({
      message: `unknown profile "${profileId}" (known: ${[...registry.profiles.keys(), "auto"].join(", ")})`,
    })
  }
  const mode = request.plan?.mode ?? "transform"
  if (!registry.plans.has(mode)) {
    return yield* new RequestError({
      message: `unknown plan "${mode}" (known: ${[...registry.plans.keys()].join(", ")})`,
    })
  }

  const state: PipelineState = {
    format: undefined,
    profile: profileId === "auto" ? undefined : registry.profiles.get(profileId),
    plan: { mode, config: request.plan?.config },
    output: "summary",
    datasetRows: 0,
    datasetColumns: [],
    note: undefined,
    summary: undefined,
    reports: undefined,
    problems: [],
    problemCount: 0,
    startedAt: new Date(),
  }
  const onStep = request.onStep ?? (() => Effect.void)

  const steps: Array<Step> = registry.stages.map((stage) => ({
    name: stage.name,
    plugin: stage.plugin ?? "unknown",
    log: {},
    run: undefined,
    status: "skipped",
    elapsed: 0,
    rowsIn: 0,
    rowsOut: 0,
    reported: false,
  }))

  const contextFor = (step: Step): StageContext => ({
    source: request.source,
    registry,
    state,
    log: step.log,
    report: (problem) => {
      state.problemCount += 1
      const warnings = ((step.log.warnings as number | undefined) ?? 0) + 1
      step.log.warnings = warnings
      if (state.problems.length < MAX_PROBLEMS) {
        state.problems.push({ ...problem, stage: step.name, plugin: problem.plugin ?? step.plugin })
      }
    },
    fail: (message) => new StageError({ stage: step.name, message, plugin: step.plugin }),
  })

  // Stage members are called lazily, inside the effect, so that one which throws instead of
  // returning an effect is caught by `guarded` like any other defect of its stage.
  const timed = <A, R>(step: Step, make: () => Effect.Effect<A, StageError, R>) =>
    Effect.suspend(() => {
      const started = performance.now()
      return Effect.suspend(make).pipe(
        Effect.ensuring(Effect.sync(() => (step.elapsed += performance.now() - started))),
      )
    })

  // A stage that throws (a plugin's bug) fails as a stage error, never as a crash.
  const guarded = <A>(step: Step, effect: Effect.Effect<A, StageError, StageServices>) =>
    effect.pipe(
      Effect.catchDefect((defect) =>
        Effect.fail(
          new StageError({
            stage: step.name,
            plugin: step.plugin,
            message: `unexpected error in stage "${step.name}" (plugin "${step.plugin}"): ${
              defect instanceof Error ? defect.message : String(defect)
            }`,
          }),
        ),
      ),
    )

  /** Pass rows through the stages after `from`. */
  const flow = Effect.fnUntraced(function* (from: number, rows: ReadonlyArray<Row>) {
    let current = rows
    for (let i = from + 1; i < steps.length && current.length > 0; i++) {
      const step = steps[i]!
      step.rowsIn += current.length
      const chunk = step.run?.chunk
      if (chunk)
        current = yield* guarded(
          step,
          timed(step, () => chunk(current)),
        )
      step.rowsOut += current.length
    }
  })

  const execute = Effect.gen(function* () {
    let columns: ReadonlyArray<string> = []
    for (const step of steps) {
      const stage = registry.stages.find((s) => s.name === step.name)!
      yield* onStep({ type: "started", stage: step.name })
      step.status = "ok"
      step.run = yield* guarded(
        step,
        timed(step, () => stage.start(contextFor(step), columns)),
      )
      if (step.run.columns) columns = step.run.columns
    }
    const first = steps[0]
    const next = first?.run?.next
    if (first === undefined || next === undefined) {
      return yield* new StageError({
        stage: first?.name ?? "pipeline",
        plugin: first?.plugin,
        message: "the first stage supplies no rows",
      })
    }
    while (true) {
      const rows = yield* guarded(first, timed(first, next))
      if (rows === undefined) break
      first.rowsOut += rows.length
      yield* flow(0, rows)
    }
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!
      const finish = step.run?.finish
      if (finish) {
        const extra = yield* guarded(step, timed(step, finish))
        if (extra && extra.length > 0) {
          step.rowsOut += extra.length
          yield* flow(i, extra)
        }
      }
      step.reported = true
      yield* onStep({ type: "finished", step: stepLog(step) })
    }
  })

  const outcome = yield* Effect.exit(Effect.scoped(execute))
  let incident: IncidentDraft | null = null
  if (Exit.isFailure(outcome)) {
    const squashed = Cause.squash(outcome.cause)
    const error =
      squashed instanceof StageError
        ? squashed
        : new StageError({
            stage: "pipeline",
            message: squashed instanceof Error ? squashed.message : String(squashed),
          })
    const failedAt = steps.findIndex((s) => s.name === error.stage)
    steps.forEach((step, index) => {
      if (index === failedAt) step.status = "failed"
      else if (failedAt >= 0 && index > failedAt) step.status = "skipped"
    })
    for (const step of steps) {
      const abort = step.run?.abort
      // one stage's failing clean-up must not keep the others from theirs, nor crash the run
      if (abort) yield* Effect.exit(Effect.suspend(abort))
    }
    incident = draftIncident(registry.knownErrors, { stage: error.stage, message: error.message, plugin: error.plugin })
  }
  for (const step of steps) {
    if (!step.reported) yield* onStep({ type: "finished", step: stepLog(step) })
  }

  const result: PipelineResult = {
    status: incident ? "failed" : "published",
    file: request.source.name,
    format: state.format ?? null,
    profile: state.profile?.id ?? null,
    rows: state.datasetRows,
    columns: state.datasetColumns,
    stages: steps.map(stepLog),
    reports: incident ? null : (state.reports ?? null),
    incident,
    summary: state.summary ?? null,
    problems: state.problems,
    problemCount: state.problemCount,
  }
  return result
})

const stepLog = (step: Step): StepLog => ({
  name: step.name,
  plugin: step.plugin,
  status: step.status,
  durationMs: Math.round(step.elapsed),
  log: step.status === "skipped" ? {} : { rowsIn: step.rowsIn, rowsOut: step.rowsOut, ...step.log },
})
