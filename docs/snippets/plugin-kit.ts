import assert from "node:assert/strict"
import { definePlugin, PLUGIN_API_VERSION } from "@batchops/core"
import { badScoresSample, checkPlugin, expectStep, runPlugin, runStage, sampleFile } from "@batchops/core/testing"
import { Effect } from "effect"

// The plugin under test: a stage that counts the students below a passing mark in math.
const passingMark = definePlugin({
  name: "passing-mark",
  apiVersion: PLUGIN_API_VERSION,
  stages: [
    {
      name: "flag_failing_math",
      after: "validate_results",
      start: (context, columns) =>
        Effect.sync(() => {
          const math = columns.indexOf("math")
          let below = 0
          return {
            chunk: (rows) =>
              Effect.sync(() => {
                for (const row of rows) {
                  const score = row.cells[math]
                  if (typeof score === "number" && score < 50) below += 1
                }
                return rows
              }),
            finish: () =>
              Effect.sync(() => {
                context.log.belowPassingMark = below
                return undefined
              }),
          }
        }),
    },
  ],
})

// It registers with this core (the apiVersion check included).
await checkPlugin(passingMark)

// The stage in its place, after the built-in stages before it.
const file = sampleFile("9A.csv", "student_id,name,math", "S1,Ann,42", "S2,Bo,77", "S3,Cy,38.5")
const outcome = await runStage({ plugin: passingMark, stage: "flag_failing_math" }, file)
assert.equal(outcome.status, "ok")
assert.equal(outcome.log.belowPassingMark, 2)
assert.deepEqual(
  outcome.rows.map((row) => row.cells),
  [
    ["S1", "Ann", 42],
    ["S2", "Bo", 77],
    ["S3", "Cy", 38.5],
  ],
)

// The whole run with a sample file: scores that are not numbers are not counted.
const run = await runPlugin(passingMark, badScoresSample)
assert.equal(run.result.status, "published")
expectStep(run, "flag_failing_math", { status: "ok", log: { belowPassingMark: 0 } })
assert.equal(run.result.problemCount, 2)
