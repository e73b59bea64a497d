/**
 * `batchops worker`: migrates, then processes uploads (and sends the incident mails, and
 * carries out the job runs) until SIGINT/SIGTERM (0; the upload being run goes back to the
 * queue) or, with --once, until nothing is due (0); 1 when the database fails.
 */
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { type IncidentMailOutcome, runIncidentMailer, runUploadWorker, type UploadOutcome } from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import { HeartbeatsRepoLayer } from "@batchops/store-sql"
import { Effect, Layer, Logger } from "effect"
import { chooseDatabase, type Env } from "../Database.js"
import { runHeartbeat } from "../Heartbeats.js"
import { lifecycleLayer } from "../Host.js"
import { runJobRunner } from "../JobRunner.js"
import { checkHostSettings, parseConcurrency, parseLeaseMs, readSetting } from "../Settings.js"
import { type CommandInput, defineCommand, type Output } from "./Command.js"
import { runUntilStopped } from "./UntilStopped.js"

export { MAX_WORKER_CONCURRENCY } from "../Settings.js"

/** A mail's lease: longer than the mailer's connect and socket timeouts. */
const MAIL_LEASE_MS = 120_000

interface WorkerCommandOptions {
  readonly once: boolean
  /** how many upload claim loops run in this process */
  readonly concurrency: number
  readonly leaseMs: number
  readonly json: boolean
}

const options = {
  once: { type: "boolean" },
  concurrency: { type: "string", value: "<n>" },
  "lease-ms": { type: "string", value: "<ms>" },
  json: { type: "boolean" },
} as const

/** The flags, else the environment, else the defaults. */
const workerOptions = (values: CommandInput<typeof options>["values"], env: Env): WorkerCommandOptions => {
  const settings = readSetting(env, "worker")
  const flag = values["lease-ms"]
  return {
    once: values.once ?? false,
    concurrency:
      values.concurrency !== undefined ? parseConcurrency(values.concurrency, "--concurrency") : settings.concurrency,
    leaseMs: flag !== undefined ? parseLeaseMs(flag, "--lease-ms") : settings.leaseMs,
    json: values.json ?? false,
  }
}

/** One line (standard error) for one incident mail. */
const mailLine = (outcome: IncidentMailOutcome): string => {
  const about = `incident ${outcome.incidentId ?? "(unknown)"}`
  switch (outcome.status) {
    case "sent":
      return `mail ${outcome.event} ${about}: sent to ${outcome.recipients} recipients\n`
    case "no_recipients":
      return `mail ${outcome.event} ${about}: no admin or verified moderator to send it to\n`
    case "retry":
      return `mail ${about}: delivery failed (attempt ${outcome.attempts}), trying again later: ${outcome.error}\n`
    case "gave_up":
      return `mail ${about}: delivery failed ${outcome.attempts} times, given up: ${outcome.error}\n`
    case "discarded":
      return `mail work item ${outcome.workItemId}: ${outcome.error}\n`
    case "lost":
      return `mail ${about}: another worker took it over\n`
  }
}

/** One line for one processed upload. */
const outcomeLine = (outcome: UploadOutcome, json: boolean): string => {
  if (json) return `${JSON.stringify(outcome)}\n`
  const upload = outcome.uploadId ?? "(no upload)"
  switch (outcome.status) {
    case "published":
      return `published ${upload} (work item ${outcome.workItemId})\n`
    case "failed":
      return `failed ${upload} (work item ${outcome.workItemId}): incident ${outcome.incidentId}\n`
    case "awaiting_approval":
      return `awaiting approval ${upload} (work item ${outcome.workItemId}): the plan changes more rows than allowed\n`
    case "retry":
      return `retry ${upload} (work item ${outcome.workItemId}): ${outcome.error}\n`
    case "discarded":
      return `discarded work item ${outcome.workItemId}: ${outcome.error}\n`
    case "lost":
      return `lost ${upload} (work item ${outcome.workItemId}): another worker took it over\n`
  }
}

const runWorkerCommand = async (options: WorkerCommandOptions, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  // each claim loop leases uploads under its own id (and beats under it: health lists each)
  const loops = Array.from({ length: options.concurrency }, (_, i) =>
    options.concurrency === 1 ? worker : `${worker}/${i + 1}`,
  )
  if (!options.json) {
    output.err(
      `batchops worker ${worker}: ${database.describe}, lease ${options.leaseMs} ms` +
        (options.concurrency > 1 ? `, ${options.concurrency} uploads at once\n` : "\n"),
    )
  }
  const program = Effect.gen(function* () {
    const uploads = Effect.all(
      loops.map((id) =>
        runUploadWorker({
          worker: id,
          leaseMs: options.leaseMs,
          once: options.once,
          onOutcome: (outcome) => Effect.sync(() => output.out(outcomeLine(outcome, options.json))),
        }),
      ),
      { concurrency: "unbounded", discard: true },
    )
    // incident mails go out from the same process, beside the uploads (with --once, after
    // them, so the mails of the failures just recorded are sent too)
    const mails = runIncidentMailer({
      worker,
      leaseMs: Math.max(options.leaseMs, MAIL_LEASE_MS),
      once: options.once,
      onOutcome: (outcome) => Effect.sync(() => output.err(mailLine(outcome))),
    })
    // queued job runs (by hand or by the schedule) are carried out beside the uploads
    const jobs = runJobRunner({
      worker,
      leaseMs: options.leaseMs,
      once: options.once,
      onOutcome: (outcome) => Effect.sync(() => output.err(`job run ${outcome.jobRunId ?? "?"}: ${outcome.status}\n`)),
    })
    // the health endpoint tells whether a worker is alive from its heartbeats
    if (options.once) yield* Effect.andThen(Effect.andThen(uploads, jobs), mails)
    else
      yield* Effect.all([uploads, jobs, mails, ...loops.map((id) => runHeartbeat("worker", undefined, id))], {
        concurrency: "unbounded",
        discard: true,
      })
  }).pipe(
    Effect.provide(
      Layer.mergeAll(HeartbeatsRepoLayer, mailerLayerFromEnv(process.env)).pipe(
        Layer.provideMerge(lifecycleLayer(process.env)),
      ),
    ),
    Effect.provideService(Logger.LogToStderr, true),
  )
  return runUntilStopped(program, {
    command: "worker",
    stopping: `batchops worker ${worker}: stopping\n`,
    database: database.describe,
    json: options.json,
    output,
  })
}

export const workerCommand = defineCommand({
  name: "worker",
  summary: `\`worker\` processes queued uploads, one line per upload, until SIGINT or SIGTERM (the
    upload being run goes back to the queue), or with --once until nothing is due. --concurrency
    (or BATCHOPS_WORKER_CONCURRENCY, default 1) runs that many uploads at once in the process.
    Reports go to EXPORT_DIR (default <data dir>/exports)/<upload id>. The lease on an upload
    lasts --lease-ms or BATCHOPS_WORKER_LEASE_MS (default 60000) and is renewed while it runs. A
    plan that would delete or add more than BATCHOPS_MAX_CHANGE of an upload's rows (default
    20%) waits for an admin's or moderator's approval. The worker also sends the incident mails
    (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
    DEFAULT_FROM_EMAIL; without EMAIL_HOST they are written to the log). It migrates first.`,
  options,
  run: ({ values }, output) => {
    // every setting, before anything opens: a wrong one stops the command here
    checkHostSettings(process.env)
    return runWorkerCommand(workerOptions(values, process.env), output)
  },
})
