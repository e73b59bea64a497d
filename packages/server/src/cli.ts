/**
 * The `batchops` command. `batchops process <file>` runs one file through the pipeline and
 * writes its reports; exit 0 published, 1 the pipeline failed (an incident), 2 a usage error.
 * With --json, standard output holds one JSON object and nothing else; with --max-change, a
 * run held for approval exits 3.
 */
import { randomUUID } from "node:crypto"
import { readFile, stat } from "node:fs/promises"
import { hostname } from "node:os"
import { basename, join, resolve } from "node:path"
import { type ParseArgsOptionsConfig, parseArgs } from "node:util"
import { type Models, type PipelineResult, runPipeline, type StepEvent, UploadsRepo, UsersRepo } from "@batchops/core"
import { fromPath } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { HeartbeatsRepoLayer, migrate } from "@batchops/store-sql"
import { Cause, Effect, Fiber, Layer, Logger, Option } from "effect"
import { SqlClient } from "effect/sql"
import { startServer } from "./api/Server.js"
import {
  backupTargetFromEnv,
  createBackup,
  pgliteInUseBy,
  RestoreRefused,
  restoreBackup,
  targetHasData,
  verifyBackup,
} from "./Backups.js"
import { runCreateAdmin } from "./CreateAdmin.js"
import { chooseDatabase, databaseLayer, dataDirectory, type Env } from "./Database.js"
import { runHeartbeat } from "./Heartbeats.js"
import { lifecycleLayer, parserLimitsFromEnv, parseShare, UsageError } from "./Host.js"
import { type IncidentMailOutcome, runIncidentMailer } from "./IncidentMail.js"
import { runJobRunner } from "./JobRunner.js"
import { mailerLayerFromEnv } from "./Mailer.js"
import { defaultRegistry } from "./Registry.js"
import { runScheduler, type SchedulerTickResult } from "./Scheduler.js"
import { approveUpload, heldRequest, rejectUpload, retryUpload, UploadActionRefused } from "./UploadActions.js"
import { submitUpload, UploadRejected } from "./UploadStore.js"
import { type ProcessOutcome, runWorker } from "./UploadWorker.js"

const VERSION = "0.1.0"

const USAGE = `Usage:
  batchops serve [--no-worker] [--no-scheduler]
  batchops process <file> [--plan transform|append|delete|custom] [--config <json>|@<path>]
                          [--profile gradebook|attendance|roster|generic|auto] [--out <dir>]
                          [--max-change <share>] [--json]
  batchops migrate [--json]
  batchops submit <file> [--plan <plan>] [--config <json>|@<path>] [--profile <profile>]
                         [--department <name>] [--json]
  batchops worker [--once] [--concurrency <n>] [--lease-ms <ms>] [--json]
  batchops scheduler [--once] [--every-ms <ms>] [--json]
  batchops show <upload id> [--json]
  batchops retry <upload id> [--profile <profile>] [--plan <plan>] [--config <json>|@<path>]
                             [--by <username>] [--json]
  batchops approve <upload id> --by <username> [--note <text>] [--json]
  batchops reject <upload id> --by <username> [--note <text>] [--json]
  batchops create-admin --email <email> --password <password> [--username <name>]
  batchops backup [--dir <dir>] [--json]
  batchops restore <backup file> [--yes] [--json]
  batchops --help | --version

\`serve\` starts the control room: the API on http://127.0.0.1:8000 (PORT, HOST), the upload
worker, the incident mail and the scheduler, over the database below; it migrates first.
--no-worker and --no-scheduler (or BATCHOPS_ROLE=api for both) leave those to separate
\`batchops worker\` and \`batchops scheduler\` processes (BATCHOPS_ROLE=all is the default).

Process one gradebook, attendance or roster file (CSV, TSV, XLSX or PDF) and publish its
CSV and PDF reports into --out (default: exports). With --max-change (a share such as 0.2
or 20%), a plan that would delete or add more of the rows is held: nothing is published,
the counts and the affected rows are shown, and the exit status is 3.

\`migrate\` brings the database up to date: Postgres when DATABASE_URL or DB_NAME (with
DB_USER, DB_PASSWORD, DB_HOST, DB_PORT) is set, otherwise embedded PGlite in
BATCHOPS_DATA_DIR (default ./.batchops).

\`submit\` stores a file as an upload in that database (its original under
<data dir>/uploads) and queues it; it prints the upload's id. \`worker\` processes queued
uploads, one line per upload, until SIGINT or SIGTERM (the upload being run goes back to the
queue), or with --once until nothing is due. --concurrency (or BATCHOPS_WORKER_CONCURRENCY,
default 1) runs that many uploads at once in the process. Reports go to EXPORT_DIR (default
<data dir>/exports)/<upload id>. The lease on an upload lasts --lease-ms or
BATCHOPS_WORKER_LEASE_MS (default 60000) and is renewed while it runs. A plan that would
delete or add more than BATCHOPS_MAX_CHANGE of an upload's rows (default 20%) waits for an
admin's or moderator's approval. The worker also sends the incident mails (EMAIL_HOST,
EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, DEFAULT_FROM_EMAIL; without
EMAIL_HOST they are written to the log). Both migrate first.

\`scheduler\` queues the runs of jobs as their cron schedules fall due (each tick once, also
with several schedulers over one database), every --every-ms (default 15000), until SIGINT or
SIGTERM, or with --once for one pass; it migrates first. The worker carries the runs out.

\`show\` prints an upload: its status, steps, what a held run would change, its incident and
its timeline. \`retry\` queues a failed upload again: it resumes after the last stage that
finished, or runs from the file when --profile, --plan or --config correct it. \`approve\`
and \`reject\` decide on an upload awaiting approval, as the admin or moderator --by names.

\`backup\` writes a backup of the database into --dir (default BATCHOPS_BACKUP_DIR, or
<data dir>/backups) and prints its path; a .sha256 file beside it holds its checksum.
Postgres is backed up with pg_dump; the embedded database by a copy of its data, so stop
BatchOps first (it takes one process at a time). The run_daily_backup job does the same
every day and keeps the newest few. \`restore\` puts a backup back in place of EVERYTHING in
the database, then migrates it. It checks the file first and refuses one that is not a
BatchOps backup of this kind of database, and the embedded database while a BatchOps uses
it; a database that holds data is replaced only with --yes.

Exit status: 0 published (or migrated, submitted, worked, backed up, restored), 1 the
pipeline failed (an incident), the migration, the upload or the restore was refused or the
database failed, 2 a usage error, 3 held for approval (process --max-change).`

