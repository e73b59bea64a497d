/**
 * Plans: what `transform_gradebook` does with the rows, chosen by the operator as
 * `process_mode` with its `process_config`.
 */
import type { Effect, Schema } from "effect"
import type { StageError } from "./Errors.js"
import type { ApprovalRequest } from "./MassChangeGuard.js"
import type { PipelineState } from "./PipelineState.js"
import type { Problem } from "./Problem.js"
import type { Row } from "./Row.js"

/** What a plan is given when it starts (a stage is given this and more: see StageContext). */
export interface PlanContext {
  readonly state: PipelineState
  /** This stage's step log: add facts for operators (schema, counts, choices). */
  readonly log: Record<string, unknown>
  /** Record a data problem found by this stage: a warning in the step log and, with a row, a rejected row. */
  readonly report: (problem: Omit<Problem, "stage" | "plugin"> & { readonly plugin?: string }) => void
  /**
   * Hold the run for a person's approval: nothing is published; the run stops once this stage
   * has finished (its output is kept, so an approved run goes on from there).
   */
  readonly requestApproval: (request: Omit<ApprovalRequest, "stage">) => void
  /** The error that fails this stage, naming it and its plugin. */
  readonly fail: (message: string) => StageError
}

/** What a started plan does: like a StageRun, but synchronous and after value coercion. */
export interface PlanRun {
  readonly columns?: ReadonlyArray<string>
  readonly chunk?: (rows: ReadonlyArray<Row>) => ReadonlyArray<Row>
  /** rows to add at the end; their text cells are coerced like the file's */
  readonly finish?: () => ReadonlyArray<Row> | undefined
}

export interface Plan<Config = unknown> {
  /** the `process_mode` value, e.g. "delete" */
  readonly id: string
  readonly label: string
  readonly description: string
  /** "summary": publish the summary table; "dataset": publish the processed rows */
  readonly output: "summary" | "dataset"
  /** decodes `process_config`; its failures name the field that is wrong */
  readonly config: Schema.Decoder<Config>
  readonly start: (
    config: Config,
    context: PlanContext,
    columns: ReadonlyArray<string>,
  ) => Effect.Effect<PlanRun, StageError>
  readonly plugin?: string
}

/** Declare a plan with its config type inferred from the schema. */
export const definePlan = <Config>(plan: Plan<Config>): Plan<Config> => plan
