/**
 * The audit port: every state-changing request, who made it, from where, what it acted on and
 * how it ended. Entries are only ever added (and deleted by the retention purge). Requests
 * refused to callers without an account are counted per hour, method, route and status
 * instead, so a flood of them is a few counts, not as many entries. The reference adapter is
 * `@batchops/store-sql`.
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

/** One request refused to a caller without an account, as it is counted. */
export interface RefusedRequest {
  /** ISO-8601: when the request was answered */
  readonly at: string
  readonly method: string
  /** the route's path pattern */
  readonly route: string
  /** the 4xx status of the answer */
  readonly status: number
}

/** How many requests without an account one route refused with one status in one hour. */
export interface RefusedCount {
  /** ISO-8601: the start of the hour (UTC) */
  readonly hour: string
  readonly method: string
  readonly route: string
  readonly status: number
  readonly count: number
  /** ISO-8601: the last one counted */
  readonly lastAt: string
}

/** Hours at or after `createdAfter` and before `createdBefore` (ISO-8601). */
export interface RefusedFilter {
  readonly createdAfter?: string | undefined
  readonly createdBefore?: string | undefined
}

export interface AuditRepoShape {
  readonly record: (entry: NewAuditEntry) => Effect.Effect<void, StoreError>
  /** newest first */
  readonly list: (filter: AuditFilter, page: PageRequest) => Effect.Effect<PageResult<AuditEntryRecord>, StoreError>
  /** adds one to the count of its hour, method, route and status */
  readonly countRefused: (request: RefusedRequest) => Effect.Effect<void, StoreError>
  /** newest hour first, then by route, method and status */
  readonly listRefused: (
    filter: RefusedFilter,
    page: PageRequest,
  ) => Effect.Effect<PageResult<RefusedCount>, StoreError>
}

export class AuditRepo extends Context.Service<AuditRepo, AuditRepoShape>()("@batchops/core/AuditRepo") {}
