import { batchopsPlugin, builtinStages, createRegistry, runPipeline } from "@batchops/core"
import { CsvParser, fromPath, parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect, Stream } from "effect"

const only = process.argv[3]
if (only === "parser") {
  let n = 0
  await Effect.runPromise(
    Effect.gen(function* () {
      const parsed = yield* CsvParser.parse(yield* fromPath(process.argv[2]))
      yield* Stream.runForEach(parsed.records, (c) =>
        Effect.sync(() => {
          n += c.length
        }),
      )
    }),
  )
} else {
  const plugin = { ...batchopsPlugin, stages: builtinStages.filter((s) => only.split(",").includes(s.name)) }
  await Effect.runPromise(
    Effect.gen(function* () {
      const registry = yield* createRegistry([plugin, parsersPlugin])
      return yield* runPipeline(registry, { source: yield* fromPath(process.argv[2]) })
    }).pipe(Effect.provide(DirectoryPublisher.layer("/tmp/prof/out2"))),
  )
}