interface Output {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

const stdio: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

interface ProcessOptions {
  readonly file: string
  readonly plan: string
  readonly config: unknown
  readonly profile: string
  readonly out: string
  readonly maxChange: number | undefined
  readonly json: boolean
}

const readConfig = async (value: string | undefined): Promise<unknown> => {
  if (value === undefined) return undefined
  let text = value
  if (value.startsWith("@")) {
    const path = value.slice(1)
    try {
      text = await readFile(path, "utf8")
    } catch (cause) {
      throw new UsageError(`cannot read the config file ${path}: ${reason(cause)}`)
    }
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new UsageError(`--config is not valid JSON: ${reason(cause)}`)
  }
}

const reason = (cause: unknown): string => {
  const error = cause as NodeJS.ErrnoException
  if (error?.code === "ENOENT") return "no such file"
  if (error?.code === "EACCES") return "permission denied"
  if (error?.code === "EISDIR") return "it is a directory"
  return error instanceof Error ? error.message : String(cause)
}

const parseProcessArgs = async (args: ReadonlyArray<string>): Promise<ProcessOptions> => {
  let parsed: ReturnType<typeof parse>
  function parse() {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        plan: { type: "string" },
        config: { type: "string" },
        profile: { type: "string" },
        out: { type: "string" },
        "max-change": { type: "string" },
        json: { type: "boolean" },
      },
    })
  }
  try {
    parsed = parse()
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ""))
  }
  const { values, positionals } = parsed
  if (positionals.length === 0) throw new UsageError("missing the file to process")
  if (positionals.length > 1) throw new UsageError(`one file at a time (got ${positionals.length})`)
  return {
    file: positionals[0]!,
    plan: values.plan ?? "transform",
    config: await readConfig(values.config),
    profile: values.profile ?? "gradebook",
    out: values.out ?? "exports",
    maxChange: values["max-change"] === undefined ? undefined : parseShare(values["max-change"], "--max-change"),
    json: values.json ?? false,
  }
}

const progress = (output: Output) => (event: StepEvent) =>
  Effect.sync(() => {
    if (event.type === "started") return
    const { step } = event
    const mark =
      step.status === "ok" ? "ok  " : step.status === "failed" ? "FAIL" : step.status === "reused" ? "used" : "skip"
    const rows = typeof step.log.rowsOut === "number" && step.status === "ok" ? ` ${step.log.rowsOut} rows` : ""
    output.err(`  ${mark} ${step.name.padEnd(20)} ${String(step.durationMs).padStart(6)} ms${rows}\n`)
  })

/** The JSON object of PIPELINE.md. */
const toJson = (result: PipelineResult) => ({
  status: result.status,
  file: result.file,
  format: result.format,
  profile: result.profile,
  rows: result.rows,
  columns: result.columns,
  stages: result.stages.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, log: s.log })),
  reports: result.reports
    ? {
        csv: result.reports.csv,
        pdf: result.reports.pdf,
        ...(result.reports.rejected ? { rejected: result.reports.rejected } : {}),
      }
    : null,
  incident: result.incident
    ? {
        stage: result.incident.stage,
        error: result.incident.error,
        severity: result.incident.severity,
        knownError: result.incident.knownError,
      }
    : null,
  ...(result.approval ? { approval: result.approval } : {}),
})

