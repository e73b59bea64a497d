/** Runtime helpers (`@batchops/core/runtime`): the claim loop and lease workers share, the work items they queue, settings, bounded reads and how a failure reads for people. */

export { readAtMost } from "./BoundedRead.js"
export { type ClaimLoopOptions, claimLoop } from "./ClaimLoop.js"
export { causeMessage, errorChainMessage, errorCode, FILE_ERROR_REASONS, fileErrorReason } from "./Failures.js"
export { type FieldProblem, FieldProblems, schemaProblems } from "./FieldProblems.js"
export { type Lease, LeaseLost, leaseHeld, withLease } from "./Lease.js"
export { settingsProvider } from "./Settings.js"
export { PROCESS_UPLOAD, type ProcessUploadPayload, RUN_JOB, type RunJobPayload } from "./WorkItems.js"
