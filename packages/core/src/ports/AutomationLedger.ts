/**
 * The automations' ledger: what a job already did, by scope and key (a reminder sent to a
 * student on a day, a file's content taken from an inbox). `claim` is atomic: of two runs
 * claiming one key, exactly one gets `true`, so a chore done once is never done twice, also
 * with two runners. The reference adapter is `@batchops/store-sql`.
 */
import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "./StoreError.js"

export interface LedgerEntry {
  readonly scope: string
  readonly key: string
  readonly jobRunId: string | null
  readonly data: Readonly<Record<string, unknown>>
  readonly createdAt: string
}

export interface AutomationLedgerShape {
  /** records (scope, key) and returns true, or returns false when it is recorded already */
  readonly claim: (entry: {
    readonly scope: string
    readonly key: string
    readonly jobRunId?: string | null | undefined
    readonly data?: Readonly<Record<string, unknown>> | undefined
  }) => Effect.Effect<boolean, StoreError>
  /** forgets a claim (the chore it stood for could not be done after all); false when absent */
  readonly release: (scope: string, key: string) => Effect.Effect<boolean, StoreError>
  /** replaces the entry's data (e.g. the upload a taken file became) */
  readonly annotate: (
    scope: string,
    key: string,
    data: Readonly<Record<string, unknown>>,
  ) => Effect.Effect<void, StoreError>
  readonly get: (scope: string, key: string) => Effect.Effect<Option.Option<LedgerEntry>, StoreError>
}

export class AutomationLedger extends Context.Service<AutomationLedger, AutomationLedgerShape>()(
  "@batchops/core/AutomationLedger",
) {}
