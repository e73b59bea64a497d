/** Uploads (`@batchops/core/uploads`): retry, approve and reject, resuming a run, and mapping a file's columns to a profile. */

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
