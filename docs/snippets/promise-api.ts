import assert from "node:assert/strict"
import { createBatchOps, definePlugin } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

// a school's own stage: count the students with 90 or more in math
const honorRoll = definePlugin({
  name: "honor-roll",
  apiVersion: 1,
  stages: [
    {
      name: "count_honors",
      after: "validate_results",
      start: (context, columns) =>
        Effect.sync(() => {
          const math = columns.indexOf("math")
          context.log.honors = 0
          return {
            chunk: (rows) =>
              Effect.sync(() => {
                // after validate_results, the scores are numbers (a missing one is undefined)
                for (const row of rows) {
                  const score = row.cells[math]
                  if (typeof score === "number" && score >= 90) context.log.honors = Number(context.log.honors) + 1
                }
                return rows
              }),
          }
        }),
    },
  ],
})

const batchops = await createBatchOps({
  plugins: [parsersPlugin, honorRoll],
  layer: DirectoryPublisher.layer("reports"),
})
const result = await batchops.process("gradebook.csv", { profile: "gradebook" })
await batchops.close()

for (const step of result.stages) console.log(step.name, step.status, step.log)
console.log(result.reports?.csv, result.reports?.pdf)
assert.equal(result.status, "published")
assert.ok(Number(result.stages.find((step) => step.name === "count_honors")?.log.honors) > 0)
