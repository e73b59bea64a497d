// An upload's whole story on the libraries alone, without @batchops/server: the file is stored
// as an upload, fails its plan, and the failure is recorded as an incident with the known
// error's diagnosis; the operator corrects the plan and retries; the retry publishes and
// resolves the incident. The database is embedded (PGlite) in a folder.
//
//   node src/main.ts [--file <csv>] [--data <folder>] [--out <folder>]
import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { parseArgs } from "node:util"
import {
  batchopsPlugin,
  CurrentRegistry,
  createRegistry,
  IncidentsRepo,
  type PipelineRequest,
  recordFailure,
  recordRetry,
  resolveByRetry,
  runPipeline,
  sourceFromBytes,
  UploadsRepo,
} from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import {
  IncidentsRepoLayer,
  KnownErrorsRepoLayer,
  migrate,
  pgliteLayer,
  TransactionsLayer,
  UploadsRepoLayer,
  WorkQueueLayer,
} from "@batchops/store-sql"
import { Clock, Effect, Layer, Option } from "effect"

const { values } = parseArgs({
  options: {
    file: { type: "string", default: new URL("../../data/gradebook.csv", import.meta.url).pathname },
    data: { type: "string", default: ".incident-flow/db" },
    out: { type: "string", default: ".incident-flow/reports" },
  },
})

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

const story = Effect.gen(function* () {
  yield* migrate()
  const uploads = yield* UploadsRepo
  const incidents = yield* IncidentsRepo
  const registry = yield* CurrentRegistry
  const bytes = new Uint8Array(yield* Effect.promise(() => readFile(values.file)))
  const run = (plan: PipelineRequest["plan"]) =>
    runPipeline(registry, { source: sourceFromBytes("gradebook.csv", bytes), profile: "gradebook", plan })

  // 1. the upload: delete the rows of a house, a column this gradebook does not have
  const wrong = { mode: "delete", config: { rules: [{ column: "house", value: "Red" }] } }
  const upload = yield* uploads.insert({
    fileName: "gradebook.csv",
    format: null,
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    profile: "gradebook",
    processMode: wrong.mode,
    processConfig: wrong.config,
  })

  // 2. it fails, and the failure becomes an incident with the known error's diagnosis (the
  //    incident service groups it with earlier failures like it and queues the incident mail)
  const failed = yield* run(wrong)
  yield* uploads.updateStatus(upload.id, "failed")
  const draft = failed.incident!
  const recorded = yield* recordFailure(draft, upload.id, "gradebook.csv")
  const incident = Option.getOrThrow(yield* incidents.get(recorded.incidentId))
  console.log(`${failed.status}: ${draft.stage}: ${draft.error}`)
  console.log(`known error ${draft.knownError}: ${draft.correctiveAction}`)

  // 3. the operator corrects the plan (the class column) and retries through the incident
  const retrying = yield* incidents.save(
    incident,
    yield* recordRetry(incident, "registrar", yield* now, { uploadId: upload.id, corrected: ["plan"] }),
  )
  const corrected = { mode: "delete", config: { rules: [{ column: "class", value: "9B" }] } }
  const published = yield* run(corrected)
  yield* uploads.updateStatus(upload.id, published.status === "published" ? "published" : "failed")
  console.log(`retry ${published.status}: ${published.reports?.csv}`)

  // 4. the retry published: the incident is resolved by it
  const resolved = yield* incidents.save(retrying, yield* resolveByRetry(retrying, null, yield* now))
  console.log(`incident ${resolved.status}: ${resolved.timeline.map((entry) => entry.kind).join(" -> ")}`)
})

const storage = Layer.mergeAll(
  UploadsRepoLayer,
  IncidentsRepoLayer,
  KnownErrorsRepoLayer,
  TransactionsLayer,
  WorkQueueLayer,
).pipe(Layer.provideMerge(pgliteLayer({ dataDir: values.data })))
// the plugins this program runs: the built-in stages, plans and known errors, and the parsers
const registry = Layer.effect(CurrentRegistry, createRegistry([batchopsPlugin, parsersPlugin]))
await Effect.runPromise(
  story.pipe(Effect.provide(Layer.mergeAll(storage, registry, DirectoryPublisher.layer(values.out)))),
)
