import assert from "node:assert/strict"
import { createBatchOps, definePlan, definePlugin } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect, Schema } from "effect"

// a plan that adds points to one column of scores, capped at 100
const curve = definePlan({
  id: "curve",
  label: "Curve a subject",
  description: "Adds points to one column of scores, never past 100.",
  output: "dataset",
  config: Schema.Struct({ column: Schema.String, points: Schema.Number }),
  start: (config, context, columns) =>
    Effect.gen(function* () {
      const at = columns.indexOf(config.column)
      if (at < 0) return yield* context.fail(`no column ${config.column} to curve`)
      context.log.points = config.points
      return {
        chunk: (rows) => {
          for (const row of rows) {
            const score = row.cells[at]
            if (typeof score === "number") row.cells[at] = Math.min(100, score + config.points)
          }
          return rows
        },
      }
    }),
})

const batchops = await createBatchOps({
  plugins: [parsersPlugin, definePlugin({ name: "acme-curve", apiVersion: 1, plans: [curve] })],
  layer: DirectoryPublisher.layer("reports"),
})
const curved = await batchops.process("gradebook.csv", {
  plan: { mode: "curve", config: { column: "math", points: 5 } },
})
assert.equal(curved.status, "published")

// what goes wrong in the plan is the plan's plugin's: a bad config, context.fail, or a throw
const wrong = await batchops.process("gradebook.csv", { plan: { mode: "curve", config: { column: "art", points: 5 } } })
await batchops.close()
assert.deepEqual(
  { stage: wrong.incident?.stage, plugin: wrong.incident?.plugin, error: wrong.incident?.error },
  { stage: "transform_gradebook", plugin: "acme-curve", error: "no column art to curve" },
)
