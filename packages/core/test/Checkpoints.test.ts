import {
  CheckpointError,
  type CheckpointStore,
  definePlugin,
  type PipelineRequest,
  PublishError,
  ReportPublisher,
  RequestError,
  runPipeline,
  sourceFromBytes,
} from "@batchops/core"
import { memoryCheckpoints } from "@batchops/core/testing"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry, csv, memoryPublisher, step } from "./helpers.js"

const GRADES = csv(
  "Student ID,Name,Class,Score",
  "S1,Ada,9A,87",
  "S2,Ben,9B,90%",
  "S3,Cy,9B,70",
  "S4,Di,9A,N/A",
  "S5,,9A,65",
  "S6,Flo,9C,99",
  "S7,Gus,9A,80",
)

/** A publisher whose first `failures` finishes fail, like a full disk. */
const flakyPublisher = (failures: number) => {
  const memory = memoryPublisher()
  let left = failures
  const layer = Layer.effect(
    ReportPublisher,
    Effect.gen(function* () {
      const inner = yield* ReportPublisher
      return ReportPublisher.of({
        open: (request) =>
          Effect.map(inner.open(request), (session) => ({
            ...session,
            finish: (result) =>
              left-- > 0
                ? Effect.fail(new PublishError({ message: "no space left on device" }))
                : session.finish(result),
          })),
      })
    }),
  ).pipe(Layer.provide(memory.layer))
  return { layer, record: memory.record }
}

const runWith = async (
  request: Omit<PipelineRequest, "source">,
  layer: Layer.Layer<ReportPublisher> = memoryPublisher().layer,
) => {
  const registry = await buildRegistry()
  const source = sourceFromBytes("gradebook.csv", new TextEncoder().encode(GRADES))
  return Effect.runPromise(Effect.provide(runPipeline(registry, { source, ...request }), layer))
}

