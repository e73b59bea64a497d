/**
 * The data model of BatchOps as Effect Schemas: what hosts store and what the API speaks.
 * Timestamps are ISO-8601 strings at the boundary (`Schema.DateTimeUtcFromString` would
 * tie every consumer to DateTime; plain strings keep the JSON simple).
 */
import { Schema } from "effect"

const Id = Schema.String.check(Schema.isNonEmpty())
const Timestamp = Schema.String
const Json = Schema.Record(Schema.String, Schema.Unknown)

export const Role = Schema.Literals(["admin", "moderator", "user"])
export type Role = typeof Role.Type

export class User extends Schema.Class<User>("User")({
  id: Id,
  username: Schema.String,
  email: Schema.String,
  role: Role,
  emailVerified: Schema.Boolean,
  isActive: Schema.Boolean,
  createdAt: Timestamp,
}) {}

/** `rejected`: a person refused the change a held run would have published */
export const UploadStatus = Schema.Literals([
  "queued",
  "processing",
  "awaiting_approval",
  "published",
  "failed",
  "rejected",
])
export type UploadStatus = typeof UploadStatus.Type

export const ProcessMode = Schema.String
export const StepStatus = Schema.Literals(["ok", "failed", "skipped", "reused"])

export class StepLog extends Schema.Class<StepLog>("StepLog")({
  name: Schema.String,
  plugin: Schema.String,
  status: StepStatus,
  durationMs: Schema.Number,
  log: Json,
}) {}

