/**
 * What became of one file run through the pipeline, and whether that is acceptable. Every
 * file, however damaged, must be published, held for approval, or fail with a NAMED failure:
 *
 * - `runPipeline` succeeds (no defect, no failure of the run itself) with status `failed`
 *   and an incident draft;
 * - the incident names a stage of the registry (not "pipeline"), and that step failed;
 * - its message is not the pipeline's wrapper for a stage that threw ("unexpected error in
 *   stage ...") and carries no JavaScript engine error ("Cannot read properties of
 *   undefined", "Maximum call stack size exceeded"...), which tells an operator nothing.
 *
 * Crashes, unhandled rejections and hangs are caught by the case runner and the campaign.
 */
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { type PipelineResult, runPipeline } from "@batchops/core"
import { fromPath } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Cause, Effect, Exit } from "effect"
import { defaultRegistry } from "../../packages/server/src/Registry.js"

export interface Verdict {
  /** the plan the file ran with */
  readonly plan: string
  readonly status: PipelineResult["status"] | "error"
  readonly stage?: string | undefined
  readonly error?: string | undefined
  readonly knownError?: string | null | undefined
  /** why the outcome is not acceptable; undefined when it is */
  readonly problem?: string | undefined
}

/** Texts of JavaScript engine errors: a message holding one reports a bug, not the file. */
const ENGINE_ERRORS = [
  "Cannot read properties of",
  "Cannot set properties of",
  "Cannot convert",
  "Cannot destructure",
  "is not a function",
  "is not iterable",
  "is not defined",
  "is not a constructor",
  "Maximum call stack size exceeded",
  "Invalid array length",
  "Invalid string length",
  "Invalid typed array length",
  "Array buffer allocation failed",
  "Unexpected end of JSON input",
  "out of memory",
  "undefined",
  "[object ",
]

/** Why a pipeline result is not published or a named failure, or undefined when it is. */
export const judge = (result: PipelineResult, stages: ReadonlyArray<string>): string | undefined => {
  if (result.status !== "failed") return undefined
  const incident = result.incident
  if (incident === null) return "the run failed without an incident"
  if (!stages.includes(incident.stage)) return `the failure names no stage (${incident.stage})`
  if (result.stages.find((step) => step.name === incident.stage)?.status !== "failed") {
    return `the stage it names (${incident.stage}) did not fail`
  }
  if (incident.error.includes("unexpected error in stage")) return "a stage threw (a defect)"
  const engine = ENGINE_ERRORS.find((text) => incident.error.includes(text))
  if (engine !== undefined) return `the message carries a JavaScript error ("${engine}")`
  return undefined
}

const registry = Effect.runSync(defaultRegistry())
const stageNames = registry.stages.map((stage) => stage.name)

/**
 * The plan a file runs with, from its bytes (so a kept file runs as its case did): the summary
 * (`transform`) or the rows themselves (`custom`), whose PDF report draws the cells' text.
 */
const planFor = (path: string) =>
  createHash("sha256").update(readFileSync(path)).digest()[0]! % 2 === 0
    ? { mode: "transform" }
    : { mode: "custom", config: { note: "fuzzing" } }

/** Run the file at `path` through the host's registry, publishing into `outDir` (emptied first). */
export const runFile = async (path: string, outDir: string): Promise<Verdict> => {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const plan = planFor(path)
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(fromPath(path), (source) =>
      runPipeline(registry, { source, profile: "gradebook", plan }).pipe(
        Effect.provide(DirectoryPublisher.layer(outDir)),
      ),
    ),
  )
  if (Exit.isFailure(exit)) {
    return {
      plan: plan.mode,
      status: "error",
      problem: `the run itself failed: ${Cause.pretty(exit.cause).split("\n")[0]}`,
    }
  }
  const result = exit.value
  return {
    plan: plan.mode,
    status: result.status,
    stage: result.incident?.stage,
    error: result.incident?.error,
    knownError: result.incident?.knownError,
    problem: judge(result, stageNames),
  }
}