const runProcess = async (options: ProcessOptions, output: Output): Promise<number> => {
  const parserLimits = parserLimitsFromEnv(process.env)
  const program = Effect.gen(function* () {
    const registry = yield* defaultRegistry([], parserLimits)
    if (!registry.plans.has(options.plan)) {
      return yield* Effect.fail(
        new UsageError(`unknown plan "${options.plan}" (choose ${[...registry.plans.keys()].join(", ")})`),
      )
    }
    if (options.profile !== "auto" && !registry.profiles.has(options.profile)) {
      return yield* Effect.fail(
        new UsageError(
          `unknown profile "${options.profile}" (choose ${[...registry.profiles.keys(), "auto"].join(", ")})`,
        ),
      )
    }
    const source = yield* fromPath(options.file).pipe(Effect.mapError((error) => new UsageError(error.message)))
    if (!options.json)
      output.err(`batchops: processing ${options.file} (plan ${options.plan}, profile ${options.profile})\n`)
    return yield* runPipeline(registry, {
      source,
      profile: options.profile,
      plan: { mode: options.plan, config: options.config },
      onStep: progress(output),
      maxChange: options.maxChange,
    }).pipe(Effect.provide(DirectoryPublisher.layer(options.out)))
  })
  const result = await Effect.runPromise(program)
  if (options.json) {
    output.out(`${JSON.stringify(toJson(result), null, 2)}\n`)
  } else if (result.status === "published" && result.reports) {
    output.out(
      `published ${result.file}: ${result.rows} rows, ${result.columns.length} columns (${result.format}, ${result.profile})\n` +
        `  csv: ${result.reports.csv}\n  pdf: ${result.reports.pdf}\n` +
        (result.reports.rejected ? `  rejected rows: ${result.reports.rejected}\n` : "") +
        (result.problemCount > 0 ? `  ${result.problemCount} warnings (see the reports)\n` : ""),
    )
  } else if (result.status === "awaiting_approval" && result.approval) {
    const { approval } = result
    const shown = approval.preview
      .map(
        (row) =>
          `  ${row.change === "deleted" ? "-" : "+"} row ${row.number}: ${row.cells.map((c) => c ?? "").join(", ")}\n`,
      )
      .join("")
    output.out(
      `held ${result.file}: ${approval.message}; nothing was published\n` +
        `  columns: ${approval.columns.join(", ")}\n${shown}` +
        `  run again without --max-change (or with a larger share) to publish it\n`,
    )
  } else if (result.incident) {
    output.out(
      `failed ${result.file} at ${result.incident.stage}: ${result.incident.error}\n` +
        `  severity: ${result.incident.severity}${result.incident.knownError ? ` (known error: ${result.incident.knownError})` : ""}\n` +
        (result.incident.correctiveAction ? `  what to do: ${result.incident.correctiveAction}\n` : ""),
    )
  }
  return result.status === "published" ? 0 : result.status === "awaiting_approval" ? 3 : 1
}

const parseMigrateArgs = (args: ReadonlyArray<string>): { readonly json: boolean } => {
  try {
    const { values } = parseArgs({ args: [...args], strict: true, options: { json: { type: "boolean" } } })
    return { json: values.json ?? false }
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ""))
  }
}

/** `batchops migrate`: apply pending migrations; 0 when up to date, 1 when refused or failed. */
const runMigrate = async (options: { readonly json: boolean }, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const exit = await Effect.runPromiseExit(migrate().pipe(Effect.provide(databaseLayer(process.env))))
  if (exit._tag === "Success") {
    const applied = exit.value
    if (options.json) output.out(`${JSON.stringify({ status: "migrated", database: database.describe, applied })}\n`)
    else {
      output.out(
        applied.length === 0
          ? `${database.describe}: up to date\n`
          : `${database.describe}: applied ${applied.map((v) => String(v).padStart(4, "0")).join(", ")}\n`,
      )
    }
    return 0
  }
  const failure = Cause.squash(exit.cause)
  const message = failure instanceof Error ? failure.message : String(failure)
  if (options.json) output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
  else output.err(`batchops migrate: ${database.describe}: ${message}\n`)
  return 1
}

const DEFAULT_LEASE_MS = 60_000

const parseFlags = (args: ReadonlyArray<string>, options: ParseArgsOptionsConfig, allowPositionals: boolean) => {
  try {
    return parseArgs({ args: [...args], allowPositionals, strict: true, options })
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ""))
  }
}