export class Upload extends Schema.Class<Upload>("Upload")({
  id: Id,
  fileName: Schema.String,
  format: Schema.NullOr(Schema.String),
  size: Schema.Number,
  sha256: Schema.String,
  status: UploadStatus,
  profile: Schema.String,
  processMode: ProcessMode,
  processConfig: Schema.Unknown,
  progress: Schema.Number,
  steps: Schema.Array(StepLog),
  reportCsvPath: Schema.NullOr(Schema.String),
  reportPdfPath: Schema.NullOr(Schema.String),
  rows: Schema.NullOr(Schema.Number),
  uploadedBy: Schema.NullOr(Id),
  /** the incident the upload's failure was recorded on (its own, or the one its group shares) */
  incidentId: Schema.NullOr(Id),
  /** a held run: what it would change (core's ApprovalRequest), and the decision once made */
  approval: Schema.NullOr(Json),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** An entry of an upload's own timeline: held for approval, approved, rejected, retried. */
export class UploadEvent extends Schema.Class<UploadEvent>("UploadEvent")({
  at: Timestamp,
  actor: Schema.NullOr(Schema.String),
  kind: Schema.String,
  message: Schema.String,
  data: Json,
}) {}

export const JobStatus = Schema.Literals(["queued", "running", "succeeded", "failed"])

export class Job extends Schema.Class<Job>("Job")({
  id: Id,
  name: Schema.String,
  automation: Schema.String,
  /** five fields: minute hour day month weekday */
  cron: Schema.String,
  enabled: Schema.Boolean,
  params: Json,
  /** the IANA time zone the cron is read in */
  timezone: Schema.String,
  /** what happens to ticks missed while no scheduler ran (see `planMisfires`) */
  misfirePolicy: Schema.Literals(["skip", "coalesce_once", "run_all"]),
  /** how late a tick may still run */
  maxLatenessMs: Schema.Number,
  /** local dates `YYYY-MM-DD` the job does not run on (a school calendar) */
  skipDates: Schema.Array(Schema.String),
  /** a run may start while the job's previous run is still going (by default it waits) */
  allowOverlap: Schema.Boolean,
  /** the next tick; null until the scheduler (or the save) registers the schedule */
  nextRunAt: Schema.NullOr(Timestamp),
  /** ticks at or before this moment are handled */
  lastScheduledFor: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export class JobRun extends Schema.Class<JobRun>("JobRun")({
  id: Id,
  jobId: Schema.NullOr(Id),
  automation: Schema.String,
  status: JobStatus,
  trigger: Schema.Literals(["schedule", "manual", "upload"]),
  details: Json,
  logs: Schema.Array(Schema.String),
  startedAt: Schema.NullOr(Timestamp),
  finishedAt: Schema.NullOr(Timestamp),
}) {}

export const Severity = Schema.Literals(["low", "medium", "high", "critical"])

export class KnownErrorRow extends Schema.Class<KnownErrorRow>("KnownErrorRow")({
  id: Id,
  name: Schema.String,
  pattern: Schema.String,
  stage: Schema.NullOr(Schema.String),
  severity: Severity,
  rootCause: Schema.String,
  correctiveAction: Schema.String,
  active: Schema.Boolean,
}) {}

export const IncidentStatus = Schema.Literals(["open", "in_progress", "resolved", "archived"])
export type IncidentStatus = typeof IncidentStatus.Type

export class TimelineEvent extends Schema.Class<TimelineEvent>("TimelineEvent")({
  at: Timestamp,
  actor: Schema.NullOr(Schema.String),
  kind: Schema.String,
  message: Schema.String,
  data: Json,
}) {}

export class Incident extends Schema.Class<Incident>("Incident")({
  id: Id,
  uploadId: Schema.NullOr(Id),
  stage: Schema.String,
  error: Schema.String,
  status: IncidentStatus,
  severity: Severity,
  knownError: Schema.NullOr(Schema.String),
  rootCause: Schema.NullOr(Schema.String),
  correctiveAction: Schema.NullOr(Schema.String),
  impactSummary: Schema.NullOr(Schema.String),
  analysisNotes: Schema.NullOr(Schema.String),
  assignee: Schema.NullOr(Id),
  retryCount: Schema.Number,
  lastRetryAt: Schema.NullOr(Timestamp),
  timeline: Schema.Array(TimelineEvent),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export class Ticket extends Schema.Class<Ticket>("Ticket")({
  id: Id,
  incidentId: Id,
  title: Schema.String,
  status: Schema.Literals(["open", "closed"]),
  createdAt: Timestamp,
}) {}

/**
 * Failures that are the same story across uploads (same stage, same known error or same
 * message shape, same source), keyed by `fingerprint` (see IncidentGroups.ts). `incidentId`
 * is the incident currently telling that story.
 */
export class IncidentGroup extends Schema.Class<IncidentGroup>("IncidentGroup")({
  fingerprint: Id,
  stage: Schema.String,
  knownError: Schema.NullOr(Schema.String),
  /** the normalized message (digits, ids, quoted values and paths replaced by placeholders) */
  messagePattern: Schema.String,
  /** the normalized source: a department, or a file name without dates and numbers */
  source: Schema.NullOr(Schema.String),
  incidentId: Schema.NullOr(Id),
  count: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)),
  firstSeen: Timestamp,
  lastSeen: Timestamp,
}) {}

/** How a department's data arrives: generated sample data, files dropped in an inbox folder, a page to fetch. */
export const SourceKind = Schema.Literals(["simulated", "directory", "url"])
export type SourceKind = typeof SourceKind.Type

export class DepartmentSource extends Schema.Class<DepartmentSource>("DepartmentSource")({
  id: Id,
  name: Schema.String,
  /** short and unique, upper case: `ADM`, `LIB` */
  code: Schema.String,
  department: Schema.String,
  kind: SourceKind,
  /** the kind's settings: a simulated `feed`, a directory's `path`, a url's `url`... */
  settings: Json,
  enabled: Schema.Boolean,
}) {}

export class DepartmentRecord extends Schema.Class<DepartmentRecord>("DepartmentRecord")({
  id: Id,
  sourceId: Id,
  /** what the record is: `application`, `loan`, `attendance`, `student`... */
  kind: Schema.String,
  /** unique per source and kind: ingesting the same key again updates the record */
  key: Schema.String,
  payload: Json,
  recordedAt: Timestamp,
}) {}

/** A one-time code sent by email: hashed, with an expiry, used at most once. */
const CodeRequestFields = {
  id: Id,
  userId: Id,
  codeHash: Schema.String,
  expiresAt: Timestamp,
  usedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}

export class EmailVerificationRequest extends Schema.Class<EmailVerificationRequest>("EmailVerificationRequest")(
  CodeRequestFields,
) {}

export class PasswordResetRequest extends Schema.Class<PasswordResetRequest>("PasswordResetRequest")(
  CodeRequestFields,
) {}
