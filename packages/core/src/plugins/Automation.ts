/**
 * Automations: the named chores a job runs (purging old records, reminders, backups). A
 * plugin contributes them exactly as BatchOps contributes its own: a key, a schema that
 * decodes the job's parameters (with their defaults), and a run function.
 *
 * Core stays free of I/O: a run reaches the outside world only through the services named in
 * `AutomationServices` (ports whose adapters the host provides), and tells what it did through
 * its context (`log`, `step`), which the host stores on the job run.
 */
import { Context, type Effect, Schema } from "effect"
import type { Role } from "../models/Models.js"
import type { AutomationLedger } from "../ports/AutomationLedger.js"
import type { Backups } from "../ports/Backups.js"
import type { DepartmentsRepo } from "../ports/DepartmentsRepo.js"
import type { IncidentsRepo } from "../ports/IncidentsRepo.js"
import type { JobRunsRepo } from "../ports/JobRunsRepo.js"
import type { JobsRepo } from "../ports/JobsRepo.js"
import type { Mailer } from "../ports/Mailer.js"
import type { StoreError } from "../ports/StoreError.js"
import type { Transactions } from "../ports/Transactions.js"
import type { UploadIntake } from "../ports/UploadIntake.js"
import type { UploadsRepo } from "../ports/UploadsRepo.js"
import type { WorkQueue } from "../ports/WorkQueue.js"

/** An automation could not do its work; `message` is for the people reading the run and its incident. */
export class AutomationError extends Schema.TaggedError<AutomationError>()("AutomationError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Unknown),
}) {}

/** What a run hands back: counts and short facts, stored on the run (never row contents). */
export type AutomationResult = Readonly<Record<string, unknown>>

/** What a run knows about itself and how it reports progress. */
export interface AutomationContext {
  readonly runId: string
  /** null for a run whose job was deleted meanwhile */
  readonly jobId: string | null
  /** what started the run: its job's schedule, a person (`manual`), or an upload */
  readonly trigger: "schedule" | "manual" | "upload"
  /** a line of the run's log (ids and counts, never the contents of rows) */
  readonly log: (line: string) => Effect.Effect<void>
  /** a named step with what it did, shown with the run */
  readonly step: (name: string, details?: Readonly<Record<string, unknown>>) => Effect.Effect<void>
}

/** One upload the retention purge would delete, with what its files are found by. */
export interface PurgeableUpload {
  readonly id: string
  readonly sha256: string
  readonly fileName: string
  readonly reportCsvPath: string | null
  readonly reportPdfPath: string | null
}

/** What a purge at a cut-off would delete, and the old uploads it keeps for an open incident. */
export interface RetentionSurvey {
  readonly uploads: ReadonlyArray<PurgeableUpload>
  /** old uploads an open or in-progress incident points to (or that one points to), kept */
  readonly keptUploads: number
  readonly jobRuns: number
  readonly departmentRecords: number
}

/** The audit log's entries and hourly counts of refused requests older than a cut-off. */
export interface AuditSurvey {
  readonly entries: number
  readonly refusedCounts: number
}

/**
 * The retention port: old records by a cut-off (ISO-8601, exclusive). Nothing an open or
 * in-progress incident points to is ever counted or deleted, and incidents themselves are not
 * this port's. Each delete checks the rules again, so a record that became protected between
 * the survey and the delete stays.
 */
export interface RecordRetentionShape {
  readonly survey: (cutoff: string) => Effect.Effect<RetentionSurvey, StoreError>
  /** deletes the purgeable uploads (their reports and events go with the row) and returns them */
  readonly deleteUploads: (cutoff: string) => Effect.Effect<ReadonlyArray<PurgeableUpload>, StoreError>
  /** finished runs only: a queued or running run is left alone */
  readonly deleteJobRuns: (cutoff: string) => Effect.Effect<number, StoreError>
  readonly deleteDepartmentRecords: (cutoff: string) => Effect.Effect<number, StoreError>
  /** the audit log has a cut-off of its own: it is kept longer than the records it speaks of */
  readonly surveyAudit: (cutoff: string) => Effect.Effect<AuditSurvey, StoreError>
  readonly deleteAudit: (cutoff: string) => Effect.Effect<AuditSurvey, StoreError>
}

export class RecordRetention extends Context.Service<RecordRetention, RecordRetentionShape>()(
  "@batchops/core/RecordRetention",
) {}

