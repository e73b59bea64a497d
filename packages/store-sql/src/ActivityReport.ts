/**
 * The activity report in SQL (core's `ActivityReport`): counts of what happened over a period, for the status digest.
 * Every query counts; none reads the contents of a record.
 */
import { ActivityReport, type ActivitySummary } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

const byKey = (rows: ReadonlyArray<{ readonly key: string; readonly n: number | string }>) =>
  Object.fromEntries(rows.map((row) => [row.key, Number(row.n)]))

export const makeActivityReport = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const summarize = (since: string, until: string) =>
    Effect.gen(function* () {
      const [uploads, open, opened, resolved, runs] = yield* Effect.all([
        sql<{ key: string; n: number }>`SELECT status AS key, count(*)::int AS n FROM uploads
          WHERE updated_at >= ${since}::timestamptz AND updated_at < ${until}::timestamptz GROUP BY status`,
        sql<{ key: string; n: number }>`SELECT severity AS key, count(*)::int AS n FROM incidents
          WHERE status IN ('open', 'in_progress') GROUP BY severity`,
        sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents
          WHERE created_at >= ${since}::timestamptz AND created_at < ${until}::timestamptz`,
        sql<{ n: number }>`SELECT count(DISTINCT incident_id)::int AS n FROM incident_events
          WHERE at >= ${since}::timestamptz AND at < ${until}::timestamptz
            AND (kind = 'resolved_by_retry' OR (kind = 'status' AND data->>'to' = 'resolved'))`,
        sql<{ key: string; n: number }>`SELECT status AS key, count(*)::int AS n FROM job_runs
          WHERE created_at >= ${since}::timestamptz AND created_at < ${until}::timestamptz GROUP BY status`,
      ])
      const summary: ActivitySummary = {
        since,
        until,
        uploads: byKey(uploads),
        openIncidents: byKey(open),
        incidentsOpened: opened[0]?.n ?? 0,
        incidentsResolved: resolved[0]?.n ?? 0,
        jobRuns: byKey(runs),
      }
      return summary
    })

  const adminEmails = () =>
    Effect.map(
      sql<{ email: string }>`SELECT DISTINCT email FROM users WHERE role = 'admin' AND is_active ORDER BY email`,
      (rows) => rows.map((row) => row.email),
    )

  return ActivityReport.of(storeErrors({ summarize, adminEmails }))
})

export const ActivityReportLayer: Layer.Layer<ActivityReport, never, SqlClient.SqlClient> = Layer.effect(
  ActivityReport,
  makeActivityReport,
)
