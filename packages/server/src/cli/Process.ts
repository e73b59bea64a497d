/**
 * `batchops process <file>`: runs one file through the pipeline and writes its reports; exit 0
 * published, 1 the pipeline failed (an incident), 3 held for approval (--max-change).
 */
import { type PipelineResult, runPipeline, type StepEvent } from "@batchops/core"
import { fromPath } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"
import { parserLimitsFromEnv, parseShare, UsageError } from "../Host.js"
import { defaultRegistry } from "../Registry.js"
import { defineCommand, type Output } from "./Command.js"
import { configOption, readConfig } from "./PlanConfig.js"

interface ProcessOptions {
  readonly file: string
  readonly plan: string
  readonly config: unknown
  readonly profile: string
  readonly out: string
  readonly maxChange: number | undefined
  readonly json: boolean
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
    }).pipe(Effect.provide(DirectoryPublisher.layer(options.out, { layout: "flat" })))
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

export const processCommand = defineCommand({
  name: "process",
  summary: `Process one gradebook, attendance or roster file (CSV, TSV, XLSX, XLS, ODS or PDF) and
    publish its CSV and PDF reports into --out (default: exports). With --max-change (a share
    such as 0.2 or 20%), a plan that would delete or add more of the rows is held: nothing is
    published, the counts and the affected rows are shown, and the exit status is 3.`,
  argument: { name: "<file>", missing: "the file to process", one: "file" },
  options: {
    plan: { type: "string", value: "transform|append|delete|custom" },
    config: configOption,
    profile: { type: "string", value: "gradebook|attendance|roster|generic|auto" },
    out: { type: "string", value: "<dir>" },
    "max-change": { type: "string", value: "<share>" },
    json: { type: "boolean" },
  },
  run: async ({ values, argument }, output) =>
    runProcess(
      {
        file: argument,
        plan: values.plan ?? "transform",
        config: await readConfig(values.config),
        profile: values.profile ?? "gradebook",
        out: values.out ?? "exports",
        maxChange: values["max-change"] === undefined ? undefined : parseShare(values["max-change"], "--max-change"),
        json: values.json ?? false,
      },
      output,
    ),
  failed: (error, output, json) => {
    const message = error instanceof Error ? error.message : String(error)
    if (json) output.out(`${JSON.stringify({ status: "error", error: `internal error: ${message}` })}\n`)
    else output.err(`batchops: internal error: ${message}\n`)
    return 1
  },
})