/** The files the host keeps for an upload (the original, its reports, its stage checkpoints). */
export interface UploadFilesShape {
  /** how many files the upload has on disk */
  readonly count: (upload: PurgeableUpload) => Effect.Effect<number, StoreError>
  /** removes them and says how many there were; a file already gone is not an error */
  readonly remove: (upload: PurgeableUpload) => Effect.Effect<number, StoreError>
}

export class UploadFiles extends Context.Service<UploadFiles, UploadFilesShape>()("@batchops/core/UploadFiles") {}

/** What happened in the control room over a period, for the status digest (counts only). */
export interface ActivitySummary {
  readonly since: string
  readonly until: string
  /** uploads whose status changed in the period, by their status now */
  readonly uploads: Readonly<Record<string, number>>
  /** open and in-progress incidents now, by severity */
  readonly openIncidents: Readonly<Record<string, number>>
  readonly incidentsOpened: number
  readonly incidentsResolved: number
  /** job runs created in the period, by status */
  readonly jobRuns: Readonly<Record<string, number>>
}

export interface ActivityReportShape {
  readonly summarize: (since: string, until: string) => Effect.Effect<ActivitySummary, StoreError>
  /** the addresses of the active admins (the digest is theirs) */
  readonly adminEmails: () => Effect.Effect<ReadonlyArray<string>, StoreError>
}

export class ActivityReport extends Context.Service<ActivityReport, ActivityReportShape>()(
  "@batchops/core/ActivityReport",
) {}

/** Where the host lets automations work, from its configuration. */
export interface AutomationSettingsShape {
  /** where `run_daily_backup` writes its backups */
  readonly backupDir: string
  /** the department inbox folders: a directory source's `settings.path` is inside it */
  readonly inboxDir: string
  /** the hosts (`host` or `host:port`) `run_web_scrape` may fetch from; empty: none */
  readonly scrapeAllowedHosts: ReadonlyArray<string>
}

export class AutomationSettings extends Context.Service<AutomationSettings, AutomationSettingsShape>()(
  "@batchops/core/AutomationSettings",
) {}

/** The services every host provides to a run (and all a run may use). */
export type AutomationServices =
  | ActivityReport
  | AutomationLedger
  | AutomationSettings
  | Backups
  | UploadIntake
  | Mailer
  | RecordRetention
  | UploadFiles
  | UploadsRepo
  | IncidentsRepo
  | DepartmentsRepo
  | JobsRepo
  | JobRunsRepo
  | WorkQueue
  | Transactions

/**
 * Who may run an automation's jobs by hand: every signed-in person (`any`), admins and
 * moderators (`moderator`), or admins only (`admin`). Schedules run whatever it says.
 */
export type ManualRunAccess = "any" | "moderator" | "admin"

export const MANUAL_RUN_ACCESS: ReadonlyArray<ManualRunAccess> = ["any", "moderator", "admin"]

/**
 * An automation that does not say who may run it by hand is for admins: a chore that deletes
 * or mails is never opened to every account by an omission.
 */
export const DEFAULT_MANUAL_RUN_ACCESS: ManualRunAccess = "admin"

/** Whether a person of `role` may run `automation`'s jobs by hand. */
export const mayRunByHand = (automation: Pick<Automation, "runByHand">, role: Role): boolean => {
  switch (automation.runByHand ?? DEFAULT_MANUAL_RUN_ACCESS) {
    case "any":
      return true
    case "moderator":
      return role === "admin" || role === "moderator"
    case "admin":
      return role === "admin"
  }
}

/**
 * A named chore a job runs. `params` decodes the job's stored parameters (a JSON object) into
 * what `run` takes, filling defaults; a parameter it refuses fails the run with the field named.
 */
// biome-ignore lint/suspicious/noExplicitAny: an automation's parameter type is its own business
export interface Automation<P = any> {
  /** unique across plugins; jobs name their automation by it */
  readonly key: string
  readonly description: string
  // biome-ignore lint/suspicious/noExplicitAny: parameters are decoded from whatever JSON the job stores
  readonly params: Schema.Codec<P, any>
  /** who may run its jobs by hand (default `admin`, see `ManualRunAccess`) */
  readonly runByHand?: ManualRunAccess | undefined
  readonly run: (
    params: P,
    context: AutomationContext,
  ) => Effect.Effect<AutomationResult, AutomationError, AutomationServices>
}

/** Declare an automation (an identity function that ties `run`'s parameters to the schema). */
export const defineAutomation = <P>(automation: Automation<P>): Automation<P> => automation
