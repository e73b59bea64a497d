/**
 * Plans: what `transform_gradebook` does with the rows, chosen by the operator as
 * `process_mode` with its `process_config`.
 */
import type { Effect, Schema } from "effect"
import type { StageError } from "./Errors.js"
import type { Row } from "./Row.js"
import type { StageContext } from "./Stage.js"

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
    context: StageContext,
    columns: ReadonlyArray<string>,
  ) => Effect.Effect<PlanRun, StageError>
  readonly plugin?: string
}

/** Declare a plan with its config type inferred from the schema. */
export const definePlan = <Config>(plan: Plan<Config>): Plan<Config> => plan
