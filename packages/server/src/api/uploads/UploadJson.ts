/**
 * An upload as the API shows it: snake_case fields written out one by one (the plan's config
 * and the step logs keep their own keys), report download URLs instead of report paths.
 */
import type { Models } from "@batchops/core"
import { Schema } from "effect"

type Upload = Models.Upload

/** Where the report of an upload downloads from (see Reports.ts). */
export const reportUrl = (uploadId: string, format: "csv" | "pdf"): string =>
  `/api/reports/summary/?upload_id=${encodeURIComponent(uploadId)}&format=${format}`

const stageJson = (step: Models.StepLog) => ({
  name: step.name,
  plugin: step.plugin,
  status: step.status,
  duration_ms: step.durationMs,
  log: step.log,
})

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}

const numberOr = (value: unknown): number | null => (typeof value === "number" ? value : null)

/** The held run's request (core's ApprovalRequest) and the decision, when there is one. */
const approvalJson = (approval: Record<string, unknown> | null) => {
  if (approval === null) return null
  const request = record(approval.request)
  const decision = approval.decision === undefined ? null : record(approval.decision)
  return {
    request: {
      stage: typeof request.stage === "string" ? request.stage : null,
      plan: typeof request.plan === "string" ? request.plan : null,
      input_rows: numberOr(request.inputRows),
      deleted: numberOr(request.deleted),
      appended: numberOr(request.appended),
      share: numberOr(request.share),
      max_share: numberOr(request.maxShare),
      message: typeof request.message === "string" ? request.message : null,
      columns: Array.isArray(request.columns) ? request.columns : [],
      preview: Array.isArray(request.preview) ? request.preview : [],
    },
    held_at: typeof approval.heldAt === "string" ? approval.heldAt : null,
    decision:
      decision === null
        ? null
        : {
            approved: decision.approved === true,
            by: typeof decision.by === "string" ? decision.by : null,
            at: typeof decision.at === "string" ? decision.at : null,
            note: typeof decision.note === "string" ? decision.note : null,
          },
  }
}

export const uploadJson = (upload: Upload) => ({
  id: upload.id,
  file_name: upload.fileName,
  status: upload.status,
  process_mode: upload.processMode,
  process_config: upload.processConfig ?? {},
  profile: upload.profile,
  progress: upload.progress,
  rows: upload.rows,
  size: upload.size,
  sha256: upload.sha256,
  stages: upload.steps.map(stageJson),
  incident_id: upload.incidentId,
  approval: approvalJson(upload.approval),
  reports: {
    csv: upload.reportCsvPath === null ? null : reportUrl(upload.id, "csv"),
    pdf: upload.reportPdfPath === null ? null : reportUrl(upload.id, "pdf"),
  },
  uploaded_by: upload.uploadedBy,
  created_at: upload.createdAt,
  updated_at: upload.updatedAt,
})

const Json = Schema.Record(Schema.String, Schema.Unknown)

export const StageJson = Schema.Struct({
  name: Schema.String,
  plugin: Schema.String,
  status: Schema.Literals(["ok", "failed", "skipped", "reused"]),
  duration_ms: Schema.Number,
  log: Json,
})

export const UploadJson = Schema.Struct({
  id: Schema.String,
  file_name: Schema.String,
  status: Schema.Literals(["queued", "processing", "awaiting_approval", "published", "failed", "rejected"]),
  process_mode: Schema.String,
  process_config: Schema.Unknown,
  profile: Schema.String,
  progress: Schema.Number,
  rows: Schema.NullOr(Schema.Number),
  size: Schema.Number,
  sha256: Schema.String,
  stages: Schema.Array(StageJson),
  incident_id: Schema.NullOr(Schema.String),
  approval: Schema.NullOr(
    Schema.Struct({
      request: Json,
      held_at: Schema.NullOr(Schema.String),
      decision: Schema.NullOr(
        Schema.Struct({
          approved: Schema.Boolean,
          by: Schema.NullOr(Schema.String),
          at: Schema.NullOr(Schema.String),
          note: Schema.NullOr(Schema.String),
        }),
      ),
    }),
  ),
  reports: Schema.Struct({ csv: Schema.NullOr(Schema.String), pdf: Schema.NullOr(Schema.String) }),
  uploaded_by: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  updated_at: Schema.String,
})

export const UploadEventJson = Schema.Struct({
  at: Schema.String,
  actor: Schema.NullOr(Schema.String),
  kind: Schema.String,
  message: Schema.String,
  data: Json,
})

export const uploadEventJson = (event: Models.UploadEvent) => ({
  at: event.at,
  actor: event.actor,
  kind: event.kind,
  message: event.message,
  data: event.data,
})