/** The message of a failed command's cause, for people (never a stack trace). */
const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const parts: Array<string> = []
  let error: unknown = failure
  while (error !== undefined && error !== null && parts.length < 3) {
    const text = error instanceof Error ? error.message : String(error)
    if (parts.at(-1) !== text) parts.push(text)
    error = (error as { cause?: unknown }).cause
  }
  return parts.join(": ")
}

interface SubmitOptions {
  readonly file: string
  readonly plan: string
  readonly config: unknown
  readonly profile: string
  /** its remembered column mappings apply */
  readonly department: string | undefined
  readonly json: boolean
}

const parseSubmitArgs = async (args: ReadonlyArray<string>): Promise<SubmitOptions> => {
  const { values, positionals } = parseFlags(
    args,
    {
      plan: { type: "string" },
      config: { type: "string" },
      profile: { type: "string" },
      department: { type: "string" },
      json: { type: "boolean" },
    },
    true,
  )
  if (positionals.length === 0) throw new UsageError("missing the file to submit")
  if (positionals.length > 1) throw new UsageError(`one file at a time (got ${positionals.length})`)
  return {
    file: positionals[0]!,
    plan: (values.plan as string | undefined) ?? "transform",
    config: await readConfig(values.config as string | undefined),
    profile: (values.profile as string | undefined) ?? "gradebook",
    department: (values.department as string | undefined)?.trim() || undefined,
    json: (values.json as boolean | undefined) ?? false,
  }
}

