import assert from "node:assert/strict"
import { dirname } from "node:path"
import { batchopsPlugin, createRegistry, runPipeline, sourceFromBytes } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

const marks = new TextEncoder().encode("Student ID,Name,Score\nS1,Ana,90\nS2,Ben,80\n")
const program = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin])
  const run = () => runPipeline(registry, { source: sourceFromBytes("marks.csv", marks) })
  return yield* Effect.all([run(), run()], { concurrency: 2 })
}).pipe(Effect.provide(DirectoryPublisher.layer("exports")))

// two runs of one file name: each has a folder of its own, e.g. exports/20240501T090002Z-3fa9c1d2e4b7/
const [first, second] = await Effect.runPromise(program)
console.log(first.reports?.csv, second.reports?.csv)
assert.notEqual(dirname(first.reports?.csv ?? ""), dirname(second.reports?.csv ?? ""))
