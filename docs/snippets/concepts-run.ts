import assert from "node:assert/strict"
import { readFile } from "node:fs/promises"
import { batchopsPlugin, createRegistry, runPipeline, sourceFromBytes } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"

const gradebook = new Uint8Array(await readFile("gradebook.csv"))
const roster = new TextEncoder().encode("Name,Class\nAda Lovelace,10B\n")

const program = Effect.gen(function* () {
  const registry = yield* createRegistry([batchopsPlugin, parsersPlugin])
  // the default plan (transform) and profile (gradebook): the summary table is published
  const published = yield* runPipeline(registry, { source: sourceFromBytes("gradebook.csv", gradebook) })
  // a file without student ids fails validate_results; the incident names the known error
  const failed = yield* runPipeline(registry, { source: sourceFromBytes("roster.csv", roster) })
  return { published, failed }
}).pipe(Effect.provide(DirectoryPublisher.layer("reports")))

const { published, failed } = await Effect.runPromise(program)
assert.equal(published.status, "published")
assert.deepEqual(
  published.stages.map((stage) => `${stage.name}: ${stage.status}`),
  [
    "standardize_results: ok",
    "validate_results: ok",
    "transform_gradebook: ok",
    "generate_summary: ok",
    "publish_results: ok",
  ],
)
assert.equal(failed.status, "failed")
assert.equal(failed.incident?.stage, "validate_results")
assert.equal(failed.incident?.knownError, "missing-required-column")
console.log(failed.incident?.error) // missing required column for the gradebook profile: student_id (...)
console.log(failed.incident?.correctiveAction)
