/**
 * The work queue port: leased items of work (process an upload, send a mail, run a job).
 * A claim holds an item for a lease that the worker renews; an item whose worker died is
 * claimed again once its lease expired; `heartbeat`, `complete` and `fail` act only for the
 * worker holding the item. Adapters: `@batchops/store-sql` (the embedded default, one
 * database), a Redis queue for many machines.
 */
import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "./StoreError.js"

export const WorkItemStatus = ["queued", "running", "completed", "failed"] as const
export type WorkItemStatus = (typeof WorkItemStatus)[number]

export interface WorkItem {
  /** the row id (a bigint in the database, as decimal text) */
  readonly id: string
  readonly kind: string
  readonly payload: unknown
  readonly status: WorkItemStatus
  /** ISO-8601; the item is not claimed before */
  readonly runAfter: string
  /** ISO-8601; null unless leased */
  readonly leasedUntil: string | null
  /** the worker holding (or last holding) the item */
  readonly leasedBy: string | null
  /** how many times the item was claimed (including this claim) */
  readonly attempts: number
  readonly lastError: string | null
  readonly createdAt: string
  readonly updatedAt: string
}

export interface EnqueueInput {
  /** what to do, e.g. `process_upload` or `run_job` */
  readonly kind: string
  /** stored as jsonb (default `{}`) */
  readonly payload?: unknown
  /** not claimed before this moment (default: now, by the database clock) */
  readonly runAfter?: Date | undefined
}

export interface ClaimInput {
  readonly worker: string
  /** only items of these kinds (default: any kind; an empty list claims nothing) */
  readonly kinds?: ReadonlyArray<string> | undefined
  /** the lease length in milliseconds (> 0) */
  readonly leaseMs: number
}

export interface FailOptions {
  /** when set, the item goes back to `queued`, due this many milliseconds from now; otherwise it is `failed` for good */
  readonly retryAfterMs?: number | undefined
}

/** counts of items by status, plus `running` items whose lease has expired (their worker is gone) */
export interface WorkQueueStats {
  readonly queued: number
  readonly running: number
  readonly completed: number
  readonly failed: number
  readonly expired: number
}

export interface WorkQueueShape {
  /** stores a `queued` item and returns its id */
  readonly enqueue: (input: EnqueueInput) => Effect.Effect<string, StoreError>
  /** leases the oldest due item to `worker`, or `None` when nothing is due */
  readonly claim: (input: ClaimInput) => Effect.Effect<Option.Option<WorkItem>, StoreError>
  /** extends the lease to `now() + leaseMs`; `false` when `worker` no longer holds the item */
  readonly heartbeat: (id: string, worker: string, leaseMs: number) => Effect.Effect<boolean, StoreError>
  /** marks the item `completed`; `false` when `worker` no longer holds the item */
  readonly complete: (id: string, worker: string) => Effect.Effect<boolean, StoreError>
  /**
   * records `error`; the item is `failed` for good, or `queued` again after `retryAfterMs`;
   * `false` when `worker` no longer holds the item
   */
  readonly fail: (
    id: string,
    worker: string,
    error: string,
    options?: FailOptions,
  ) => Effect.Effect<boolean, StoreError>
  readonly get: (id: string) => Effect.Effect<Option.Option<WorkItem>, StoreError>
  readonly stats: () => Effect.Effect<WorkQueueStats, StoreError>
}

export class WorkQueue extends Context.Service<WorkQueue, WorkQueueShape>()("@batchops/core/WorkQueue") {}
