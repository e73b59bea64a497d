/**
 * The `batchops` command. `batchops process <file>` runs one file through the pipeline and
 * writes its reports; exit 0 published, 1 the pipeline failed (an incident), 2 a usage error.
 * With --json, standard output holds one JSON object and nothing else.
 */
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import { type PipelineResult, runPipeline, type StepEvent } from "@batchops/core"
import { fromPath } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { migrate } from "@batchops/store-sql"
import { Cause, Effect } from "effect"
import { chooseDatabase, databaseLayer } from "./Database.js"
import { defaultRegistry } from "./Registry.js"

const VERSION = "0.1.0"

const USAGE = `Usage:
  batchops process <file> [--plan transform|append|delete|custom] [--config <json>|@<path>]
                          [--profile gradebook|attendance|roster|generic|auto] [--out <dir>] [--json]
  batchops migrate [--json]
  batchops --help | --version

Process one gradebook, attendance or roster file (CSV, TSV, XLSX or PDF) and publish its
CSV and PDF reports into --out (default: exports).

\`migrate\` brings the database up to date: Postgres when DATABASE_URL or DB_NAME (with
DB_USER, DB_PASSWORD, DB_HOST, DB_PORT) is set, otherwise embedded PGlite in
BATCHOPS_DATA_DIR (default ./.batchops).

Exit status: 0 published (or migrated), 1 the pipeline failed (an incident) or the
migration was refused, 2 a usage error.`

/** A problem with the command line itself (exit 2). */
class UsageError extends Error {}

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
    json: values.json ?? false,
  }
}

const progress = (output: Output) => (event: StepEvent) =>
  Effect.sync(() => {
    if (event.type === "started") return
    const { step } = event
    const mark = step.status === "ok" ? "ok  " : step.status === "failed" ? "FAIL" : "skip"
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
})

const runProcess = async (options: ProcessOptions, output: Output): Promise<number> => {
  const program = Effect.gen(function* () {
    const registry = yield* defaultRegistry()
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
  } else if (result.incident) {
    output.out(
      `failed ${result.file} at ${result.incident.stage}: ${result.incident.error}\n` +
        `  severity: ${result.incident.severity}${result.incident.knownError ? ` (known error: ${result.incident.knownError})` : ""}\n` +
        (result.incident.correctiveAction ? `  what to do: ${result.incident.correctiveAction}\n` : ""),
    )
  }
  return result.status === "published" ? 0 : 1
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
  if (command === "migrate") {
    try {
      return await runMigrate(parseMigrateArgs(rest), output)
    } catch (cause) {
      const error = unwrap(cause)
      if (error instanceof UsageError) return usageError(error.message)
      throw error
    }
  }
  if (command !== "process") return usageError(`unknown command "${command}"`)
  if (rest.includes("--help") || rest.includes("-h")) {
    output.out(`${USAGE}\n`)
    return 0
  }
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
