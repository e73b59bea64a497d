/**
 * The automations' ledger in SQL (`automation_ledger`): a claim is one INSERT ... ON CONFLICT
 * DO NOTHING, so of two runs claiming one key exactly one gets it.
 */
import { AutomationLedger, type LedgerEntry } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

interface EntryRow {
  readonly scope: string
  readonly key: string
  readonly job_run_id: string | null
  readonly data: Record<string, unknown> | null
  readonly created_at: Date | string
}

const toEntry = (row: EntryRow): LedgerEntry => ({
  scope: row.scope,
  key: row.key,
  jobRunId: row.job_run_id,
  data: row.data ?? {},
  createdAt: iso(row.created_at),
})

/** The `AutomationLedger` over the `SqlClient` in context. */
export const makeAutomationLedger = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const claim = (entry: {
    readonly scope: string
    readonly key: string
    readonly jobRunId?: string | null | undefined
    readonly data?: Readonly<Record<string, unknown>> | undefined
  }) =>
    Effect.map(
      sql<{ key: string }>`INSERT INTO automation_ledger (scope, key, job_run_id, data)
        VALUES (${entry.scope}, ${entry.key},
          (SELECT id FROM job_runs WHERE id = ${entry.jobRunId ?? null}),
          ${JSON.stringify(entry.data ?? {})}::jsonb)
        ON CONFLICT DO NOTHING RETURNING key`,
      (rows) => rows.length > 0,
    )

  const release = (scope: string, key: string) =>
    Effect.map(
      sql<{ key: string }>`DELETE FROM automation_ledger WHERE scope = ${scope} AND key = ${key} RETURNING key`,
      (rows) => rows.length > 0,
    )

  const annotate = (scope: string, key: string, data: Readonly<Record<string, unknown>>) =>
    Effect.asVoid(
      sql`UPDATE automation_ledger SET data = ${JSON.stringify(data)}::jsonb WHERE scope = ${scope} AND key = ${key}`,
    )

  const get = (scope: string, key: string) =>
    Effect.map(
      sql<EntryRow>`SELECT scope, key, job_run_id, data, created_at FROM automation_ledger
        WHERE scope = ${scope} AND key = ${key}`,
      (rows) => Option.map(Option.fromNullishOr(rows[0]), toEntry),
    )

  return AutomationLedger.of(storeErrors({ claim, release, annotate, get }))
})

export const AutomationLedgerLayer: Layer.Layer<AutomationLedger, never, SqlClient.SqlClient> = Layer.effect(
  AutomationLedger,
  makeAutomationLedger,
)
