import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  createBatchOps,
  definePlugin,
  PluginError,
  PublishError,
  ReportPublisher,
  RequestError,
  type StepEvent,
  sourceFromBytes,
} from "@batchops/core"
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spyStage } from "./fixtures/stages.js"
import { csv, memoryPublisher, testParserPlugin } from "./helpers.js"

const GRADES = csv("Student ID,Score", "S1,87", "S2,90", "S3,70")
const bytes = (text: string) => new TextEncoder().encode(text)

let dir = ""
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchops-promise-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("createBatchOps", () => {
  it("processes bytes through the built-ins and a plugin's stage, resolving with step logs and reports", async () => {
    const spy = spyStage("count_rows", { after: "validate_results" })
    const { layer, record } = memoryPublisher()
    const batchops = await createBatchOps({
      plugins: [testParserPlugin, definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })],
      layer,
    })
    const result = await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) })
    await batchops.close()

    expect(result.status).toBe("published")
    expect(result.file).toBe("grades.csv")
    expect(result.reports?.csv).toEqual(expect.any(String))
    expect(result.stages.map((s) => [s.name, s.plugin, s.status])).toEqual([
      ["standardize_results", "batchops", "ok"],
      ["validate_results", "batchops", "ok"],
      ["count_rows", "acme", "ok"],
      ["transform_gradebook", "batchops", "ok"],
      ["generate_summary", "batchops", "ok"],
      ["publish_results", "batchops", "ok"],
    ])
    expect(result.stages[2]?.log).toMatchObject({ seen: 3, rowsIn: 3, rowsOut: 3 })
    expect(record.finished).toHaveLength(1)
  })

  it("says that no parser is registered, rather than blaming a good file, when an instance has none", async () => {
    const { layer } = memoryPublisher()
    const batchops = await createBatchOps({ layer })
    const result = await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) })
    await batchops.close()
    expect(result.status).toBe("failed")
    expect(result.incident?.error).toBe(
      "grades.csv: no file parser is registered, so no file can be read: register parsersPlugin from " +
        "@batchops/parsers (or a plugin with parsers of its own)",
    )
  })

  it("lists the plugins, profiles and plans a form can offer", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin] })
    expect(batchops.plugins).toEqual([
      { name: "batchops", version: undefined, apiVersion: 1 },
      { name: "test-lines", version: undefined, apiVersion: 1 },
    ])
    expect(batchops.profiles.map((p) => [p.id, p.plugin])).toEqual([
      ["gradebook", "batchops"],
      ["attendance", "batchops"],
      ["roster", "batchops"],
      ["generic", "batchops"],
    ])
    expect(batchops.profiles[0]?.label).toEqual(expect.any(String))
    expect(batchops.plans.map((p) => [p.id, p.output])).toEqual([
      ["transform", "summary"],
      ["append", "dataset"],
      ["delete", "dataset"],
      ["custom", "dataset"],
    ])
    expect(batchops.registry.stages).toHaveLength(5)
    await batchops.close()
  })

  it("without the built-ins, only the given plugins are registered", async () => {
    const batchops = await createBatchOps({ builtins: false, plugins: [testParserPlugin] })
    expect(batchops.plugins.map((p) => p.name)).toEqual(["test-lines"])
    expect(batchops.profiles).toEqual([])
    await batchops.close()
  })

  it("rejects a bad plugin with the PluginError itself, naming the plugin", async () => {
    const error = await createBatchOps({ plugins: [{ name: "future", apiVersion: 2 }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PluginError)
    expect(error).toBeInstanceOf(Error)
    expect((error as PluginError).plugin).toBe("future")
    expect((error as PluginError).message).toContain("targets plugin API 2")
  })

  it("rejects plugins that are not a list", async () => {
    const options = { plugins: testParserPlugin } as unknown as Parameters<typeof createBatchOps>[0]
    await expect(createBatchOps(options)).rejects.toThrow("plugins must be an array of plugins")
  })

  it("rejects with the layer's own error when the adapters cannot be built, releasing what was built", async () => {
    const events: Array<string> = []
    const opened = Layer.effectDiscard(
      Effect.acquireRelease(
        Effect.sync(() => events.push("opened")),
        () => Effect.sync(() => events.push("released")),
      ),
    )
    const broken = Layer.effect(ReportPublisher, Effect.fail(new PublishError({ message: "reports disk is full" })))
    const error = await createBatchOps({ layer: Layer.provideMerge(broken, opened) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PublishError)
    expect((error as PublishError).message).toBe("reports disk is full")
    expect(events).toEqual(["opened", "released"])
  })
})

describe("BatchOps.process", () => {
  it("resolves a bad file as failed, with the incident draft", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const result = await batchops.process({ name: "empty.csv", bytes: new Uint8Array() })
    await batchops.close()
    expect(result.status).toBe("failed")
    expect(result.reports).toBeNull()
    expect(result.incident?.stage).toBe("standardize_results")
    expect(result.incident?.error).toContain("empty")
    expect(result.stages.find((s) => s.name === "publish_results")?.status).toBe("skipped")
  })

  it("reads a path from disk and names the result after the file", async () => {
    const path = join(dir, "term1.csv")
    await writeFile(path, GRADES)
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const result = await batchops.process(path, { profile: "auto" })
    await batchops.close()
    expect(result.status).toBe("published")
    expect(result.file).toBe("term1.csv")
    expect(result.profile).toBe("gradebook")
    expect(result.rows).toBe(3)
  })

  it("takes a FileSource as it is", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const result = await batchops.process(sourceFromBytes("from-source.csv", bytes(GRADES)))
    await batchops.close()
    expect(result.status).toBe("published")
    expect(result.file).toBe("from-source.csv")
  })

  it("rejects a path it cannot read with a RequestError naming the path", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const missing = join(dir, "missing.csv")
    const error = await batchops.process(missing).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
    expect((error as RequestError).message).toBe(`cannot read ${missing}: no such file`)
    await expect(batchops.process(dir)).rejects.toThrow(`cannot read ${dir}: it is a directory`)
    await batchops.close()
  })

  it("rejects an input that is neither a path, bytes nor a FileSource", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const text = { name: "grades.csv", bytes: GRADES } as unknown as Parameters<typeof batchops.process>[0]
    const error = await batchops.process(text).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
    expect((error as RequestError).message).toContain("bytes as a Uint8Array")
    await batchops.close()
  })

  it("rejects an unknown profile or plan with the RequestError itself", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    const file = { name: "grades.csv", bytes: bytes(GRADES) }
    const profile = await batchops.process(file, { profile: "exams" }).catch((e: unknown) => e)
    expect(profile).toBeInstanceOf(RequestError)
    expect((profile as RequestError).message).toBe(
      'unknown profile "exams" (known: gradebook, attendance, roster, generic, auto)',
    )
    await expect(batchops.process(file, { plan: { mode: "shuffle" } })).rejects.toThrow('unknown plan "shuffle"')
    await batchops.close()
  })

  it("passes the plan, the guard and a column mapping to the pipeline", async () => {
    const { layer, record } = memoryPublisher()
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer })
    const file = { name: "grades.csv", bytes: bytes(csv("Pupil,Score", "S1,87", "S2,90", "S3,70")) }
    const held = await batchops.process(file, {
      columnMapping: { Pupil: "student_id" },
      plan: { mode: "delete", config: { rules: [{ column: "student_id", value: "S1" }] } },
      maxChange: 0.1,
    })
    expect(held.status).toBe("awaiting_approval")
    expect(held.approval?.stage).toBeDefined()
    expect(held.stages[0]?.log.columnMapping).toMatchObject({ mapping: { Pupil: "student_id" } })
    const heldBatches = record.batches.length
    const deleted = await batchops.process(file, {
      columnMapping: { Pupil: "student_id" },
      plan: { mode: "delete", config: { rules: [{ column: "student_id", value: "S1" }] } },
    })
    await batchops.close()
    expect(deleted.status).toBe("published")
    expect(
      record.batches
        .slice(heldBatches)
        .flat()
        .map((row) => row.cells[0]),
    ).toEqual(["S2", "S3"])
  })

  it("shows the first 20 rows a held plan would remove or add in its approval request, no more", async () => {
    const { layer } = memoryPublisher()
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer })
    // 21 rows of class 9A among 30, and a plan that removes them: one row more than is shown
    const lines = Array.from({ length: 30 }, (_, i) => `S${i + 1},${i < 21 ? "9A" : "9B"},${60 + i}`)
    const file = { name: "grades.csv", bytes: bytes(csv("student_id,class,score", ...lines)) }
    const removed = await batchops.process(file, {
      plan: { mode: "delete", config: { rules: [{ column: "class", value: "9A" }] } },
      maxChange: 0.1,
    })
    expect(removed.status).toBe("awaiting_approval")
    expect(removed.approval).toMatchObject({ inputRows: 30, deleted: 21, appended: 0 })
    const shown = removed.approval?.preview ?? []
    expect(shown).toHaveLength(20)
    expect(shown.every((row) => row.change === "deleted")).toBe(true)
    expect(shown.map((row) => row.cells[0])).toEqual(Array.from({ length: 20 }, (_, i) => `S${i + 1}`))
    // 21 appended records: 20 shown too
    const records = Array.from({ length: 21 }, (_, i) => ({ student_id: `N${i + 1}`, class: "9C", score: 70 }))
    const added = await batchops.process(file, { plan: { mode: "append", config: { records } }, maxChange: 0.1 })
    await batchops.close()
    expect(added.status).toBe("awaiting_approval")
    expect(added.approval).toMatchObject({ deleted: 0, appended: 21 })
    const appended = added.approval?.preview ?? []
    expect(appended.map((row) => row.cells[0])).toEqual(Array.from({ length: 20 }, (_, i) => `N${i + 1}`))
  })

  it("reports each stage as it starts and finishes", async () => {
    const events: Array<string> = []
    const onStep = (event: StepEvent) =>
      events.push(event.type === "started" ? `start ${event.stage}` : `done ${event.step.name} ${event.step.status}`)
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: memoryPublisher().layer })
    await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) }, { onStep })
    await batchops.close()
    expect(events.slice(0, 2)).toEqual(["start standardize_results", "start validate_results"])
    expect(events.filter((e) => e.startsWith("done"))).toEqual([
      "done standardize_results ok",
      "done validate_results ok",
      "done transform_gradebook ok",
      "done generate_summary ok",
      "done publish_results ok",
    ])
  })

  it("a step callback that throws stops the run, publishes nothing and rejects with its error", async () => {
    const { layer, record } = memoryPublisher()
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer })
    const broken = new Error("progress bar is gone")
    let calls = 0
    const onStep = (event: StepEvent) => {
      calls += 1
      if (event.type === "started" && event.stage === "transform_gradebook") throw broken
    }
    const error = await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) }, { onStep }).catch((e) => e)
    await batchops.close()
    expect(error).toBe(broken)
    expect(calls).toBe(3)
    expect(record.finished).toEqual([])
  })

  it("without a report publisher, a run that publishes rejects saying what to pass", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin] })
    const error = await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) }).catch((e: unknown) => e)
    await batchops.close()
    expect(error).toBeInstanceOf(PublishError)
    expect((error as PublishError).message).toContain("no report publisher: pass layer: DirectoryPublisher.layer(")
  })

  it("without a report publisher, a bad file still resolves as failed", async () => {
    const batchops = await createBatchOps({ plugins: [testParserPlugin] })
    const result = await batchops.process({ name: "empty.csv", bytes: new Uint8Array() })
    await batchops.close()
    expect(result.status).toBe("failed")
  })
})

describe("BatchOps.close", () => {
  it("waits for runs in progress, releases the adapters, and refuses later runs", async () => {
    const events: Array<string> = []
    const { layer, record } = memoryPublisher()
    const tracked = Layer.merge(
      layer,
      Layer.effectDiscard(
        Effect.acquireRelease(
          Effect.sync(() => events.push("acquired")),
          () => Effect.sync(() => events.push("released")),
        ),
      ),
    )
    const batchops = await createBatchOps({ plugins: [testParserPlugin], layer: tracked })
    expect(events).toEqual(["acquired"])
    const running = batchops.process({ name: "grades.csv", bytes: bytes(GRADES) })
    const closing = batchops.close()
    expect(batchops.close()).toBe(closing)
    const result = await running
    events.push(`run ${result.status}`)
    await closing
    expect(events).toEqual(["acquired", "run published", "released"])
    expect(record.finished).toHaveLength(1)

    const error = await batchops.process({ name: "grades.csv", bytes: bytes(GRADES) }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
    expect((error as RequestError).message).toContain("this BatchOps instance is closed")
  })
})
