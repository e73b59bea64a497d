/** The ports (`@batchops/core/ports`): what BatchOps needs from the outside world, as Effect services adapters provide. */

export {
  type AuditEntryRecord,
  type AuditFilter,
  AuditRepo,
  type AuditRepoShape,
  type NewAuditEntry,
  type RefusedCount,
  type RefusedFilter,
  type RefusedRequest,
} from "./AuditRepo.js"
export { AuthCodesRepo, type AuthCodesRepoShape, type CodeAttempt, type CodePurpose } from "./AuthCodesRepo.js"
export { AutomationLedger, type AutomationLedgerShape, type LedgerEntry } from "./AutomationLedger.js"
export { type BackupInfo, type BackupOrigin, Backups, type BackupsShape } from "./Backups.js"
export {
  ColumnMappingsRepo,
  type ColumnMappingsRepoShape,
  type RememberColumnMapping,
  type StoredColumnMapping,
} from "./ColumnMappingsRepo.js"
export {
  type DepartmentSourceChanges,
  DepartmentsRepo,
  type DepartmentsRepoShape,
  type IngestCounts,
  type IngestRecord,
  type NewDepartmentSource,
  type RecordsByKind,
  SourceNameTaken,
} from "./DepartmentsRepo.js"
export {
  type Beat,
  HeartbeatsRepo,
  type HeartbeatsRepoShape,
  type LivenessReport,
  type LiveProcess,
  ProcessKind,
} from "./HeartbeatsRepo.js"
export {
  IncidentConflict,
  type IncidentFilter,
  type IncidentGroupPage,
  IncidentNotFound,
  type IncidentPage,
  IncidentsRepo,
  type IncidentsRepoShape,
  IncidentTimelineRewritten,
  type NewEvent,
  type NewIncident,
  type RecentIncidentFailure,
} from "./IncidentsRepo.js"
export {
  type JobRunFilter,
  type JobRunOutcome,
  type JobRunRecord,
  type JobRunStart,
  type JobRunStatus,
  type JobRunStep,
  JobRunsRepo,
  type JobRunsRepoShape,
  type JobRunTrigger,
  type NewJobRun,
  type NewScheduledRun,
} from "./JobRunsRepo.js"
export {
  type JobChanges,
  JobNameTaken,
  type JobScheduleState,
  JobsRepo,
  type JobsRepoShape,
  type NewJob,
  type PageRequest,
  type PageResult,
} from "./JobsRepo.js"
export {
  KnownErrorExists,
  KnownErrorNotFound,
  type KnownErrorPatch,
  KnownErrorsRepo,
  type KnownErrorsRepoShape,
  type NewKnownError,
} from "./KnownErrorsRepo.js"
export { MailError, Mailer, type MailerShape, type MailMessage } from "./Mailer.js"
export { type OriginalFile, OriginalFiles, type OriginalFilesShape, UploadFileError } from "./OriginalFiles.js"
export { type FailureCount, type FailurePolicy, RateLimits, type RateLimitsShape } from "./RateLimits.js"
export { StoreError } from "./StoreError.js"
export { type IssuedToken, TokensRepo, type TokensRepoShape } from "./TokensRepo.js"
export { Transactions, type TransactionsShape } from "./Transactions.js"
export { type StoredStageOutput, UploadCheckpoints, type UploadCheckpointsShape } from "./UploadCheckpoints.js"
export {
  type IntakeFile,
  type IntakeReceipt,
  IntakeRefused,
  UploadIntake,
  type UploadIntakeShape,
} from "./UploadIntake.js"
export {
  FileLimitExceeded,
  type StoredReports,
  type UploadRun,
  UploadRunner,
  type UploadRunnerShape,
} from "./UploadRunner.js"
export {
  type NewUpload,
  type NewUploadEvent,
  type UploadListPage,
  type UploadListQuery,
  type UploadReports,
  UploadsRepo,
  type UploadsRepoShape,
} from "./UploadsRepo.js"
export {
  type Account,
  type AccountChanges,
  type AccountFilter,
  type Credentials,
  type NewUser,
  UserExists,
  UsersRepo,
  type UsersRepoShape,
} from "./UsersRepo.js"
export {
  type ClaimInput,
  type EnqueueInput,
  type FailOptions,
  type WorkItem,
  WorkItemStatus,
  WorkQueue,
  type WorkQueueShape,
  type WorkQueueStats,
} from "./WorkQueue.js"
