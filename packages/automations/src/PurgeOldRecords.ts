/**
 * `purge_old_records`: deletes what is older than the retention setting (uploads with their
 * original files, reports and checkpoints; finished job runs; department records), never an
 * open or in-progress incident nor what it points to; and the audit log's entries and refused
 * request counts older than their own setting. A dry run counts and deletes nothing. Steps
 * and log lines carry counts only, never the contents of a row.
 */
import { AutomationError, defineAutomation, RecordRetention, UploadFiles } from "@batchops/core"
import { Clock, Effect, Schema } from "effect"

const DEFAULT_DAYS = 365
/** the audit log outlives what it speaks of by default: who did what is asked about long after */
const DEFAULT_AUDIT_DAYS = 730
const DAY_MS = 24 * 60 * 60 * 1000

const Days = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

export const PurgeParams = Schema.Struct({
  older_than_days: Schema.optionalKey(
    Days.annotate({ description: `records older than this many days are deleted (default ${DEFAULT_DAYS})` }),
  ),
  /** the name the seeded job has carried since the first release */
  olderThanDays: Schema.optionalKey(
    Days.annotate({ description: "older name of older_than_days (older_than_days wins when both are given)" }),
  ),
  audit_older_than_days: Schema.optionalKey(
    Days.annotate({
      description: `audit log entries and refused request counts older than this many days are deleted (default ${DEFAULT_AUDIT_DAYS})`,
    }),
  ),
  dry_run: Schema.Boolean.annotate({
    description: "count what would be deleted and delete nothing (default false)",
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
})

export type PurgeParams = typeof PurgeParams.Type

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS).toISOString()

/** The cut-off of a purge run at `now`: records created before it are old. */
export const purgeCutoff = (params: PurgeParams, now: Date): { readonly days: number; readonly cutoff: string } => {
  const days = params.older_than_days ?? params.olderThanDays ?? DEFAULT_DAYS
  return { days, cutoff: daysBefore(now, days) }
}

/** The audit log's cut-off of a purge run at `now`. */
const auditCutoff = (params: PurgeParams, now: Date): { readonly days: number; readonly cutoff: string } => {
  const days = params.audit_older_than_days ?? DEFAULT_AUDIT_DAYS
  return { days, cutoff: daysBefore(now, days) }
}

const failed = (what: string) => (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot ${what}: ${error.message}`, cause: error })

export const purgeOldRecords = defineAutomation({
  key: "purge_old_records",
  description:
    "Deletes uploads (with their files and reports), finished job runs and department records older than " +
    "the retention setting; never an open or in-progress incident or what it points to. Deletes audit log " +
    "entries and refused request counts older than the audit retention setting. Supports a dry run.",
  params: PurgeParams,
  // by hand: it deletes records for good
  runByHand: "admin",
  run: (params, context) =>
    Effect.gen(function* () {
      const retention = yield* RecordRetention
      const files = yield* UploadFiles
      const now = new Date(yield* Clock.currentTimeMillis)
      const { days, cutoff } = purgeCutoff(params, now)
      const audit = auditCutoff(params, now)
      const dryRun = params.dry_run
      yield* context.log(
        `${dryRun ? "dry run: counting" : "deleting"} records older than ${days} days (${cutoff}) ` +
          `and audit entries older than ${audit.days} days (${audit.cutoff})`,
      )

      const survey = yield* retention.survey(cutoff).pipe(Effect.mapError(failed("find the old records")))
      const auditSurvey = yield* retention
        .surveyAudit(audit.cutoff)
        .pipe(Effect.mapError(failed("find the old audit entries")))
      yield* context.step("survey", {
        cutoff,
        uploads: survey.uploads.length,
        kept_uploads: survey.keptUploads,
        job_runs: survey.jobRuns,
        department_records: survey.departmentRecords,
        audit_cutoff: audit.cutoff,
        audit_entries: auditSurvey.entries,
        refused_counts: auditSurvey.refusedCounts,
      })
      if (survey.keptUploads > 0) {
        yield* context.log(`${survey.keptUploads} old uploads kept: an open incident points to them`)
      }

      if (dryRun) {
        let fileCount = 0
        for (const upload of survey.uploads) {
          fileCount += yield* files.count(upload).pipe(Effect.mapError(failed("count the upload files")))
        }
        const counts = {
          uploads: survey.uploads.length,
          files: fileCount,
          job_runs: survey.jobRuns,
          department_records: survey.departmentRecords,
          audit_entries: auditSurvey.entries,
          refused_counts: auditSurvey.refusedCounts,
        }
        yield* context.log(
          `dry run: would delete ${counts.uploads} uploads (${counts.files} files), ${counts.job_runs} job runs, ` +
            `${counts.department_records} department records, ${counts.audit_entries} audit entries ` +
            `and ${counts.refused_counts} refused request counts; nothing deleted`,
        )
        return {
          dry_run: true,
          older_than_days: days,
          cutoff,
          audit_older_than_days: audit.days,
          audit_cutoff: audit.cutoff,
          kept_uploads: survey.keptUploads,
          ...counts,
        }
      }

      // rows first, then their files: a file without its row is only litter, a row without its
      // file would be a broken upload
      const deleted = yield* retention.deleteUploads(cutoff).pipe(Effect.mapError(failed("delete the old uploads")))
      let fileCount = 0
      for (const upload of deleted) {
        fileCount += yield* files.remove(upload).pipe(Effect.mapError(failed("remove the upload files")))
      }
      yield* context.step("uploads", { deleted: deleted.length, files: fileCount })
      yield* context.log(`deleted ${deleted.length} uploads and ${fileCount} of their files`)

      const runs = yield* retention.deleteJobRuns(cutoff).pipe(Effect.mapError(failed("delete the old job runs")))
      yield* context.step("job_runs", { deleted: runs })
      yield* context.log(`deleted ${runs} job runs`)

      const records = yield* retention
        .deleteDepartmentRecords(cutoff)
        .pipe(Effect.mapError(failed("delete the old department records")))
      yield* context.step("department_records", { deleted: records })
      yield* context.log(`deleted ${records} department records`)

      const audited = yield* retention
        .deleteAudit(audit.cutoff)
        .pipe(Effect.mapError(failed("delete the old audit entries")))
      yield* context.step("audit_log", { entries: audited.entries, refused_counts: audited.refusedCounts })
      yield* context.log(`deleted ${audited.entries} audit entries and ${audited.refusedCounts} refused request counts`)

      return {
        dry_run: false,
        older_than_days: days,
        cutoff,
        audit_older_than_days: audit.days,
        audit_cutoff: audit.cutoff,
        kept_uploads: survey.keptUploads,
        uploads: deleted.length,
        files: fileCount,
        job_runs: runs,
        department_records: records,
        audit_entries: audited.entries,
        refused_counts: audited.refusedCounts,
      }
    }),
})
