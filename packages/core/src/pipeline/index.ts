/** The pipeline (`@batchops/core/pipeline`): the facade (`BatchOps`), the streaming run, the five stages and their contracts, plans, profiles, the summary and its statistics, cell reading and the errors a run reports. */

export {
  type BatchOps,
  type BatchOpsOptions,
  createBatchOps,
  type FileInput,
  type PlanInfo,
  type PluginInfo,
  type ProcessOptions,
  type ProfileInfo,
} from "./BatchOps.js"
export { appendPlan, builtinPlans, customPlan, deletePlan, transformPlan } from "./BuiltinPlans.js"
export { attendance, builtinProfiles, generic, gradebook, roster, STUDENT_ID_ALIASES } from "./BuiltinProfiles.js"
export {
  CheckpointError,
  type CheckpointInfo,
  type CheckpointStore,
  type CheckpointWriter,
  type ResumePoint,
  type StateSnapshot,
} from "./Checkpoint.js"
export {
  coerceCell,
  type DecimalMark,
  decimalMarkOf,
  isMissingToken,
  isNonScoreMark,
  isNumericColumn,
  NUMERIC_SHARE,
  parseNumber,
} from "./Coerce.js"
export { ParseError, PluginError, PublishError, RequestError, StageError } from "./Errors.js"
export {
  CLEAN_CELLS,
  type FileParser,
  isMarkedClean,
  markClean,
  markUnreadable,
  type ParsedFile,
  UNREADABLE,
  unreadableReason,
} from "./FileParser.js"
export { type FileSource, sourceFromBytes } from "./FileSource.js"
export {
  type AffectedRow,
  APPROVAL_PREVIEW_ROWS,
  type ApprovalRequest,
  assessChange,
  type ChangeAssessment,
  type ChangeEffect,
  DEFAULT_MAX_SHARE,
} from "./MassChangeGuard.js"
export { applyAliases, cleanCell, isIdentifierName, isNfc, normalizeHeader, normalizeName } from "./Normalize.js"
export {
  MAX_PROBLEMS,
  type PipelineRequest,
  type PipelineResult,
  runPipeline,
  type StepEvent,
  type StepLog,
  type StepStatus,
} from "./Pipeline.js"
export type { PipelineState } from "./PipelineState.js"
export { definePlan, type Plan, type PlanContext, type PlanRun } from "./Plan.js"
export type { Problem } from "./Problem.js"
export { missingRequirements, type Profile, type Requirement, requirementMet } from "./Profile.js"
export {
  type PublishedReports,
  type PublishRequest,
  type PublishResult,
  type PublishSession,
  ReportPublisher,
} from "./ReportPublisher.js"
export type { Cell, RawRecord, Row } from "./Row.js"
export {
  checkPattern,
  MAX_MATCH_TEXT,
  MAX_PATTERN_LENGTH,
  MAX_PATTERN_PROGRAM,
  type SafePattern,
  safeMatch,
  UnsafePattern,
} from "./SafePattern.js"
export type { Stage, StageContext, StageRegistry, StageRun, StageServices } from "./Stage.js"
export { columnStats, NumberColumn, orderStatistics, percentile, selectRanks } from "./Statistics.js"
export { type ColumnStats, SUMMARY_COLUMNS, type Summary } from "./Summary.js"
export { DECIMAL_MARK_ROWS, HEAD_BYTES, MAX_CELL_LENGTH, pickProfile } from "./stages/StandardizeResults.js"
