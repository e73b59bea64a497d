/**
 * Background processes say they are alive: `beat(kind)` records one heartbeat, and
 * `runHeartbeat(kind, everyMs)` beats forever, to fork beside a worker loop. The health check
 * (`GET /api/health/`) reports a kind of process as not ok when its freshest beat is older
 * than three intervals: a stopped worker is told from an idle one.
 *
 * A beat that cannot be stored (the database is away for a moment) is logged and the loop
 * goes on: a heartbeat must never stop the worker it stands beside.
 */
import { hostname } from "node:os"
import { HeartbeatsRepo, type ProcessKind } from "@batchops/core"
import { Cause, Effect } from "effect"

/** how often a process beats unless told otherwise */
export const DEFAULT_BEAT_EVERY_MS = 10_000

export interface BeatOptions {
  /** how often this process beats (stored with the beat: freshness is judged against it) */
  readonly everyMs?: number | undefined
  /** default: this host, this process and the kind (one loop of each kind per process) */
  readonly workerId?: string | undefined
}

/** The id of this process's loop of `kind`. */
export const heartbeatId = (kind: ProcessKind): string => `${hostname()}:${process.pid}:${kind}`

/** Records that this process's `kind` loop is alive now. */
export const beat = (kind: ProcessKind, options: BeatOptions = {}) =>
  Effect.gen(function* () {
    const heartbeats = yield* HeartbeatsRepo
    yield* heartbeats.beat({
      workerId: options.workerId ?? heartbeatId(kind),
      kind,
      host: hostname(),
      pid: process.pid,
      everyMs: options.everyMs ?? DEFAULT_BEAT_EVERY_MS,
    })
  })

/**
 * Beats now and every `everyMs` until interrupted; a failed beat is logged, never fatal.
 * `workerId` (default: this host, process and kind) tells several loops of a kind in one
 * process apart (`batchops worker --concurrency`).
 */
export const runHeartbeat = (kind: ProcessKind, everyMs: number = DEFAULT_BEAT_EVERY_MS, workerId?: string) =>
  Effect.gen(function* () {
    if (!Number.isFinite(everyMs) || everyMs <= 0) {
      return yield* Effect.die(new RangeError(`the heartbeat interval must be a positive number, got ${everyMs}`))
    }
    while (true) {
      yield* beat(kind, { everyMs, workerId }).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logWarning(`${kind} heartbeat: cannot record that this process is alive`, cause),
        ),
      )
      yield* Effect.sleep(everyMs)
    }
  })
