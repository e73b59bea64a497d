/**
 * Stages: the steps every file goes through. A stage is started once with the incoming
 * columns and returns a StageRun that receives the rows in chunks, so files of any size
 * stream through the pipeline with flat memory.
 */
import type { Effect, Scope } from "effect"
import type { DecimalMark } from "./Coerce.js"
import type { ColumnMappingSource } from "./ColumnMapping.js"
import type { StageError } from "./Errors.js"
import type { FileSource } from "./FileSource.js"
import type { ApprovalRequest } from "./MassChangeGuard.js"
import type { Problem } from "./Problem.js"
import type { Profile } from "./Profile.js"
import type { Registry } from "./Registry.js"
import type { PublishedReports, ReportPublisher } from "./ReportPublisher.js"
import type { Row } from "./Row.js"
import type { Summary } from "./Summary.js"

/** Facts that stages leave for the stages after them. */
export interface PipelineState {
  /** the file's format, once `standardize_results` opened it */
  format: string | undefined
  /** the profile in force (resolved from `auto` by `standardize_results`) */
  profile: Profile | undefined
  /** how numbers in text are written: `,` when `standardize_results` found decimal commas, else `.` */
  decimalMark: DecimalMark
  /** the plan requested: `mode` and its raw `config` */
  readonly plan: { readonly mode: string; readonly config: unknown }
  /** what the published CSV holds, set by `transform_gradebook` from the plan */
  output: "summary" | "dataset"
  /** rows and columns of the dataset after `transform_gradebook` */
  datasetRows: number
  datasetColumns: ReadonlyArray<string>
  /** the operator's note of a `custom` plan */
  note: string | undefined
  summary: Summary | undefined
  reports: PublishedReports | undefined
  /** problems found so far (capped); `problemCount` counts them all */
  readonly problems: Array<Problem>
  problemCount: number
  readonly startedAt: Date
  /**
   * The share of rows (0..1) a plan may change before the run waits for approval; undefined
   * when the run is not guarded (the operator's own `batchops process`, an approved run).
   */
  readonly maxChange: number | undefined
  /** set through `requestApproval`: the run stops once the asking stage has finished */
  approval: ApprovalRequest | undefined
  /**
   * a column mapping (or where to look one up) that `standardize_results` applies when the
   * file's header does not satisfy the profile (see ColumnMapping.ts)
   */
  readonly columnMapping?: ColumnMappingSource | undefined
}

export interface StageContext {
  readonly source: FileSource
  readonly registry: Registry
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
