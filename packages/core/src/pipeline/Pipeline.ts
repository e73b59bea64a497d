/**
 * The pipeline runner: starts every stage in order, streams the rows of the first stage
 * through the others chunk by chunk, writes a step log per stage, and turns a stage
 * failure into an incident draft naming the stage.
 *
 * With a checkpoint store, each stage's output is stored as it streams and sealed when the
 * stage finishes (see Checkpoint.ts); with a resume point, the run starts after a stored
 * stage instead of at the file. A stage may ask for approval (the mass-change guard): the run
 * then stops once that stage has finished, publishing nothing, with status
 * `awaiting_approval`.
 */
import { Cause, Clock, Effect, Exit } from "effect"
import { draftIncident, type IncidentDraft } from "../known-errors/KnownError.js"
import type { Registry } from "../plugins/Registry.js"
import type { ColumnMappingSource } from "../uploads/ColumnMapping.js"
import type { CheckpointError, CheckpointStore, CheckpointWriter, ResumePoint, StateSnapshot } from "./Checkpoint.js"
import { RequestError, StageError } from "./Errors.js"
import type { FileSource } from "./FileSource.js"
import type { ApprovalRequest } from "./MassChangeGuard.js"
import type { Problem } from "./Problem.js"
import type { PublishedReports } from "./ReportPublisher.js"
import type { Row } from "./Row.js"
import type { PipelineState, StageContext, StageRun, StageServices } from "./Stage.js"
import type { Summary } from "./Summary.js"

export interface PipelineRequest {
  readonly source: FileSource
  /** a profile id, or "auto"; default "gradebook" */
  readonly profile?: string | undefined
  /** the plan: `process_mode` (default "transform") and `process_config` */
  readonly plan?: { readonly mode?: string | undefined; readonly config?: unknown } | undefined
  /** called as each stage starts and ends (progress for people, persistence for hosts) */
  readonly onStep?: ((event: StepEvent) => Effect.Effect<void>) | undefined
  /** store each stage's output (every stage but the last), so a later run can resume after it */
  readonly checkpoints?: CheckpointStore | undefined
  /** start after a stage an earlier run stored, instead of at the file */
  readonly resume?: ResumePoint | undefined
  /**
   * hold the run for approval when a plan would change more than this share (0..1) of the
   * rows; unguarded when undefined
   */
  readonly maxChange?: number | undefined
  /**
   * rename source headers to profile columns when the file's header does not satisfy the
   * (requested, not `auto`) profile: a fixed `{ sourceHeader: profileColumn }`, or a lookup by
   * profile, header and fingerprint (a host's remembered mappings). The standardize step log
   * records a mapping it applied as `columnMapping`.
   */
  readonly columnMapping?: ColumnMappingSource | undefined
}

