// A plugin author's example: a stage inserted after `validate_results` that counts the
// students on the honor roll, a known error of its own, and the pipeline run with it on
// the sample gradebook, as a school portal would embed BatchOps.
//
//   node examples/honor-roll/honor-roll-plugin.mjs [file]
import { batchopsPlugin, createRegistry, definePlugin, parseNumber, runPipeline } from "@batchops/core"
import { fromPath, parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

const honorRoll = definePlugin({
  name: "honor-roll",
  apiVersion: 1,
  stages: [
    {
      name: "flag_honor_roll",
      description: "Count students whose math score is 90 or more.",
      after: "validate_results",
      start: (context, columns) =>
        Effect.sync(() => {
          const math = columns.indexOf("math")
          let honors = 0
          return {
            chunk: (rows) =>
              Effect.sync(() => {
                for (const row of rows) {
                  const value = row.cells[math]
                  const score = typeof value === "string" ? parseNumber(value) : value
                  if (score !== undefined && score >= 90) honors += 1
                }
                context.log.honorRoll = honors
                return rows
              }),
          }
        }),
    },
  ],
  knownErrors: [
    {
      name: "honor-roll-needs-math",
      pattern: "math",
      stage: "validate_results",
      severity: "low",
      rootCause: "The honor roll needs a math column.",
      correctiveAction: "Ask the math department for the full gradebook.",
    },
  ],
})

const file = process.argv[2] ?? new URL("../data/gradebook.csv", import.meta.url).pathname

const program = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin, honorRoll])
  const source = yield* fromPath(file)
  return yield* runPipeline(registry, { source, profile: "gradebook" })
}).pipe(Effect.provide(DirectoryPublisher.layer("exports/examples")))

const result = await Effect.runPromise(program)
for (const step of result.stages) {
  console.log(
    `${step.name.padEnd(20)} ${step.status} ${step.plugin}${step.log.honorRoll !== undefined ? ` honor roll: ${step.log.honorRoll}` : ""}`,
  )
}
console.log(
  result.status === "published"
    ? `reports: ${result.reports.csv}, ${result.reports.pdf}`
    : `failed: ${result.incident.error}`,
)
process.exitCode = result.status === "published" ? 0 : 1