/** `batchops submit`: store and queue one upload; 0 queued, 1 refused or the database failed. */
const runSubmit = async (options: SubmitOptions, output: Output): Promise<number> => {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(options.file))
  } catch (cause) {
    throw new UsageError(`cannot read ${options.file}: ${reason(cause)}`)
  }
  const database = chooseDatabase(process.env)
  const program = submitUpload({
    fileName: basename(options.file),
    bytes,
    profile: options.profile,
    processMode: options.plan,
    processConfig: options.config,
    department: options.department,
  }).pipe(Effect.provide(lifecycleLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const upload = exit.value
    if (options.json) {
      output.out(
        `${JSON.stringify({ status: "queued", uploadId: upload.id, fileName: upload.fileName, sha256: upload.sha256, size: upload.size })}\n`,
      )
    } else output.out(`${upload.id}\n`)
    return 0
  }
  const refused = Cause.squash(exit.cause) instanceof UploadRejected
  const message = describeFailure(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: refused ? "rejected" : "error", error: message })}\n`)
  else output.err(`batchops submit: ${refused ? "" : `${database.describe}: `}${message}\n`)
  return 1
}

interface WorkerCommandOptions {
  readonly once: boolean
  /** how many upload claim loops run in this process */
  readonly concurrency: number
  readonly leaseMs: number
  readonly json: boolean
}

const parseLeaseMs = (value: string, name: string): number => {
  const ms = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`${name} must be a positive whole number of milliseconds (got "${value}")`)
  }
  return ms
}

/** the most upload claim loops one worker process runs (each holds a database connection at times) */
export const MAX_WORKER_CONCURRENCY = 64

const parseConcurrency = (value: string, name: string): number => {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_WORKER_CONCURRENCY) {
    throw new UsageError(`${name} must be a whole number from 1 to ${MAX_WORKER_CONCURRENCY} (got "${value}")`)
  }
  return n
}

const parseWorkerArgs = (args: ReadonlyArray<string>, env: Env): WorkerCommandOptions => {
  const { values } = parseFlags(
    args,
    {
      once: { type: "boolean" },
      concurrency: { type: "string" },
      "lease-ms": { type: "string" },
      json: { type: "boolean" },
    },
    false,
  )
  const concurrencyFlag = values.concurrency as string | undefined
  const concurrency =
    concurrencyFlag !== undefined
      ? parseConcurrency(concurrencyFlag, "--concurrency")
      : env.BATCHOPS_WORKER_CONCURRENCY
        ? parseConcurrency(env.BATCHOPS_WORKER_CONCURRENCY, "BATCHOPS_WORKER_CONCURRENCY")
        : 1
  const flag = values["lease-ms"] as string | undefined
  const leaseMs =
    flag !== undefined
      ? parseLeaseMs(flag, "--lease-ms")
      : env.BATCHOPS_WORKER_LEASE_MS
        ? parseLeaseMs(env.BATCHOPS_WORKER_LEASE_MS, "BATCHOPS_WORKER_LEASE_MS")
        : DEFAULT_LEASE_MS
  return {
    once: (values.once as boolean | undefined) ?? false,
    concurrency,
    leaseMs,
    json: (values.json as boolean | undefined) ?? false,
  }
}

/** A mail's lease: longer than the mailer's connect and socket timeouts. */
const MAIL_LEASE_MS = 120_000

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
const outcomeLine = (outcome: ProcessOutcome, json: boolean): string => {
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

/**
 * `batchops worker`: migrate, then process uploads until SIGINT/SIGTERM (0; the upload being run
 * goes back to the queue) or, with --once, until nothing is due (0); 1 when the database fails.
 */
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
        runWorker({
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

/**
 * Runs a long-lived command's program until it ends or SIGINT/SIGTERM interrupts it (0; the
 * work in hand goes back to the queue); a second signal does not wait for that. A failure is
 * one line naming the database (1).
 */
const runUntilStopped = async (
  program: Effect.Effect<void, unknown>,
  options: {
    readonly command: string
    readonly stopping: string
    readonly database: string
    readonly json: boolean
    readonly output: Output
  },
): Promise<number> => {
  const { output } = options
  const fiber = Effect.runFork(program)
  let stopping = false
  const stop = () => {
    if (stopping) process.exit(1)
    stopping = true
    if (!options.json) output.err(options.stopping)
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", stop)
  process.on("SIGTERM", stop)
  try {
    const exit = await Effect.runPromise(Fiber.await(fiber))
    if (exit._tag === "Success" || Cause.hasInterruptsOnly(exit.cause)) return 0
    const message = describeFailure(exit.cause)
    if (options.json) output.out(`${JSON.stringify({ status: "error", database: options.database, error: message })}\n`)
    else output.err(`batchops ${options.command}: ${options.database}: ${message}\n`)
    return 1
  } finally {
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
  }
}

interface SchedulerCommandOptions {
  readonly once: boolean
  readonly everyMs: number
  readonly json: boolean
}

const parseSchedulerArgs = (args: ReadonlyArray<string>): SchedulerCommandOptions => {
  const { values } = parseFlags(
    args,
    { once: { type: "boolean" }, "every-ms": { type: "string" }, json: { type: "boolean" } },
    false,
  )
  const flag = values["every-ms"] as string | undefined
  const everyMs = flag === undefined ? 15_000 : Number(flag)
  if (!Number.isInteger(everyMs) || everyMs < 1000) {
    throw new UsageError(`--every-ms must be a whole number of milliseconds, at least 1000 (got "${flag}")`)
  }
  return {
    once: (values.once as boolean | undefined) ?? false,
    everyMs,
    json: (values.json as boolean | undefined) ?? false,
  }
}

/** One line for one scheduler pass that did something (quiet passes print nothing). */
const schedulerLine = (result: SchedulerTickResult, json: boolean): string => {
  if (json)
    return `${JSON.stringify({ jobs: result.jobs, runs: result.runs, missed: result.missed, duplicates: result.duplicates })}\n`
  if (result.runs.length === 0 && result.missed === 0) return ""
  const runs = result.runs.map((run) => `job ${run.jobId} at ${run.scheduledFor}: run ${run.jobRunId}`)
  return `${[...runs, ...(result.missed > 0 ? [`${result.missed} tick(s) missed`] : [])].join("\n")}\n`
}

/**
 * `batchops scheduler`: migrate, then queue scheduled job runs every --every-ms until
 * SIGINT/SIGTERM (0) or, with --once, after one pass (0); 1 when the database fails.
 */
const runSchedulerCommand = async (options: SchedulerCommandOptions, output: Output): Promise<number> => {
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

interface UploadCommandOptions {
  readonly uploadId: string
  readonly by: string | undefined
  readonly note: string | undefined
  readonly profile: string | undefined
  readonly plan: string | undefined
  readonly config: unknown
  readonly json: boolean
}

type UploadCommand = "show" | "retry" | "approve" | "reject"

const parseUploadCommandArgs = async (command: UploadCommand, args: ReadonlyArray<string>) => {
  const flags: ParseArgsOptionsConfig = { json: { type: "boolean" } }
  if (command !== "show") flags.by = { type: "string" }
  if (command === "approve" || command === "reject") flags.note = { type: "string" }
  if (command === "retry") {
    flags.profile = { type: "string" }
    flags.plan = { type: "string" }
    flags.config = { type: "string" }
  }
  const { values, positionals } = parseFlags(args, flags, true)
  if (positionals.length === 0) throw new UsageError(`missing the upload id to ${command}`)
  if (positionals.length > 1) throw new UsageError(`one upload at a time (got ${positionals.length})`)
  const by = values.by as string | undefined
  if ((command === "approve" || command === "reject") && !by) {
    throw new UsageError(`${command} needs --by <username>: the admin or moderator who decides`)
  }
  const config = await readConfig(values.config as string | undefined)
  const plan = values.plan as string | undefined
  if (config !== undefined && plan === undefined) throw new UsageError("--config corrects a plan: give --plan too")
  return {
    uploadId: positionals[0]!,
    by,
    note: values.note as string | undefined,
    profile: values.profile as string | undefined,
    plan,
    config,
    json: (values.json as boolean | undefined) ?? false,
  } satisfies UploadCommandOptions
}

/** The user --by names, who must exist and be active. */
const operatorNamed = (username: string, uploadId: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const found = yield* users.getByUsername(username)
    if (Option.isNone(found) || !found.value.isActive) {
      return yield* new UploadActionRefused({ uploadId, message: `no active user "${username}"` })
    }
    return found.value
  })

/** What `show` prints of an upload, as JSON. */
const uploadJson = (upload: Models.Upload, events: ReadonlyArray<Models.UploadEvent>) => ({
  id: upload.id,
  fileName: upload.fileName,
  status: upload.status,
  profile: upload.profile,
  plan: { mode: upload.processMode, config: upload.processConfig },
  progress: upload.progress,
  rows: upload.rows,
  stages: upload.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, log: s.log })),
  reports: upload.reportCsvPath ? { csv: upload.reportCsvPath, pdf: upload.reportPdfPath } : null,
  incidentId: upload.incidentId,
  approval: upload.approval,
  timeline: events,
})

const uploadText = (upload: Models.Upload, events: ReadonlyArray<Models.UploadEvent>): string => {
  const lines = [
    `${upload.id} ${upload.fileName}: ${upload.status.replace("_", " ")}`,
    `  plan ${upload.processMode}, profile ${upload.profile}${upload.rows === null ? "" : `, ${upload.rows} rows`}`,
  ]
  for (const step of upload.steps) lines.push(`  ${step.status.padEnd(7)} ${step.name}`)
  if (upload.reportCsvPath) lines.push(`  csv: ${upload.reportCsvPath}`, `  pdf: ${upload.reportPdfPath}`)
  if (upload.incidentId) lines.push(`  incident: ${upload.incidentId}`)
  const held = heldRequest(upload)
  if (held && upload.status === "awaiting_approval") {
    lines.push(`  waiting for approval: ${held.message}`, `  columns: ${held.columns.join(", ")}`)
    for (const row of held.preview) {
      lines.push(
        `  ${row.change === "deleted" ? "-" : "+"} row ${row.number}: ${row.cells.map((c) => c ?? "").join(", ")}`,
      )
    }
  }
  for (const event of events) lines.push(`  ${event.at} ${event.actor ?? "batchops"}: ${event.message}`)
  return `${lines.join("\n")}\n`
}

/** `show`, `retry`, `approve`, `reject`: 0 done, 1 refused or the database failed. */
const runUploadCommand = async (command: UploadCommand, options: UploadCommandOptions, output: Output) => {
  const database = chooseDatabase(process.env)
  const program = Effect.gen(function* () {
    const uploads = yield* UploadsRepo
    const operator = options.by === undefined ? undefined : yield* operatorNamed(options.by, options.uploadId)
    if (command === "retry") {
      const corrections = {
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.plan === undefined ? {} : { plan: { mode: options.plan, config: options.config } }),
      }
      yield* retryUpload(options.uploadId, operator?.id ?? null, corrections)
    } else if (command === "approve" || command === "reject") {
      const decide = command === "approve" ? approveUpload : rejectUpload
      yield* decide(options.uploadId, { id: operator!.id, role: operator!.role }, options.note)
    }
    const found = yield* uploads.get(options.uploadId)
    if (Option.isNone(found)) {
      return yield* new UploadActionRefused({ uploadId: options.uploadId, message: `no upload ${options.uploadId}` })
    }
    return { upload: found.value, events: yield* uploads.events(options.uploadId) }
  }).pipe(Effect.provide(lifecycleLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const { upload, events } = exit.value
    output.out(options.json ? `${JSON.stringify(uploadJson(upload, events))}\n` : uploadText(upload, events))
    return 0
  }
  const refused = Cause.squash(exit.cause) instanceof UploadActionRefused
  const message = describeFailure(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: refused ? "refused" : "error", error: message })}\n`)
  else output.err(`batchops ${command}: ${refused ? "" : `${database.describe}: `}${message}\n`)
  return 1
}

