/**
 * Stages: the steps every file goes through. A stage is started once with the incoming
 * columns and returns a StageRun that receives the rows in chunks, so files of any size
 * stream through the pipeline with flat memory.
 */
import type { Effect, Scope } from "effect"
import type { StageError } from "./Errors.js"
import type { FileParser } from "./FileParser.js"
import type { FileSource } from "./FileSource.js"
import type { Plan, PlanContext } from "./Plan.js"
import type { Profile } from "./Profile.js"
import type { ReportPublisher } from "./ReportPublisher.js"
import type { Row } from "./Row.js"

export type { PipelineState } from "./PipelineState.js"

/**
 * What a stage sees of the registry: the parsers, profiles and plans it may look up, no more
 * (a narrow view: stages are given no say over other plugins' stages or known errors).
 */
export interface StageRegistry {
  /** parsers in detection order */
  readonly parsers: ReadonlyArray<FileParser>
  /** profiles in registration order (the order `auto` breaks ties in) */
  readonly profiles: ReadonlyMap<string, Profile>
  // biome-ignore lint/suspicious/noExplicitAny: plans keep their own config types
  readonly plans: ReadonlyMap<string, Plan<any>>
}

/** What a stage is given: the file, what it may look up, and the run's state and step log. */
export interface StageContext extends PlanContext {
  readonly source: FileSource
  readonly registry: StageRegistry
}

/** What a started stage does with the rows. Every member is optional. */
export interface StageRun {
  /** Columns of the rows this stage passes on (default: the columns it received). */
  readonly columns?: ReadonlyArray<string>
  /** The first stage supplies the rows: the next chunk, or undefined at the end. */
  readonly next?: () => Effect.Effect<ReadonlyArray<Row> | undefined, StageError>
  /** Handle one chunk; returns the rows to pass on (the same array may be returned). */
  readonly chunk?: (rows: ReadonlyArray<Row>) => Effect.Effect<ReadonlyArray<Row>, StageError>
  /** All rows were seen: fail, or return rows to add at the end (they flow through the later stages). */
  readonly finish?: () => Effect.Effect<ReadonlyArray<Row> | undefined, StageError>
  /** The pipeline failed elsewhere: undo what this stage began (temporary files...). */
  readonly abort?: () => Effect.Effect<void>
}

/** Services a stage may use: the report publisher (hosts provide it) and the run's scope (closed when the run ends). */
export type StageServices = ReportPublisher | Scope.Scope

export interface Stage {
  /** unique name, e.g. "validate_results" */
  readonly name: string
  readonly description?: string
  /** place the stage right after this one (the anchor must come from an earlier plugin) */
  readonly after?: string
  /** or right before this one */
  readonly before?: string
  /** the plugin that contributed it (filled in by the registry) */
  readonly plugin?: string
  readonly start: (
    context: StageContext,
    columns: ReadonlyArray<string>,
  ) => Effect.Effect<StageRun, StageError, StageServices>
}
