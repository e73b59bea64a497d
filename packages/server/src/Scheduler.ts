/**
 * The host's scheduler: core's scheduler loop (`runSchedulerLoop`, JobScheduler.ts: each due
 * tick fired exactly once) over the job repositories of the database in context, with the
 * `scheduler` heartbeat beating beside it so the health report can tell it is alive.
 */
import { runSchedulerLoop, type SchedulerLoopOptions } from "@batchops/core"
import { JobRunsRepoLayer, JobsRepoLayer } from "@batchops/store-sql"
import { Effect, Layer } from "effect"
import { runHeartbeat } from "./Heartbeats.js"

/** The scheduler's repositories over the database in context. */
export const schedulerLayer = Layer.mergeAll(JobsRepoLayer, JobRunsRepoLayer)

export interface HostSchedulerOptions extends SchedulerLoopOptions {
  /** beat `runHeartbeat("scheduler")` beside the loop (default true; never with `once`) */
  readonly heartbeat?: boolean | undefined
}

/**
 * Passes of the scheduler until interrupted (or one, with `once`), beating the `scheduler`
 * heartbeat beside them. Needs the work queue, the transactions, the registry and the
 * heartbeats over a database; brings the job repositories itself.
 */
export const runScheduler = (options: HostSchedulerOptions = {}) => {
  const loop = runSchedulerLoop(options)
  const beating =
    options.once || options.heartbeat === false
      ? loop
      : Effect.all([loop, runHeartbeat("scheduler", Math.max(options.everyMs ?? 15_000, 1000))], {
          concurrency: "unbounded",
          discard: true,
        })
  return beating.pipe(Effect.provide(schedulerLayer))
}