/** `reused`: the stage's stored output from an earlier run was used instead of running it */
export type StepStatus = "ok" | "failed" | "skipped" | "reused"

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
  /** `awaiting_approval`: a stage asked for approval (see `approval`); nothing was published */
  readonly status: "published" | "failed" | "awaiting_approval"
  readonly file: string
  readonly format: string | null
  readonly profile: string | null
  /** rows of the dataset after `transform_gradebook` (for a transform plan, the rows summarized) */
  readonly rows: number
  readonly columns: ReadonlyArray<string>
  readonly stages: ReadonlyArray<StepLog>
  readonly reports: PublishedReports | null
  readonly incident: IncidentDraft | null
  readonly approval: ApprovalRequest | null
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
  /** where this stage's output is stored (with a checkpoint store) */
  writer: CheckpointWriter | undefined
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

  const resume = request.resume
  const resumeAt = resume === undefined ? -1 : registry.stages.findIndex((stage) => stage.name === resume.after)
  if (resume !== undefined && resumeAt < 0) {
    return yield* new RequestError({ message: `cannot resume after "${resume.after}": no such stage` })
  }
  if (resume !== undefined && resumeAt === registry.stages.length - 1) {
    return yield* new RequestError({ message: `cannot resume after "${resume.after}": it is the last stage` })
  }
  const snapshot = resume?.snapshot
  const resumedProfile = snapshot?.profile === null ? undefined : snapshot?.profile
  if (resumedProfile !== undefined && !registry.profiles.has(resumedProfile)) {
    return yield* new RequestError({
      message: `cannot resume: the stored run used profile "${resumedProfile}", which is gone`,
    })
  }

  const state: PipelineState = {
    format: snapshot?.format ?? undefined,
    profile:
      resumedProfile !== undefined
        ? registry.profiles.get(resumedProfile)
        : profileId === "auto"
          ? undefined
          : registry.profiles.get(profileId),
    decimalMark: snapshot?.decimalMark ?? ".",
    plan: { mode, config: request.plan?.config },
    output: snapshot?.output ?? "summary",
    datasetRows: snapshot?.datasetRows ?? 0,
    datasetColumns: snapshot?.datasetColumns ?? [],
    note: snapshot?.note ?? undefined,
    summary: snapshot?.summary ?? undefined,
    reports: undefined,
    problems: snapshot ? [...snapshot.problems] : [],
    problemCount: snapshot?.problemCount ?? 0,
    startedAt: new Date(yield* Clock.currentTimeMillis),
    maxChange: request.maxChange,
    approval: undefined,
    columnMapping: request.columnMapping,
  }
  const onStep = request.onStep ?? (() => Effect.void)

  const steps: Array<Step> = registry.stages.map((stage, index) => {
    const earlier = index <= resumeAt ? resume?.steps.find((step) => step.name === stage.name) : undefined
    return {
      name: stage.name,
      plugin: stage.plugin ?? "unknown",
      log: index <= resumeAt ? { ...earlier?.log, reused: true } : {},
      run: undefined,
      writer: undefined,
      status: index <= resumeAt ? "reused" : "skipped",
      elapsed: earlier?.durationMs ?? 0,
      rowsIn: 0,
      rowsOut: 0,
      reported: false,
    }
  })
  /** the index of the stage that asked for approval */
  let approvalAt = -1

  const contextFor = (step: Step, index: number): StageContext => ({
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
    requestApproval: (approval) => {
      // the first request holds the run; a later one would only repeat the question
      if (state.approval !== undefined) return
      state.approval = { ...approval, stage: step.name }
      approvalAt = index
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

  const storageError = (step: Step) => (error: CheckpointError) =>
    new StageError({
      stage: step.name,
      plugin: step.plugin,
      message: `cannot store the output of stage "${step.name}": ${error.message}`,
    })

  /** Store the rows `steps[from]` passed on, and pass them through the stages after it. */
  const flow = Effect.fnUntraced(function* (from: number, rows: ReadonlyArray<Row>) {
    let current = rows
    for (let i = from; i < steps.length && current.length > 0; i++) {
      const step = steps[i]!
      if (i > from) {
        step.rowsIn += current.length
        const chunk = step.run?.chunk
        if (chunk)
          current = yield* guarded(
            step,
            timed(step, () => chunk(current)),
          )
        step.rowsOut += current.length
      }
      const writer = step.writer
      if (writer !== undefined && current.length > 0) {
        yield* Effect.mapError(writer.write(current), storageError(step))
      }
    }
  })

  /** What the stages up to `index` left (see StateSnapshot). */
  const snapshotAt = (index: number, columns: ReadonlyArray<string>): StateSnapshot => {
    const upTo = new Set(steps.slice(0, index + 1).map((step) => step.name))
    let problemCount = snapshot?.problemCount ?? 0
    for (let i = resumeAt + 1; i <= index; i++) problemCount += (steps[i]!.log.warnings as number | undefined) ?? 0
    return {
      format: state.format ?? null,
      profile: state.profile?.id ?? null,
      decimalMark: state.decimalMark,
      output: state.output,
      datasetRows: state.datasetRows,
      datasetColumns: state.datasetColumns,
      note: state.note ?? null,
      summary: state.summary ?? null,
      problems: state.problems.filter((problem) => upTo.has(problem.stage)),
      problemCount,
      columns,
    }
  }

  const execute = Effect.gen(function* () {
    for (const step of steps) {
      if (step.status !== "reused") continue
      step.reported = true
      yield* onStep({ type: "finished", step: stepLog(step) })
    }
    // the columns each stage passes on, to store with its checkpoint
    const passed: Array<ReadonlyArray<string>> = []
    let columns: ReadonlyArray<string> = snapshot?.columns ?? []
    for (let i = resumeAt + 1; i < steps.length; i++) {
      const step = steps[i]!
      const stage = registry.stages[i]!
      yield* onStep({ type: "started", stage: step.name })
      step.status = "ok"
      step.run = yield* guarded(
        step,
        timed(step, () => stage.start(contextFor(step, i), columns)),
      )
      if (step.run.columns) columns = step.run.columns
      passed[i] = columns
      if (request.checkpoints !== undefined && i < steps.length - 1) {
        step.writer = yield* Effect.mapError(request.checkpoints.open(i, step.name), storageError(step))
      }
    }
    const producer = Math.max(resumeAt, 0)
    const first = steps[producer]
    const next =
      resume !== undefined
        ? () => Effect.mapError(resume.next(), (error) => storageError(first!)(error))
        : first?.run?.next
    if (first === undefined || next === undefined) {
      return yield* new StageError({
        stage: first?.name ?? "pipeline",
        plugin: first?.plugin,
        message: "the first stage supplies no rows",
      })
    }
    while (true) {
      const rows = yield* guarded(first, resume !== undefined ? next() : timed(first, next))
      if (rows === undefined) break
      first.rowsOut += rows.length
      yield* flow(producer, rows)
    }
    for (let i = resumeAt + 1; i < steps.length; i++) {
      const step = steps[i]!
      const finish = step.run?.finish
      if (finish) {
        const extra = yield* guarded(step, timed(step, finish))
        if (extra && extra.length > 0) {
          step.rowsOut += extra.length
          yield* flow(i, extra)
        }
      }
      if (step.writer !== undefined) {
        step.log.checkpoint = yield* Effect.mapError(
          step.writer.seal(snapshotAt(i, passed[i] ?? [])),
          storageError(step),
        )
      }
      step.reported = true
      yield* onStep({ type: "finished", step: stepLog(step) })
      if (approvalAt >= 0 && i >= approvalAt && i < steps.length - 1) return i
    }
    return undefined
  })

  const outcome = yield* Effect.exit(Effect.scoped(execute))
  let incident: IncidentDraft | null = null
  const heldAfter = Exit.isSuccess(outcome) ? outcome.value : undefined
  if (heldAfter !== undefined) {
    // held for approval: the later stages did not finish; what they began is undone
    for (let i = heldAfter + 1; i < steps.length; i++) {
      const step = steps[i]!
      step.status = "skipped"
      const abort = step.run?.abort
      if (abort) yield* Effect.exit(Effect.suspend(abort))
    }
  }
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
      if (step.status === "reused") return
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

  const held = heldAfter !== undefined
  const result: PipelineResult = {
    status: incident ? "failed" : held ? "awaiting_approval" : "published",
    file: request.source.name,
    format: state.format ?? null,
    profile: state.profile?.id ?? null,
    rows: state.datasetRows,
    columns: state.datasetColumns,
    stages: steps.map(stepLog),
    reports: incident || held ? null : (state.reports ?? null),
    incident,
    approval: held ? (state.approval ?? null) : null,
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
  log:
    step.status === "skipped"
      ? {}
      : step.status === "reused"
        ? step.log
        : { rowsIn: step.rowsIn, rowsOut: step.rowsOut, ...step.log },
})
