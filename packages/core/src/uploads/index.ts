/** Uploads (`@batchops/core/uploads`): intake (`submitUpload`), a plan corrected and an upload deleted, the upload worker, retry, approve and reject, resuming a run, and mapping a file's columns to a profile. */

export {
  applyColumnMapping,
  type ColumnMapping,
  ColumnMappingError,
  type ColumnMappingSource,
  checkColumnMapping,
  headerFingerprint,
  missingColumns,
  nameSimilarity,
  profileColumns,
  profiledColumns,
  type Suggestion,
  suggestMappings,
} from "./ColumnMapping.js"
export {
  checkRetryRequest,
  IncidentRetryRefused,
  RetryCorrectionsInvalid,
  type RetryRequest,
  retryIncidentUpload,
} from "./IncidentRetry.js"
export {
  checkUploadPlan,
  checkUploadProfile,
  type SubmitUpload,
  sha256Hex,
  submitUpload,
  UploadRejected,
} from "./Intake.js"
export { isFinal, type ProgressEvent, ProgressTracker } from "./Progress.js"
export {
  approveUpload,
  correctedParts,
  heldRequest,
  type Operator,
  type RetryCorrections,
  type RetryStarted,
  rejectUpload,
  resumableAfter,
  retryUpload,
  UploadActionRefused,
} from "./UploadActions.js"
export { correctUploadPlan, deleteUpload, type PlanCorrection } from "./UploadRecords.js"
export {
  processNextUpload,
  runUploadWorker,
  type UploadOutcome,
  type UploadProcessOptions,
  type UploadWorkerOptions,
} from "./UploadWorker.js"
