/**
 * The loop every queue consumer runs (uploads, job runs, incident mail): take the next due item
 * and hand its outcome on; when nothing is due, pause and look again. With `once`, stop as soon
 * as nothing is due, and let a queue that cannot be reached fail the loop (a one-off command
 * must say so); without it, such an error is logged and tried again after the pause, so a
 * long-running process survives a database restart.
 */
import { Cause, Effect, Option } from "effect"

export interface ClaimLoopOptions<O> {
  /** the pause when nothing is due or the queue cannot be reached (default 1 s) */
  readonly idleMs?: number | undefined
  /** stop as soon as nothing is due (a queue that cannot be reached then fails the loop) */
  readonly once?: boolean | undefined
  /** called with the outcome of every claimed item */
  readonly onOutcome?: ((outcome: O) => Effect.Effect<void>) | undefined
}

/** Runs `next` until interrupted (with `once`, until it answers none); `what` names the consumer in logs. */
export const claimLoop = <O, E, R>(
  what: string,
  next: Effect.Effect<Option.Option<O>, E, R>,
  options: ClaimLoopOptions<O>,
): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    const idle = options.idleMs ?? 1000
    const guarded = options.once
      ? next
      : next.pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.as(Effect.logError(`${what}: cannot reach the work queue`, cause), Option.none<O>()),
          ),
        )
    while (true) {
      const outcome = yield* guarded
      if (Option.isSome(outcome)) {
        if (options.onOutcome) yield* options.onOutcome(outcome.value)
      } else if (options.once) {
        return
      } else {
        yield* Effect.sleep(idle)
      }
    }
  })