describe("checkpoints", () => {
  it("stores the output of every stage but the last, sealed with its row count and checksum", async () => {
    const checkpoints = memoryCheckpoints()
    const result = await runWith({ checkpoints: checkpoints.store })
    expect(result.status).toBe("published")
    expect([...checkpoints.stored.keys()]).toEqual([
      "standardize_results",
      "validate_results",
      "transform_gradebook",
      "generate_summary",
    ])
    const checkpoint = step(result, "standardize_results").log.checkpoint as { rows: number; sha256: string }
    expect(checkpoint.rows).toBe(7)
    expect(checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(step(result, "publish_results").log.checkpoint).toBeUndefined()
    // stored as the stage passed them on: before transform_gradebook coerced "90%" to 90
    expect(checkpoints.rowsOf("standardize_results")[1]!.cells[3]).toBe("90%")
    expect(checkpoints.rowsOf("transform_gradebook")[1]!.cells[3]).toBe(90)
    // what the stages up to each checkpoint left
    const snapshot = checkpoints.stored.get("validate_results")!.snapshot!
    expect(snapshot).toMatchObject({ format: "test-lines", profile: "gradebook" })
    expect(snapshot.problems).toEqual([])
  })

  it("keeps in each checkpoint the problems the stages up to it reported", async () => {
    const registry = await buildRegistry()
    // a mark that is no number: a problem of validate_results, which the run goes on with
    const text = `${GRADES}S8,Hal,9A,ninety\n`
    const source = sourceFromBytes("gradebook.csv", new TextEncoder().encode(text))
    const checkpoints = memoryCheckpoints()
    const result = await Effect.runPromise(
      Effect.provide(runPipeline(registry, { source, checkpoints: checkpoints.store }), memoryPublisher().layer),
    )
    expect(result.status).toBe("published")
    const early = ["standardize_results", "validate_results"]
    const reported = result.problems.filter((p) => early.includes(p.stage))
    expect(reported.length).toBeGreaterThan(0)
    const snapshot = checkpoints.stored.get("validate_results")!.snapshot!
    expect(snapshot.problems).toEqual(reported)
    expect(checkpoints.stored.get("standardize_results")!.snapshot!.problems).toEqual(
      reported.filter((p) => p.stage === "standardize_results"),
    )
  })

  it("resumes after the last stored stage: the earlier stages are reused, the result is the same", async () => {
    const plain = await runWith({})
    const checkpoints = memoryCheckpoints()
    const flaky = flakyPublisher(1)
    const failed = await runWith({ checkpoints: checkpoints.store }, flaky.layer)
    expect(failed.status).toBe("failed")
    expect(failed.incident?.error).toContain("no space left on device")

    const resumed = await runWith(
      { checkpoints: checkpoints.store, resume: checkpoints.resumeAfter("generate_summary", failed) },
      flaky.layer,
    )
    expect(resumed.status).toBe("published")
    expect(resumed.stages.map((s) => s.status)).toEqual(["reused", "reused", "reused", "reused", "ok"])
    // a reused stage shows the checksum it was stored with
    expect(step(resumed, "transform_gradebook").log).toMatchObject({
      reused: true,
      checkpoint: step(failed, "transform_gradebook").log.checkpoint,
    })
    expect(resumed.summary).toEqual(plain.summary)
    expect(resumed.problemCount).toBe(plain.problemCount)
    expect(resumed.problems).toEqual(plain.problems)
    expect(flaky.record.finished[0]!.summary).toEqual(plain.summary)
  })

  it("resumes after an early stage and runs the later ones again", async () => {
    const plain = await runWith({})
    const checkpoints = memoryCheckpoints()
    const first = await runWith({ checkpoints: checkpoints.store })
    const resumed = await runWith({
      checkpoints: checkpoints.store,
      resume: checkpoints.resumeAfter("standardize_results", first),
    })
    expect(resumed.stages.map((s) => s.status)).toEqual(["reused", "ok", "ok", "ok", "ok"])
    expect(step(resumed, "validate_results").log).toMatchObject({ rowsIn: 7 })
    expect(resumed.summary).toEqual(plain.summary)
    expect(resumed.problemCount).toBe(plain.problemCount)
    expect(resumed.rows).toBe(plain.rows)
  })

  it("refuses to resume after a stage that does not exist, or after the last one", async () => {
    const checkpoints = memoryCheckpoints()
    const first = await runWith({ checkpoints: checkpoints.store })
    const point = checkpoints.resumeAfter("standardize_results", first)
    const registry = await buildRegistry()
    const source = sourceFromBytes("gradebook.csv", new TextEncoder().encode(GRADES))
    for (const after of ["nope", "publish_results"]) {
      const error = await Effect.runPromise(
        Effect.flip(
          Effect.provide(runPipeline(registry, { source, resume: { ...point, after } }), memoryPublisher().layer),
        ),
      )
      expect(error).toBeInstanceOf(RequestError)
      expect(error.message).toContain(after)
    }
  })

  it("fails the stage whose output cannot be stored, naming the cause", async () => {
    const store: CheckpointStore = {
      open: (index, stage) =>
        Effect.succeed({
          write: () => (index === 1 ? Effect.fail(new CheckpointError({ message: "disk full" })) : Effect.void),
          seal: () => Effect.succeed({ rows: 0, bytes: 0, sha256: stage }),
        }),
    }
    const result = await runWith({ checkpoints: store })
    expect(result.status).toBe("failed")
    expect(result.incident?.stage).toBe("validate_results")
    expect(result.incident?.error).toBe('cannot store the output of stage "validate_results": disk full')
  })
})

describe("mass-change guard", () => {
  const deleteClass = (value: string) => ({ mode: "delete", config: { rules: [{ column: "class", value }] } })

  it("holds a plan that changes more than the allowed share, with the counts and a preview", async () => {
    const { layer, record } = memoryPublisher()
    const checkpoints = memoryCheckpoints()
    const result = await runWith({ plan: deleteClass("9A"), maxChange: 0.2, checkpoints: checkpoints.store }, layer)
    expect(result.status).toBe("awaiting_approval")
    expect(result.reports).toBeNull()
    expect(result.incident).toBeNull()
    expect(record.finished).toHaveLength(0)
    expect(record.aborted).toBe(1)
    expect(result.stages.map((s) => s.status)).toEqual(["ok", "ok", "ok", "skipped", "skipped"])
    expect(result.approval).toMatchObject({
      stage: "transform_gradebook",
      plan: "delete",
      inputRows: 7,
      deleted: 4,
      appended: 0,
      maxShare: 0.2,
    })
    expect(result.approval?.share).toBeCloseTo(4 / 7)
    expect(result.approval?.message).toBe(
      "the delete plan would remove 4 of 7 rows (57.1%), more than the 20% allowed without approval",
    )
    expect(result.approval?.preview.map((row) => [row.change, row.number])).toEqual([
      ["deleted", 2],
      ["deleted", 5],
      ["deleted", 6],
      ["deleted", 8],
    ])
    expect(result.approval?.columns).toContain("class")

    // approved: the run goes on after the stage that asked, unguarded
    const approved = await runWith(
      {
        plan: deleteClass("9A"),
        checkpoints: checkpoints.store,
        resume: checkpoints.resumeAfter("transform_gradebook", result),
      },
      layer,
    )
    expect(approved.status).toBe("published")
    expect(approved.rows).toBe(3)
    expect(record.finished).toHaveLength(1)
    expect(record.finished[0]!.datasetRows).toBe(3)
  })

  it("publishes a change within the share, and logs it", async () => {
    const result = await runWith({ plan: deleteClass("9C"), maxChange: 0.2 })
    expect(result.status).toBe("published")
    expect(step(result, "transform_gradebook").log.change).toMatchObject({ inputRows: 7, deleted: 1, appended: 0 })
  })

  it("counts appended rows and shows them", async () => {
    const result = await runWith({
      plan: { mode: "append", config: { records: [{ student_id: "S8" }, { student_id: "S9" }] } },
      maxChange: 0.2,
    })
    expect(result.status).toBe("awaiting_approval")
    expect(result.approval).toMatchObject({ deleted: 0, appended: 2 })
    expect(result.approval?.preview.map((row) => [row.change, row.number, row.cells[0]])).toEqual([
      ["appended", 9, "S8"],
      ["appended", 10, "S9"],
    ])
  })

  it("is off unless asked", async () => {
    const result = await runWith({ plan: deleteClass("9A") })
    expect(result.status).toBe("published")
    expect(step(result, "transform_gradebook").log.change).toBeUndefined()
  })

  it("lets a plugin stage ask for approval too", async () => {
    const asking = definePlugin({
      name: "asks",
      apiVersion: 1,
      stages: [
        {
          name: "ask",
          after: "validate_results",
          start: (context) =>
            Effect.sync(() => ({
              finish: () =>
                Effect.sync(() => {
                  context.requestApproval({
                    plan: "custom",
                    inputRows: 1,
                    deleted: 0,
                    appended: 0,
                    share: 0,
                    maxShare: 0,
                    message: "a person must look",
                    columns: [],
                    preview: [],
                  })
                  return undefined
                }),
            })),
        },
      ],
    })
    const registry = await buildRegistry([asking])
    const source = sourceFromBytes("gradebook.csv", new TextEncoder().encode(GRADES))
    const result = await Effect.runPromise(Effect.provide(runPipeline(registry, { source }), memoryPublisher().layer))
    expect(result.status).toBe("awaiting_approval")
    expect(result.approval).toMatchObject({ stage: "ask", message: "a person must look" })
  })
})
