/**
 * The lease a queue consumer holds on the work item it runs: a heartbeat every `leaseMs / 3`
 * extends it while the run goes on, and when the queue says another consumer took the item over,
 * the run is interrupted and fails with LeaseLost, so it publishes and records nothing.
 */
import { Cause, Deferred, Effect, Schema } from "effect"
import { type WorkItem, WorkQueue } from "../ports/WorkQueue.js"

/** This consumer no longer holds the lease of the work item it is running. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", { workItemId: Schema.String }) {
  override get message(): string {
    return `the lease of work item ${this.workItemId} was lost`
  }
}

/** What a run knows about its claim: the item, the consumer, the lease, and the lost signal. */
export interface Lease {
  readonly item: WorkItem
  readonly worker: string
  readonly leaseMs: number
  /** completed when this consumer learns it no longer holds the item */
  readonly lost: Deferred.Deferred<void>
}

/**
 * Whether this consumer still holds the item (asking extends the lease). When it does not, the
 * lost signal stops the run; a queue that cannot be reached here counts as held, and is left to
 * the closing transaction's check.
 */
export const leaseHeld = (lease: Lease): Effect.Effect<boolean, never, WorkQueue> =>
  Effect.gen(function* () {
    const queue = yield* WorkQueue
    const held = yield* queue
      .heartbeat(lease.item.id, lease.worker, lease.leaseMs)
      .pipe(Effect.orElseSucceed(() => true))
    if (!held) yield* Deferred.succeed(lease.lost, undefined)
    return held
  })

/**
 * Extends the lease every `leaseMs / 3` until the scope closes. When the queue says the consumer
 * no longer holds the item, `lost` is completed and the loop ends; a heartbeat that cannot reach
 * the queue is logged and tried again at the next beat.
 */
const heartbeat = (lease: Lease) =>
  Effect.gen(function* () {
    const queue = yield* WorkQueue
    const every = Math.max(1, Math.floor(lease.leaseMs / 3))
    while (true) {
      yield* Effect.sleep(every)
      const held = yield* queue
        .heartbeat(lease.item.id, lease.worker, lease.leaseMs)
        .pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.as(Effect.logWarning(`work item ${lease.item.id}: heartbeat failed`, cause), true),
          ),
        )
      if (!held) {
        yield* Deferred.succeed(lease.lost, undefined)
        return
      }
    }
  })

/**
 * Runs `run` while a fiber scoped to it keeps the item's lease alive. When the lease is lost,
 * `run` is interrupted and the result fails with LeaseLost.
 */
export const withLease = <A, E, R>(
  item: WorkItem,
  claim: { readonly worker: string; readonly leaseMs: number },
  run: (lease: Lease) => Effect.Effect<A, E, R>,
): Effect.Effect<A, E | LeaseLost, R | WorkQueue> =>
  Effect.scoped(
    Effect.gen(function* () {
      const lost = yield* Deferred.make<void>()
      const lease: Lease = { item, worker: claim.worker, leaseMs: claim.leaseMs, lost }
      yield* Effect.forkScoped(heartbeat(lease))
      return yield* Effect.raceFirst(
        run(lease),
        Effect.andThen(Deferred.await(lost), Effect.fail(new LeaseLost({ workItemId: item.id }))),
      )
    }),
  )