/** A failure's message with its causes (a database that cannot be reached says why). */
const describeError = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  while (current !== undefined && current !== null && parts.length < 4) {
    const text = current instanceof Error ? current.message : String(current)
    if (!parts.includes(text)) parts.push(text)
    current = (current as { cause?: unknown }).cause
  }
  return parts.join(": ")
}

interface BackupCommandOptions {
  readonly dir: string
  readonly json: boolean
}

/** Where backups go: --dir, else BATCHOPS_BACKUP_DIR, else `<data dir>/backups` (as run_daily_backup). */
const parseBackupArgs = (args: ReadonlyArray<string>, env: Env): BackupCommandOptions => {
  const { values } = parseFlags(args, { dir: { type: "string" }, json: { type: "boolean" } }, false)
  const dir = values.dir as string | undefined
  if (dir !== undefined && dir.trim() === "") throw new UsageError("--dir needs a folder")
  return {
    dir: resolve(dir ?? (env.BATCHOPS_BACKUP_DIR?.trim() || join(dataDirectory(env), "backups"))),
    json: (values.json as boolean | undefined) ?? false,
  }
}

/** `batchops backup`: one backup of the database into the folder; 0 written, 1 failed. */
const runBackupCommand = async (options: BackupCommandOptions, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const target = backupTargetFromEnv(process.env)
  const program = Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* createBackup(target, sql, options.dir, "manual")
  }).pipe(Effect.provide(databaseLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const backup = exit.value
    if (options.json) output.out(`${JSON.stringify({ status: "backed_up", ...backup })}\n`)
    else {
      output.err(`batchops backup: ${database.describe}: ${backup.bytes} bytes, sha256 ${backup.sha256}\n`)
      output.out(`${backup.path}\n`)
    }
    return 0
  }
  const message = describeFailure(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
  else output.err(`batchops backup: ${database.describe}: ${message}\n`)
  return 1
}

interface RestoreCommandOptions {
  readonly file: string
  readonly yes: boolean
  readonly json: boolean
}

const parseRestoreArgs = (args: ReadonlyArray<string>): RestoreCommandOptions => {
  const { values, positionals } = parseFlags(args, { yes: { type: "boolean" }, json: { type: "boolean" } }, true)
  if (positionals.length === 0) throw new UsageError("missing the backup file to restore")
  if (positionals.length > 1) throw new UsageError(`one backup at a time (got ${positionals.length})`)
  return {
    file: positionals[0]!,
    yes: (values.yes as boolean | undefined) ?? false,
    json: (values.json as boolean | undefined) ?? false,
  }
}

/**
 * `batchops restore <file>`: checks the file, refuses the embedded database while a BatchOps
 * holds it and a database with data without --yes, then restores and migrates; 0 restored,
 * 1 refused or failed.
 */
const runRestoreCommand = async (options: RestoreCommandOptions, output: Output): Promise<number> => {
  const database = chooseDatabase(process.env)
  const target = backupTargetFromEnv(process.env)
  const file = resolve(options.file)
  const info = await stat(file).catch((cause: unknown) => {
    throw new UsageError(`cannot read ${options.file}: ${reason(cause)}`)
  })
  if (!info.isFile()) throw new UsageError(`cannot read ${options.file}: it is not a file`)
  const refuse = (message: string) => {
    if (options.json)
      output.out(`${JSON.stringify({ status: "refused", database: database.describe, error: message })}\n`)
    else output.err(`batchops restore: ${message}\n`)
    return 1
  }
  try {
    const { header } = await verifyBackup(file)
    if (header.database !== target.kind) {
      return refuse(
        `${options.file} is a backup of ${header.database === "pglite" ? "an embedded (PGlite)" : "a Postgres"} ` +
          `database, but this BatchOps uses ${database.describe}; nothing was changed`,
      )
    }
    if (target.kind === "pglite") {
      const owner = await pgliteInUseBy(target.dataDir)
      if (owner !== undefined) {
        return refuse(
          `the embedded database is in use by a running BatchOps (pid ${owner}); stop it first, then restore. ` +
            "Nothing was changed",
        )
      }
    }
    if (!options.yes && (await targetHasData(target))) {
      return refuse(
        `restoring replaces EVERYTHING in ${database.describe} with the backup taken ${header.createdAt}; ` +
          "nothing was changed. Run again with --yes to replace it",
      )
    }
    const restored = await restoreBackup(target, file)
    const migrated = restored.migrated.map((v) => String(v).padStart(4, "0"))
    if (options.json) {
      output.out(
        `${JSON.stringify({ status: "restored", file, database: database.describe, createdAt: header.createdAt, migrated: restored.migrated })}\n`,
      )
    } else {
      output.out(
        `restored ${options.file} (taken ${header.createdAt}) into ${database.describe}` +
          (migrated.length > 0 ? `; then applied migrations ${migrated.join(", ")}` : "") +
          "\n",
      )
    }
    return 0
  } catch (error) {
    if (error instanceof RestoreRefused) return refuse(`${error.message}; nothing was changed`)
    const message = describeError(error)
    if (options.json)
      output.out(`${JSON.stringify({ status: "error", database: database.describe, error: message })}\n`)
    else output.err(`batchops restore: ${database.describe}: ${message}\n`)
    return 1
  }
}

/** `batchops serve`: run until SIGINT or SIGTERM (0). */
/**
 * Which roles `serve` runs beside the API: BATCHOPS_ROLE `all` (the default: the worker and
 * the scheduler in this process) or `api` (neither); --no-worker and --no-scheduler say so
 * one at a time and win over BATCHOPS_ROLE (--worker, --scheduler turn one back on).
 */
export const serveRoles = (args: ReadonlyArray<string>, env: Env): { worker: boolean; scheduler: boolean } => {
  let values: { worker?: boolean; scheduler?: boolean }
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowNegative: true,
      options: { worker: { type: "boolean" }, scheduler: { type: "boolean" } },
    }).values
  } catch (cause) {
    throw new UsageError((cause as Error).message.replace(/\. To specify a positional.*$/s, ""))
  }
  const role = (env.BATCHOPS_ROLE ?? "").trim().toLowerCase() || "all"
  if (role !== "all" && role !== "api") {
    throw new UsageError(`BATCHOPS_ROLE must be "all" or "api" (got "${env.BATCHOPS_ROLE}")`)
  }
  const embedded = role === "all"
  return { worker: values.worker ?? embedded, scheduler: values.scheduler ?? embedded }
}

