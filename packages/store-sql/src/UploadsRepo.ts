/** Uploads in SQL: the `uploads` table as the core `Upload` model, with the report bytes beside it. */
import {
  Models,
  type NewUpload,
  type NewUploadEvent,
  type UploadListQuery,
  type UploadReports,
  UploadsRepo,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

type Upload = Models.Upload
type UploadStatus = Models.UploadStatus
type StepLog = Models.StepLog
type UploadEvent = Models.UploadEvent

interface UploadRow {
  readonly id: string
  readonly file_name: string
  readonly format: string | null
  readonly size: number | bigint | string
  readonly sha256: string
  readonly status: UploadStatus
  readonly profile: string
  readonly process_mode: string
  readonly process_config: unknown
  readonly progress: number
  readonly steps: ReadonlyArray<Record<string, unknown>>
  readonly report_csv_path: string | null
  readonly report_pdf_path: string | null
  readonly rows: number | null
  readonly uploaded_by: string | null
  readonly incident_id: string | null
  readonly approval: Record<string, unknown> | null
  readonly created_at: Date | string
  readonly updated_at: Date | string
}

interface EventRow {
  readonly at: Date | string
  readonly actor: string | null
  readonly kind: string
  readonly message: string
  readonly data: Record<string, unknown>
}

const toEvent = (row: EventRow): UploadEvent =>
  new Models.UploadEvent({ at: iso(row.at), actor: row.actor, kind: row.kind, message: row.message, data: row.data })

export const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

/** Rows the database constrained already: the model's checks need not run again on every row of a list. */
const TRUSTED = { disableChecks: true } as const

const toUpload = (row: UploadRow): Upload =>
  new Models.Upload(
    {
      id: row.id,
      fileName: row.file_name,
      format: row.format,
      size: Number(row.size),
      sha256: row.sha256,
      status: row.status,
      profile: row.profile,
      processMode: row.process_mode,
      processConfig: row.process_config,
      progress: Number(row.progress),
      steps: row.steps.map(
        (step) => new Models.StepLog(step as ConstructorParameters<typeof Models.StepLog>[0], TRUSTED),
      ),
      reportCsvPath: row.report_csv_path,
      reportPdfPath: row.report_pdf_path,
      rows: row.rows,
      uploadedBy: row.uploaded_by,
      incidentId: row.incident_id,
      approval: row.approval,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    },
    TRUSTED,
  )

const stepJson = (steps: ReadonlyArray<StepLog>): string =>
  JSON.stringify(
    steps.map((s) => ({ name: s.name, plugin: s.plugin, status: s.status, durationMs: s.durationMs, log: s.log })),
  )

/** The `UploadsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeUploadsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, file_name, format, size, sha256, status, profile, process_mode, process_config, progress, steps, " +
      "report_csv_path, report_pdf_path, rows, uploaded_by, incident_id, approval, created_at, updated_at",
  )
  const one = (rows: ReadonlyArray<UploadRow>) => Option.map(Option.fromNullishOr(rows[0]), toUpload)

  const insert = (input: NewUpload) =>
    Effect.map(
      sql<UploadRow>`INSERT INTO uploads
        (id, file_name, format, size, sha256, status, profile, process_mode, process_config, uploaded_by)
        VALUES (COALESCE(${input.id ?? null}, gen_random_uuid()::text), ${input.fileName}, ${input.format},
          ${input.size}, ${input.sha256}, 'queued', ${input.profile}, ${input.processMode},
          ${JSON.stringify(input.processConfig ?? {})}::jsonb, ${input.uploadedBy ?? null})
        RETURNING ${columns}`,
      (rows) => toUpload(rows[0]!),
    ).pipe(Effect.withSpan("UploadsRepo.insert"))

  const get = (id: string) => Effect.map(sql<UploadRow>`SELECT ${columns} FROM uploads WHERE id = ${id}`, one)

  /** The WHERE clause of a list query: every filter given, all values bound as parameters. */
  const listWhere = (query: UploadListQuery) => {
    const clauses = []
    if (query.status !== undefined) clauses.push(sql`status = ${query.status}`)
    if (query.createdAfter !== undefined) clauses.push(sql`created_at >= ${query.createdAfter}::timestamptz`)
    if (query.createdBefore !== undefined) clauses.push(sql`created_at <= ${query.createdBefore}::timestamptz`)
    if (query.profile !== undefined) clauses.push(sql`profile = ${query.profile}`)
    if (query.processMode !== undefined) clauses.push(sql`process_mode = ${query.processMode}`)
    if (query.uploadedBy !== undefined) clauses.push(sql`uploaded_by = ${query.uploadedBy}`)
    return sql.and(clauses)
  }

  // The page is one indexed statement (newest first, LIMIT): its cost does not grow with the
  // table. The count of the whole list comes from upload_counts (kept by triggers, see
  // migration 0010) when the list is filtered by status at most; other filters count the
  // matching rows in the same statement (count(*) OVER (), computed before LIMIT). Either way
  // the number of statements does not grow with the page size.
  const list = (query: UploadListQuery) =>
    Effect.gen(function* () {
      const where = listWhere(query)
      const countedByStatus =
        query.createdAfter === undefined &&
        query.createdBefore === undefined &&
        query.profile === undefined &&
        query.processMode === undefined &&
        query.uploadedBy === undefined
      if (countedByStatus) {
        const total =
          query.status === undefined
            ? sql`(SELECT COALESCE(sum(n), 0) FROM upload_counts)`
            : sql`(SELECT COALESCE(sum(n), 0) FROM upload_counts WHERE status = ${query.status})`
        const rows = yield* sql<UploadRow & { readonly total: number | string }>`SELECT page.*, totals.total
          FROM (SELECT ${total} AS total) AS totals
          LEFT JOIN LATERAL (SELECT ${columns} FROM uploads WHERE ${where}
            ORDER BY created_at DESC, id DESC LIMIT ${query.limit} OFFSET ${query.offset}) AS page ON true`
        const count = Number(rows[0]?.total ?? 0)
        return { count, uploads: rows.filter((row) => row.id !== null).map(toUpload) }
      }
      const rows = yield* sql<UploadRow & { readonly total: number | string }>`SELECT ${columns},
          count(*) OVER () AS total
        FROM uploads WHERE ${where}
        ORDER BY created_at DESC, id DESC LIMIT ${query.limit} OFFSET ${query.offset}`
      if (rows.length > 0) return { count: Number(rows[0]!.total), uploads: rows.map(toUpload) }
      if (query.offset === 0) return { count: 0, uploads: [] }
      const [counted] = yield* sql<{ n: number | string }>`SELECT count(*) AS n FROM uploads WHERE ${where}`
      return { count: Number(counted?.n ?? 0), uploads: [] }
    }).pipe(Effect.withSpan("UploadsRepo.list"))

  // The work items go first: one that still names the upload would be claimed for nothing.
  const remove = (id: string, unless: ReadonlyArray<UploadStatus>) =>
    Effect.gen(function* () {
      const refused = unless.length === 0 ? sql`false` : sql`status IN ${sql.in(unless)}`
      const rows = yield* sql<UploadRow>`DELETE FROM uploads WHERE id = ${id} AND NOT (${refused})
        RETURNING ${columns}`
      if (rows.length === 0) return Option.none<Upload>()
      yield* sql`DELETE FROM work_queue WHERE kind = 'process_upload' AND payload->>'uploadId' = ${id}
        AND status <> 'running'`
      return Option.some(toUpload(rows[0]!))
    }).pipe(sql.withTransaction, Effect.withSpan("UploadsRepo.remove"))

  const correctPlan = (
    id: string,
    from: ReadonlyArray<UploadStatus>,
    plan: { profile: string; processMode: string; processConfig: unknown },
  ) =>
    Effect.map(
      sql<UploadRow>`UPDATE uploads SET profile = ${plan.profile}, process_mode = ${plan.processMode},
        process_config = ${JSON.stringify(plan.processConfig ?? {})}::jsonb, updated_at = now()
        WHERE id = ${id} AND status IN ${sql.in(from)} RETURNING ${columns}`,
      one,
    )

  const listByStatus = (status: UploadStatus) =>
    Effect.map(
      sql<UploadRow>`SELECT ${columns} FROM uploads WHERE status = ${status} ORDER BY created_at, id`,
      (rows) => rows.map(toUpload),
    )

  const updateStatus = (id: string, status: UploadStatus, progress?: number) =>
    Effect.map(
      sql<UploadRow>`UPDATE uploads SET status = ${status},
        progress = COALESCE(${progress ?? null}::double precision, progress), updated_at = now()
        WHERE id = ${id} RETURNING ${columns}`,
      one,
    )

  const updateSteps = (id: string, steps: ReadonlyArray<StepLog>) =>
    Effect.map(
      sql<UploadRow>`UPDATE uploads SET steps = ${stepJson(steps)}::jsonb, updated_at = now()
        WHERE id = ${id} RETURNING ${columns}`,
      one,
    )

  const updateReports = (id: string, reports: UploadReports) => {
    const set: Record<string, unknown> = {}
    if (reports.csv !== undefined) set.report_csv = reports.csv
    if (reports.pdf !== undefined) set.report_pdf = reports.pdf
    if (reports.csvPath !== undefined) set.report_csv_path = reports.csvPath
    if (reports.pdfPath !== undefined) set.report_pdf_path = reports.pdfPath
    if (reports.rows !== undefined) set.rows = reports.rows
    if (Object.keys(set).length === 0) return get(id)
    return Effect.map(
      sql<UploadRow>`UPDATE uploads SET ${sql.update(set)}, updated_at = now()
        WHERE id = ${id} RETURNING ${columns}`,
      one,
    )
  }

  const getReport = (id: string, kind: "csv" | "pdf") =>
    Effect.map(
      sql<{ bytes: Uint8Array | null }>`SELECT ${sql(kind === "csv" ? "report_csv" : "report_pdf")} AS bytes
        FROM uploads WHERE id = ${id}`,
      (rows) => Option.fromNullishOr(rows[0]?.bytes),
    )

  const moveStatus = (id: string, from: ReadonlyArray<UploadStatus>, to: UploadStatus) =>
    Effect.map(
      sql<UploadRow>`UPDATE uploads SET status = ${to}, updated_at = now()
        WHERE id = ${id} AND status IN ${sql.in(from)} RETURNING ${columns}`,
      one,
    )

  const setIncident = (id: string, incidentId: string | null) =>
    Effect.asVoid(sql`UPDATE uploads SET incident_id = ${incidentId}, updated_at = now() WHERE id = ${id}`)

  const setApproval = (id: string, approval: Record<string, unknown> | null) =>
    Effect.asVoid(
      sql`UPDATE uploads SET approval = ${approval === null ? null : JSON.stringify(approval)}::jsonb,
        updated_at = now() WHERE id = ${id}`,
    )

  const setPlan = (id: string, plan: { profile: string; processMode: string; processConfig: unknown }) =>
    Effect.asVoid(
      sql`UPDATE uploads SET profile = ${plan.profile}, process_mode = ${plan.processMode},
        process_config = ${JSON.stringify(plan.processConfig ?? {})}::jsonb, updated_at = now() WHERE id = ${id}`,
    )

  const appendEvent = (id: string, event: NewUploadEvent) =>
    Effect.map(
      sql<EventRow>`INSERT INTO upload_events (upload_id, actor, kind, message, data)
        VALUES (${id}, ${event.actor}, ${event.kind}, ${event.message}, ${JSON.stringify(event.data ?? {})}::jsonb)
        RETURNING at, actor, kind, message, data`,
      (rows) => toEvent(rows[0]!),
    )

  const events = (id: string) =>
    Effect.map(
      sql<EventRow>`SELECT at, actor, kind, message, data FROM upload_events WHERE upload_id = ${id} ORDER BY id`,
      (rows) => rows.map(toEvent),
    )

  return UploadsRepo.of(
    storeErrors({
      insert,
      get,
      list,
      remove,
      correctPlan,
      listByStatus,
      updateStatus,
      updateSteps,
      updateReports,
      getReport,
      moveStatus,
      setIncident,
      setApproval,
      setPlan,
      appendEvent,
      events,
    }),
  )
})

export const UploadsRepoLayer: Layer.Layer<UploadsRepo, never, SqlClient.SqlClient> = Layer.effect(
  UploadsRepo,
  makeUploadsRepo,
)
