/**
 * The published reports of an upload, downloaded from the database (the bytes the worker
 * stored beside the files, so a download works from any API host), under the name of the
 * published file.
 */
import path from "node:path"
import { UploadsRepo } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { defineRoute, notFound } from "../Api.js"
import { loadUpload } from "./Uploads.js"

const CONTENT_TYPES = { csv: "text/csv; charset=utf-8", pdf: "application/pdf" } as const

/**
 * `attachment; filename="..."` with an ASCII stand-in for any other character (and no quote
 * or backslash), plus RFC 6266's `filename*` with the exact UTF-8 name when they differ.
 */
export const contentDisposition = (fileName: string): string => {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_")
  if (ascii === fileName) return `attachment; filename="${ascii}"`
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

const SummaryQuery = Schema.Struct({
  upload_id: Schema.String,
  format: Schema.optional(Schema.Literals(["csv", "pdf"])),
})

const summary = defineRoute({
  method: "GET",
  path: "/api/reports/summary/",
  summary: "Download an upload's summary report (format csv, the default, or pdf)",
  tag: "Reports",
  access: "user",
  query: SummaryQuery,
  produces: [CONTENT_TYPES.csv, CONTENT_TYPES.pdf],
  handler: (ctx) =>
    Effect.gen(function* () {
      const uploads = yield* UploadsRepo
      const format = ctx.query.format ?? "csv"
      const upload = yield* loadUpload(ctx.query.upload_id)
      const bytes = yield* uploads.getReport(upload.id, format)
      if (Option.isNone(bytes)) {
        return yield* notFound(
          `upload ${upload.id} has no ${format.toUpperCase()} report yet (it is ${upload.status.replace("_", " ")})`,
        )
      }
      const stored = format === "csv" ? upload.reportCsvPath : upload.reportPdfPath
      const name = stored === null ? `${upload.id}.summary.${format}` : path.basename(stored)
      const body = bytes.value
      return new Response(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength), {
        status: 200,
        headers: {
          "Content-Type": CONTENT_TYPES[format],
          "Content-Disposition": contentDisposition(name),
          "Content-Length": String(body.byteLength),
          "Cache-Control": "private, no-store",
        },
      })
    }),
})

export const reportRoutes = [summary]