const runServe = async (args: ReadonlyArray<string>, output: Output): Promise<number> => {
  const roles = serveRoles(args, process.env)
  const running = await startServer({ env: process.env, worker: roles.worker, scheduler: roles.scheduler })
  output.err(`BatchOps is running at ${running.url} (${running.database})\n`)
  if (!roles.worker || !roles.scheduler) {
    const apart = [roles.worker ? undefined : "worker", roles.scheduler ? undefined : "scheduler"].filter(Boolean)
    output.err(`  without the ${apart.join(" and ")}: run \`batchops ${apart.join("` and `batchops ")}\` beside it\n`)
  }
  output.err(`  API reference: ${running.url}/api/docs/\n`)
  if (!running.hasAdmin) {
    const embedded = chooseDatabase(process.env).kind === "pglite"
    output.err(
      "  No admin yet. Create the first one (it signs in at POST /api/auth/login):\n" +
        (embedded
          ? "    stop BatchOps (Ctrl+C; the embedded database takes one process at a time), then run\n" +
            "    npx batchops create-admin --email you@school.example\n    and npm start again\n"
          : "    npx batchops create-admin --email you@school.example\n"),
    )
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop)
      process.off("SIGTERM", stop)
      output.err("BatchOps: stopping\n")
      resolve()
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
  })
  await running.close()
  return 0
}

