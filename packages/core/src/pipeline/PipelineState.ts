/** The facts a run's stages leave for the stages after them. */

import type { ColumnMappingSource } from "../uploads/ColumnMapping.js"
import type { DecimalMark } from "./Coerce.js"
import type { ApprovalRequest } from "./MassChangeGuard.js"
import type { Problem } from "./Problem.js"
import type { Profile } from "./Profile.js"
import type { PublishedReports } from "./ReportPublisher.js"
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
