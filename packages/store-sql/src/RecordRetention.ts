/**
 * The retention purge's records: core's `RecordRetention` over SQL (the audit log and the
 * counts of refused requests included). The rule it keeps: nothing an open or in-progress
 * incident points to (its upload, the upload pointing at it, the failed run that recorded it)
 * is counted or deleted, and every delete states the rule again, so a record that became
 * protected since the survey stays. The files of a deleted upload are the runner's
 * (`UploadFiles`, in `@batchops/runner-node`).
 */
import { type PurgeableUpload, RecordRetention } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

interface UploadRow {
  readonly id: string
  readonly sha256: string
  readonly file_name: string
  readonly report_csv_path: string | null
  readonly report_pdf_path: string | null
}

const toUpload = (row: UploadRow): PurgeableUpload => ({
  id: row.id,
  sha256: row.sha256,
  fileName: row.file_name,
  reportCsvPath: row.report_csv_path,
  reportPdfPath: row.report_pdf_path,
})

/** `RecordRetention` over the `SqlClient` in context (all values bound as parameters). */
export const makeRecordRetention = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const uploadColumns = sql.literal("u.id, u.sha256, u.file_name, u.report_csv_path, u.report_pdf_path")

  // an upload an open incident points to, or that points to one
  const uploadProtected = sql.literal(`EXISTS (SELECT 1 FROM incidents i
    WHERE i.status IN ('open', 'in_progress') AND (i.upload_id = u.id OR i.id = u.incident_id))`)
  // a run the worker is on (or about to be) is not old news yet
  const uploadBusy = sql.literal(`u.status IN ('queued', 'processing')`)
  // a failed run whose incident is still open is part of that incident's story
  const runProtected = sql.literal(`EXISTS (SELECT 1 FROM incidents i
    WHERE i.status IN ('open', 'in_progress') AND i.id = r.details->>'incident_id')`)

  const survey = (cutoff: string) =>
    Effect.gen(function* () {
      const uploads = yield* sql<UploadRow>`SELECT ${uploadColumns} FROM uploads u
        WHERE u.created_at < ${cutoff}::timestamptz AND NOT ${uploadBusy} AND NOT ${uploadProtected}
        ORDER BY u.created_at, u.id`
      const [counts] = yield* sql<{ kept: number; runs: number; records: number }>`SELECT
          (SELECT count(*)::int FROM uploads u
            WHERE u.created_at < ${cutoff}::timestamptz AND ${uploadProtected}) AS kept,
          (SELECT count(*)::int FROM job_runs r
            WHERE r.created_at < ${cutoff}::timestamptz AND r.status IN ('succeeded', 'failed')
              AND NOT ${runProtected}) AS runs,
          (SELECT count(*)::int FROM department_records WHERE recorded_at < ${cutoff}::timestamptz) AS records`
      return {
        uploads: uploads.map(toUpload),
        keptUploads: Number(counts?.kept ?? 0),
        jobRuns: Number(counts?.runs ?? 0),
        departmentRecords: Number(counts?.records ?? 0),
      }
    })

  const deleteUploads = (cutoff: string) =>
    Effect.map(
      sql<UploadRow>`DELETE FROM uploads u
        WHERE u.created_at < ${cutoff}::timestamptz AND NOT ${uploadBusy} AND NOT ${uploadProtected}
        RETURNING ${uploadColumns}`,
      (rows) => rows.map(toUpload),
    ).pipe(Effect.withSpan("RecordRetention.deleteUploads"))

  const deleteJobRuns = (cutoff: string) =>
    Effect.map(
      sql<{ id: string }>`DELETE FROM job_runs r
        WHERE r.created_at < ${cutoff}::timestamptz AND r.status IN ('succeeded', 'failed') AND NOT ${runProtected}
        RETURNING r.id`,
      (rows) => rows.length,
    ).pipe(Effect.withSpan("RecordRetention.deleteJobRuns"))

  const deleteDepartmentRecords = (cutoff: string) =>
    Effect.map(
      sql<{ id: string }>`DELETE FROM department_records WHERE recorded_at < ${cutoff}::timestamptz RETURNING id`,
      (rows) => rows.length,
    ).pipe(Effect.withSpan("RecordRetention.deleteDepartmentRecords"))

  const surveyAudit = (cutoff: string) =>
    Effect.map(
      sql<{ entries: number; refused: number }>`SELECT
          (SELECT count(*)::int FROM audit_log WHERE at < ${cutoff}::timestamptz) AS entries,
          (SELECT count(*)::int FROM refused_requests WHERE hour < ${cutoff}::timestamptz) AS refused`,
      ([counts]) => ({ entries: Number(counts?.entries ?? 0), refusedCounts: Number(counts?.refused ?? 0) }),
    )

  // counted in the database: a year of audit entries is too many ids to bring back
  const deleteAudit = (cutoff: string) =>
    Effect.map(
      sql<{ entries: number; refused: number }>`WITH
          entries AS (DELETE FROM audit_log WHERE at < ${cutoff}::timestamptz RETURNING 1),
          refused AS (DELETE FROM refused_requests WHERE hour < ${cutoff}::timestamptz RETURNING 1)
        SELECT (SELECT count(*)::int FROM entries) AS entries, (SELECT count(*)::int FROM refused) AS refused`,
      ([counts]) => ({ entries: Number(counts?.entries ?? 0), refusedCounts: Number(counts?.refused ?? 0) }),
    ).pipe(Effect.withSpan("RecordRetention.deleteAudit"))

  return RecordRetention.of(
    storeErrors({ survey, deleteUploads, deleteJobRuns, deleteDepartmentRecords, surveyAudit, deleteAudit }),
  )
})

export const RecordRetentionLayer: Layer.Layer<RecordRetention, never, SqlClient.SqlClient> = Layer.effect(
  RecordRetention,
  makeRecordRetention,
)
