import {
  definePlugin,
  type PipelineRequest,
  RequestError,
  runPipeline,
  type StepEvent,
  sourceFromBytes,
} from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { spyStage } from "./fixtures/stages.js"
import { buildRegistry, csv, FAKE_REPORTS, memoryPublisher, run, step, TEST_CHUNK } from "./helpers.js"

const STAGES = ["standardize_results", "validate_results", "transform_gradebook", "generate_summary", "publish_results"]

const GRADES = csv(
  "Student ID,Name,Score",
  "S1,Ada,87",
  "S2,Ben,90%",
  "S3,Cy,70",
  "S4,Di,N/A",
  "S5,Ed,65",
  "S6,Flo,99",
  "S7,Gus,80",
)

const requestError = async (request: Omit<PipelineRequest, "source">) => {
  const registry = await buildRegistry()
  const { layer } = memoryPublisher()
  const source = sourceFromBytes("g.csv", new TextEncoder().encode(GRADES))
  return Effect.runPromise(Effect.flip(Effect.provide(runPipeline(registry, { source, ...request }), layer)))
}

describe("runPipeline", () => {
  it("writes a step log per stage", async () => {
    const { result } = await run(GRADES)
    expect(result.status).toBe("published")
    expect(result.stages.map((s) => s.name)).toEqual(STAGES)
    for (const s of result.stages) {
      expect(s.plugin).toBe("batchops")
      expect(s.status).toBe("ok")
      expect(Number.isInteger(s.durationMs) && s.durationMs >= 0).toBe(true)
    }
    expect(step(result, "standardize_results").log).toMatchObject({ rowsOut: 7, rows: 7, format: "test-lines" })
    for (const name of STAGES.slice(1)) expect(step(result, name).log).toMatchObject({ rowsIn: 7, rowsOut: 7 })
    expect(result).toMatchObject({
      file: "gradebook.csv",
      format: "test-lines",
      profile: "gradebook",
      rows: 7,
      columns: ["student_id", "name", "score"],
      reports: FAKE_REPORTS,
      incident: null,
    })
  })

  it("counts rows in and out of each stage", async () => {
    const { result } = await run(GRADES, {
      plan: { mode: "delete", config: { rules: [{ column: "score", value: "90" }] } },
    })
    expect(step(result, "transform_gradebook").log).toMatchObject({ rowsIn: 7, rowsOut: 6, deleted: 1 })
    expect(step(result, "generate_summary").log).toMatchObject({ rowsIn: 6, rowsOut: 6 })
    expect(step(result, "publish_results").log).toMatchObject({ rowsIn: 6, rowsOut: 6 })
    expect(result.rows).toBe(6)
  })

  it("streams the rows through later stages in several chunks", async () => {
    const spy = spyStage("watch", { after: "generate_summary" })
    const { result, publisher } = await run(GRADES, {
      plugins: [definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })],
      plan: { mode: "custom", config: { note: "n" } },
    })
    expect(result.status).toBe("published")
    expect(spy.chunks.length).toBeGreaterThan(1)
    expect(spy.chunks.every((c) => c.length <= TEST_CHUNK)).toBe(true)
    expect(spy.rows().map((r) => r.number)).toEqual([2, 3, 4, 5, 6, 7, 8])
    expect(publisher.batches.length).toBe(spy.chunks.length)
  })

  it("sends started and finished events in stage order", async () => {
    const registry = await buildRegistry()
    const { layer } = memoryPublisher()
    const events: Array<string> = []
    const onStep = (event: StepEvent) =>
      Effect.sync(() => {
        events.push(event.type === "started" ? `start ${event.stage}` : `end ${event.step.name} ${event.step.status}`)
      })
    const source = sourceFromBytes("g.csv", new TextEncoder().encode(GRADES))
    await Effect.runPromise(Effect.provide(runPipeline(registry, { source, onStep }), layer))
    expect(events).toEqual([...STAGES.map((s) => `start ${s}`), ...STAGES.map((s) => `end ${s} ok`)])
  })

  it("a failed stage is failed, later ones skipped, reports null, and the publisher aborted", async () => {
    const { result, publisher } = await run(csv("student_id,score", "S1,80", ",70", "S3,60"))
    expect(result.status).toBe("failed")
    expect(result.stages.map((s) => s.status)).toEqual(["ok", "failed", "skipped", "skipped", "skipped"])
    expect(step(result, "transform_gradebook").log).toEqual({})
    expect(result.reports).toBeNull()
    expect(result.incident).toEqual({
      stage: "validate_results",
      error: expect.stringContaining("student_id is missing in 1 row (row 3)"),
      severity: "high",
      knownError: "missing-student-id",
      rootCause: expect.any(String),
      correctiveAction: expect.any(String),
      plugin: "batchops",
    })
    expect(publisher.requests).toHaveLength(1)
    expect(publisher.finished).toHaveLength(0)
    expect(publisher.aborted).toBe(1)
  })

  it("a failure before publish_results starts opens no report", async () => {
    const { result, publisher } = await run(csv("name,score", "Ada,80"))
    expect(result.incident).toMatchObject({ stage: "validate_results", knownError: "missing-required-column" })
    expect(publisher.requests).toHaveLength(0)
    expect(publisher.aborted).toBe(0)
  })

  it("sends a finished event for every stage of a failed run", async () => {
    const registry = await buildRegistry()
    const { layer } = memoryPublisher()
    const finished: Array<string> = []
    const onStep = (event: StepEvent) =>
      Effect.sync(() => {
        if (event.type === "finished") finished.push(`${event.step.name} ${event.step.status}`)
      })
    const source = sourceFromBytes("g.csv", new Uint8Array(0))
    const result = await Effect.runPromise(Effect.provide(runPipeline(registry, { source, onStep }), layer))
    expect(result.incident).toMatchObject({ stage: "standardize_results", knownError: "empty-file" })
    expect(finished).toEqual([
      "standardize_results failed",
      "validate_results skipped",
      "transform_gradebook skipped",
      "generate_summary skipped",
      "publish_results skipped",
    ])
  })

  it("a failing clean-up does not keep the publisher from aborting", async () => {
    const messy = definePlugin({
      name: "messy",
      apiVersion: 1,
      stages: [
        {
          name: "messy_cleanup",
          after: "standardize_results",
          start: () =>
            Effect.succeed({
              abort: () => {
                throw new Error("cannot clean up")
              },
            }),
        },
      ],
    })
    const { result, publisher } = await run(csv("student_id,score", "S1,80", ",70"), { plugins: [messy] })
    expect(result.incident?.stage).toBe("validate_results")
    expect(publisher.aborted).toBe(1)
  })

  it("fails with RequestError for an unknown profile", async () => {
    const error = await requestError({ profile: "timetable" })
    expect(error).toBeInstanceOf(RequestError)
    expect(error.message).toContain('unknown profile "timetable"')
    expect(error.message).toContain("gradebook")
    expect(error.message).toContain("auto")
  })

  it("fails with RequestError for an unknown plan", async () => {
    const error = await requestError({ plan: { mode: "merge" } })
    expect(error).toBeInstanceOf(RequestError)
    expect(error.message).toContain('unknown plan "merge"')
    expect(error.message).toContain("delete")
  })

  it("gives the publisher the request, the summary, the preview and the problems", async () => {
    const { result, publisher } = await run(GRADES, { name: "term1.csv" })
    expect(publisher.requests).toEqual([
      {
        fileName: "term1.csv",
        format: "test-lines",
        profile: "gradebook",
        plan: { mode: "transform", config: undefined },
        output: "summary",
        columns: ["student_id", "name", "score"],
        startedAt: expect.any(Date),
      },
    ])
    // a transform publishes the summary table, not the rows
    expect(publisher.batches).toHaveLength(0)
    const finished = publisher.finished[0]!
    expect(finished.summary).toEqual(result.summary)
    expect(finished.datasetRows).toBe(7)
    expect(finished.preview.map((r) => r.cells)).toContainEqual(["S2", "Ben", 90])
    expect(finished.note).toBeUndefined()
  })

  it("keeps problems with their stage and plugin, and counts warnings in the step log", async () => {
    const { result } = await run(csv("student_id,score", "S1,80", "S2,sick", "S3,70", "S4,75", "S5,90"))
    expect(result.status).toBe("published")
    expect(result.problemCount).toBe(1)
    expect(result.problems).toEqual([
      {
        stage: "validate_results",
        plugin: "batchops",
        row: 3,
        column: "score",
        value: "sick",
        rule: "not_a_number",
        message: 'row 3, score: "sick" is not a number; counted as missing',
      },
    ])
    expect(step(result, "validate_results").log.warnings).toBe(1)
  })
})
