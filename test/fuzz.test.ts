/**
 * The fuzzing campaign CI runs: 500 generated cases of a fixed seed, and every kept
 * regression fixture (test/fixtures/fuzz/), each run through the parsers and the pipeline
 * in a case runner with a time limit and a heap ceiling. Each must be published or a named
 * failure (test/fuzz/Outcome.ts says what that means); `npm run fuzz` runs longer campaigns.
 */
import { readdirSync } from "node:fs"
import { join } from "node:path"
import type { Stage } from "@batchops/core"
import { runStage } from "@batchops/core/testing"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type CaseResult, replayFiles, runCases } from "./fuzz/Campaign.js"
import { judge } from "./fuzz/Outcome.js"
import { root } from "./helpers.js"

const SEED = 2026
const CASES = 500

const FIXTURES = join(root, "test", "fixtures", "fuzz")

/** One line per failing case: enough to find it and see why. */
const failing = (results: ReadonlyArray<CaseResult>) =>
  results
    .filter((result) => result.problem !== undefined)
    .map((result) => `${result.name} (${result.mutations}): ${result.problem} ${result.verdict?.error ?? ""}`)

/** The verdict on a run whose stage `check` starts as `start` does. */
const judged = async (start: Stage["start"]) => {
  const outcome = await runStage({ name: "check", start }, "Student ID,Score\nS1,90\n")
  return judge(
    outcome.result,
    outcome.result.stages.map((step) => step.name),
  )
}

describe("fuzzing", () => {
  it("takes a named failure, and refuses a stage that threw or a message with an engine error", async () => {
    expect(await judged((context) => Effect.fail(context.fail("the header row is empty")))).toBe(undefined)
    const threw = await judged(() =>
      Effect.sync(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'push')")
      }),
    )
    expect(threw).toBe("a stage threw (a defect)")
    const engine = await judged((context) =>
      Effect.fail(context.fail("the PDF could not be read: Maximum call stack size exceeded")),
    )
    expect(engine).toBe('the message carries a JavaScript error ("Maximum call stack size exceeded")')
  })

  it(`publishes or names the failure of each of ${CASES} mutated CSV, XLSX, ODS and PDF files`, async () => {
    const results = await runCases(
      SEED,
      Array.from({ length: CASES }, (_, index) => index),
      { jobs: 2 },
    )
    expect(failing(results)).toEqual([])
    // every format is reached, valid files publish, and most damage is caught while reading
    for (const format of ["csv", "xlsx", "ods", "pdf"]) {
      const ofFormat = results.filter((result) => result.format === format)
      expect(ofFormat.length).toBeGreaterThanOrEqual(CASES / 4)
      expect(ofFormat.some((result) => result.verdict?.status === "published")).toBe(true)
    }
    for (const result of results.filter((result) => result.mutations === "none")) {
      expect(result.verdict?.status, result.name).toBe("published")
    }
  }, 180_000)

  it("replays the kept regression fixtures", async () => {
    const files = readdirSync(FIXTURES)
      .filter((name) => !name.endsWith(".md"))
      .map((name) => join(FIXTURES, name))
    expect(files.length).toBeGreaterThan(0)
    expect(failing(await replayFiles(files))).toEqual([])
  }, 120_000)
})
