/**
 * An upload as the API shows it: one schema (see `snakeJson`) with the encoder derived from it
 * (the plan's config and the step logs keep their own keys), report download URLs instead of
 * report paths.
 */
import type { Models } from "@batchops/core"
import { Schema } from "effect"
import { encoderOf, snakeJson } from "../Api.js"

type Upload = Models.Upload

/** Where the report of an upload downloads from (see Reports.ts). */
export const reportUrl = (uploadId: string, format: "csv" | "pdf"): string =>
  `/api/reports/summary/?upload_id=${encodeURIComponent(uploadId)}&format=${format}`

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

const Json = Schema.Record(Schema.String, Schema.Unknown)

export const StageJson = snakeJson({
  name: Schema.String,
  plugin: Schema.String,
  status: Schema.Literals(["ok", "failed", "skipped", "reused"]),
  durationMs: Schema.Number,
  log: Json,
})

/** The held run's request and decision, as `approvalJson` reads them from what was stored. */
const ApprovalJson = Schema.Struct({
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
})

export const UploadJson = snakeJson({
  id: Schema.String,
  fileName: Schema.String,
  status: Schema.Literals(["queued", "processing", "awaiting_approval", "published", "failed", "rejected"]),
  processMode: Schema.String,
  processConfig: Schema.Unknown,
  profile: Schema.String,
  progress: Schema.Number,
  rows: Schema.NullOr(Schema.Number),
  size: Schema.Number,
  sha256: Schema.String,
  stages: Schema.Array(StageJson),
  incidentId: Schema.NullOr(Schema.String),
  approval: Schema.NullOr(ApprovalJson),
  reports: Schema.Struct({ csv: Schema.NullOr(Schema.String), pdf: Schema.NullOr(Schema.String) }),
  uploadedBy: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
  updatedAt: Schema.String,
})
const encodeUpload = encoderOf(UploadJson)

export const uploadJson = (upload: Upload) =>
  encodeUpload({
    ...upload,
    processConfig: upload.processConfig ?? {},
    stages: upload.steps,
    approval: approvalJson(upload.approval),
    reports: {
      csv: upload.reportCsvPath === null ? null : reportUrl(upload.id, "csv"),
      pdf: upload.reportPdfPath === null ? null : reportUrl(upload.id, "pdf"),
    },
  })

export const UploadEventJson = snakeJson({
  at: Schema.String,
  actor: Schema.NullOr(Schema.String),
  kind: Schema.String,
  message: Schema.String,
  data: Json,
})
export const uploadEventJson = encoderOf(UploadEventJson)
