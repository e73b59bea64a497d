import assert from "node:assert/strict"
import { readFile } from "node:fs/promises"
import { batchopsPlugin, createRegistry, runPipeline, sourceFromBytes } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

const bytes = new Uint8Array(await readFile("gradebook.csv"))

const program = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin])
  return yield* runPipeline(registry, {
    source: sourceFromBytes("gradebook.csv", bytes),
    profile: "auto", // gradebook | attendance | roster | generic | auto
    plan: { mode: "delete", config: { rules: [{ column: "class", value: "9B" }] } },
  })
}).pipe(Effect.provide(DirectoryPublisher.layer("reports")))

const result = await Effect.runPromise(program)
assert.equal(result.status, "published")
console.log(result.reports?.csv, result.reports?.pdf)
