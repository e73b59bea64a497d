/**
 * `batchops scheduler`: migrates, then queues scheduled job runs every --every-ms until
 * SIGINT/SIGTERM (0) or, with --once, after one pass (0); 1 when the database fails.
 */

import type { SchedulerTickResult } from "@batchops/core"
import { HeartbeatsRepoLayer } from "@batchops/store-sql"
import { Effect, Layer, Logger } from "effect"
import { chooseDatabase } from "../Database.js"
import { lifecycleLayer, UsageError } from "../Host.js"
import { runScheduler } from "../Scheduler.js"
import { checkHostSettings } from "../Settings.js"
import { defineCommand, type Output } from "./Command.js"
import { runUntilStopped } from "./UntilStopped.js"

interface SchedulerCommandOptions {
  readonly once: boolean
  readonly everyMs: number
  readonly json: boolean
}

/** One line for one scheduler pass that did something (quiet passes print nothing). */
const schedulerLine = (result: SchedulerTickResult, json: boolean): string => {
  if (json)
    return `${JSON.stringify({ jobs: result.jobs, runs: result.runs, missed: result.missed, duplicates: result.duplicates })}\n`
  if (result.runs.length === 0 && result.missed === 0) return ""
  const runs = result.runs.map((run) => `job ${run.jobId} at ${run.scheduledFor}: run ${run.jobRunId}`)
  return `${[...runs, ...(result.missed > 0 ? [`${result.missed} tick(s) missed`] : [])].join("\n")}\n`
}

const runSchedulerCommand = async (options: SchedulerCommandOptions, output: Output): Promise<number> => {
  // every setting, before anything opens: a wrong one stops the command here
  checkHostSettings(process.env)
  const database = chooseDatabase(process.env)
  if (!options.json) output.err(`batchops scheduler: ${database.describe}, every ${options.everyMs} ms\n`)
  const program = runScheduler({
    everyMs: options.everyMs,
    once: options.once,
    onTick: (result) =>
      Effect.sync(() => {
        const line = schedulerLine(result, options.json)
        if (line !== "") output.out(line)
      }),
  }).pipe(
    Effect.provide(HeartbeatsRepoLayer.pipe(Layer.provideMerge(lifecycleLayer(process.env)))),
    Effect.provideService(Logger.LogToStderr, true),
  )
  return runUntilStopped(program, {
    command: "scheduler",
    stopping: "batchops scheduler: stopping\n",
    database: database.describe,
    json: options.json,
    output,
  })
}

export const schedulerCommand = defineCommand({
  name: "scheduler",
  summary: `\`scheduler\` queues the runs of jobs as their cron schedules fall due (each tick once, also
    with several schedulers over one database), every --every-ms (default 15000), until SIGINT or
    SIGTERM, or with --once for one pass; it migrates first. The worker carries the runs out.`,
  options: {
    once: { type: "boolean" },
    "every-ms": { type: "string", value: "<ms>" },
    json: { type: "boolean" },
  },
  run: ({ values }, output) => {
    const flag = values["every-ms"]
    const everyMs = flag === undefined ? 15_000 : Number(flag)
    if (!Number.isInteger(everyMs) || everyMs < 1000) {
      throw new UsageError(`--every-ms must be a whole number of milliseconds, at least 1000 (got "${flag}")`)
    }
    return runSchedulerCommand({ once: values.once ?? false, everyMs, json: values.json ?? false }, output)
  },
})