/** Run the command with `argv` (without node and the script); resolves to the exit status. */
export const run = async (argv: ReadonlyArray<string>, output: Output = stdio): Promise<number> => {
  const json = argv.includes("--json")
  const usageError = (message: string) => {
    if (json) output.out(`${JSON.stringify({ status: "error", error: message })}\n`)
    else output.err(`batchops: ${message}\n\n${USAGE}\n`)
    return 2
  }
  const [command, ...rest] = argv
  if (command === "--version" || command === "-v") {
    output.out(`${VERSION}\n`)
    return 0
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    output.out(`${USAGE}\n`)
    return command === undefined ? 2 : 0
  }
  // `batchops <command> --help` shows the usage of every command
  if (rest.includes("--help") || rest.includes("-h")) {
    output.out(`${USAGE}\n`)
    return 0
  }
  if (command === "migrate") {
    try {
      return await runMigrate(parseMigrateArgs(rest), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command === "serve") {
    try {
      return await runServe(rest, output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      output.err(`batchops serve: ${describeError(error)}\n`)
      return 1
    }
  }
  if (command === "show" || command === "retry" || command === "approve" || command === "reject") {
    try {
      return await runUploadCommand(command, await parseUploadCommandArgs(command, rest), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command === "create-admin") {
    try {
      return await runCreateAdmin(rest, output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command === "backup" || command === "restore") {
    try {
      return command === "backup"
        ? await runBackupCommand(parseBackupArgs(rest, process.env), output)
        : await runRestoreCommand(parseRestoreArgs(rest), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command === "scheduler") {
    try {
      return await runSchedulerCommand(parseSchedulerArgs(rest), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command === "submit" || command === "worker") {
    try {
      return command === "submit"
        ? await runSubmit(await parseSubmitArgs(rest), output)
        : await runWorkerCommand(parseWorkerArgs(rest, process.env), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command !== "process") return usageError(`unknown command "${command}"`)
  try {
    const options = await parseProcessArgs(rest)
    return await runProcess(options, output)
  } catch (cause) {
    const error = unwrap(cause)
    if (error instanceof UsageError) return usageError(error.message)
    const message = error instanceof Error ? error.message : String(error)
    if (json) output.out(`${JSON.stringify({ status: "error", error: `internal error: ${message}` })}\n`)
    else output.err(`batchops: internal error: ${message}\n`)
    return 1
  }
}

/** Effect.runPromise rejects with the failure itself for typed failures; keep the original error. */
const unwrap = (cause: unknown): unknown => {
  if (cause instanceof UsageError) return cause
  const inner = (cause as { cause?: unknown })?.cause
  return inner instanceof UsageError ? inner : cause
}

/** Entry point of the `batchops` binary. */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  process.exitCode = await run(argv)
}
