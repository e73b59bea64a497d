/**
 * The audit port: every state-changing request, who made it, from where, what it acted on and
 * how it ended. Entries are only ever added. The reference adapter is `@batchops/store-sql`.
 */
import { Context, type Effect } from "effect"
import type { PageRequest, PageResult } from "./JobsRepo.js"
import type { StoreError } from "./StoreError.js"

export interface NewAuditEntry {
  /** ISO-8601: when the request was answered */
  readonly at: string
  /** the account acting; null when nobody was signed in */
  readonly actorId: string | null
  readonly method: string
  /** the route's path pattern (`/api/jobs/:id/trigger/`) */
  readonly route: string
  /** the HTTP status of the answer */
  readonly status: number
  readonly recordType: string | null
  readonly recordId: string | null
  /** a short fact (never student data, codes or tokens) */
  readonly detail: string | null
  readonly ip: string
  readonly requestId: string
}

export interface AuditEntryRecord extends NewAuditEntry {
  readonly id: string
}

/** Every given field narrows the list; times are ISO-8601, `createdAfter` inclusive, `createdBefore` exclusive. */
export interface AuditFilter {
  readonly actorId?: string | undefined
  readonly recordType?: string | undefined
  readonly recordId?: string | undefined
  readonly method?: string | undefined
  readonly createdAfter?: string | undefined
  readonly createdBefore?: string | undefined
}

export interface AuditRepoShape {
  readonly record: (entry: NewAuditEntry) => Effect.Effect<void, StoreError>
  /** newest first */
  readonly list: (filter: AuditFilter, page: PageRequest) => Effect.Effect<PageResult<AuditEntryRecord>, StoreError>
}

export class AuditRepo extends Context.Service<AuditRepo, AuditRepoShape>()("@batchops/core/AuditRepo") {}
