/**
 * The plugin author's kit: its sample files run as described, its CSV parser reads quotes and
 * line ends, its in-memory layers keep what they were given, its runners report a stage, a
 * plan, a plugin and an automation, and its assertions fail with readable messages.
 */

import { createHash } from "node:crypto"
import {
  AutomationError,
  AutomationLedger,
  DepartmentsRepo,
  defineAutomation,
  definePlan,
  definePlugin,
  Mailer,
  PLUGIN_API_VERSION,
  type Plugin,
  PluginError,
  RequestError,
  type Stage,
} from "@batchops/core"
import {
  attendanceSample,
  badScoresSample,
  checkPlugin,
  csvTestParser,
  emptySample,
  expectStep,
  gradebookSample,
  memoryCheckpoints,
  memoryLedger,
  memoryMailer,
  missingColumnSample,
  parseCsvText,
  publishedRecords,
  rosterSample,
  runAutomation,
  runPlan,
  runPlugin,
  runStage,
  runTestPipeline,
  StepAssertionError,
  sampleFile,
  stepOf,
  TEST_NOW,
  testRegistry,
  testSource,
} from "@batchops/core/testing"
import { Effect, Schema, Stream } from "effect"
import { describe, expect, it } from "vitest"

/** Counts the rows it sees across chunks and adds a column with each row's first cell in capitals. */
const shout: Stage = {
  name: "shout",
  after: "validate_results",
  start: (context, columns) =>
    Effect.sync(() => {
      let seen = 0
      return {
        columns: [...columns, "shout"],
        chunk: (rows) =>
          Effect.sync(() => {
            seen += rows.length
            return rows.map((row) => ({
              number: row.number,
              cells: [...row.cells, String(row.cells[0]).toUpperCase()],
            }))
          }),
        finish: () =>
          Effect.sync(() => {
            context.log.seen = seen
            return undefined
          }),
      }
    }),
}

const shoutPlugin = definePlugin({ name: "shout", apiVersion: PLUGIN_API_VERSION, stages: [shout] })

/** Fails on a roster without a guardian for some student, reporting each first. */
const guardians = definePlugin({
  name: "guardians",
  apiVersion: PLUGIN_API_VERSION,
  stages: [
    {
      name: "check_guardians",
      after: "validate_results",
      start: (context, columns) =>
        Effect.sync(() => {
          const at = columns.indexOf("guardian")
          let missing = 0
          return {
            chunk: (rows) =>
              Effect.sync(() => {
                for (const row of rows) {
                  if (row.cells[at] !== undefined) continue
                  missing += 1
                  context.report({
                    row: row.number,
                    column: "guardian",
                    value: "",
                    rule: "missing",
                    message: "no guardian",
                  })
                }
                return rows
              }),
            finish: () =>
              missing > 0
                ? Effect.fail(context.fail(`${missing} students have no guardian`))
                : Effect.succeed(undefined),
          }
        }),
    },
  ],
})

describe("sample files", () => {
  it("keep their text and bytes together", () => {
    const file = sampleFile("a.csv", "x,y", "1,2")
    expect(file).toEqual({ name: "a.csv", text: "x,y\n1,2\n", bytes: new TextEncoder().encode("x,y\n1,2\n") })
    expect(emptySample.bytes.byteLength).toBe(0)
  })

  it("publish as the profile they stand for", async () => {
    const gradebook = await runPlugin([], gradebookSample)
    expect(gradebook.result).toMatchObject({ status: "published", profile: "gradebook", format: "csv", rows: 10 })
    expect(gradebook.result.problemCount).toBe(0)
    const attendance = await runPlugin([], attendanceSample, { profile: "auto" })
    expect(attendance.result).toMatchObject({ status: "published", profile: "attendance", rows: 6 })
    const roster = await runPlugin([], rosterSample, {
      profile: "auto",
      plan: { mode: "custom", config: { note: "Welcome letters" } },
    })
    expect(roster.result).toMatchObject({ status: "published", profile: "roster", rows: 4 })
    expect(publishedRecords(roster.publication!)[0]).toMatchObject({
      student_id: "STU-2024-0001",
      guardian: "Smith, Anne",
    })
  })

  it("the broken ones fail or warn where they say", async () => {
    const missing = await runPlugin([], missingColumnSample)
    expectStep(missing, "validate_results", { status: "failed" })
    expect(missing.result.incident?.error).toContain("missing required column for the gradebook profile: student_id")
    const empty = await runPlugin([], emptySample)
    expect(empty.result.incident?.error).toBe("empty.csv: the file is empty (0 bytes)")
    const bad = await runPlugin([], badScoresSample)
    expect(bad.result.status).toBe("published")
    expect(bad.result.problems.map((p) => [p.row, p.column, p.rule])).toEqual([
      [3, "math", "not_a_number"],
      [4, "english", "not_a_number"],
    ])
  })
})

describe("the test CSV parser", () => {
  it("reads quoted cells, doubled quotes, commas and line ends inside quotes, and CRLF", () => {
    expect(parseCsvText('a,"b, c","say ""hi"""\r\n"two\nlines",,x\r\n')).toEqual([
      ["a", "b, c", 'say "hi"'],
      ["two\nlines", "", "x"],
    ])
    expect(parseCsvText("a,b")).toEqual([["a", "b"]])
    expect(parseCsvText("a,\n\nb")).toEqual([["a", ""], [""], ["b"]])
    expect(parseCsvText("")).toEqual([])
  })

  it("takes text and leaves binary files to other parsers, in chunks of the size asked", async () => {
    const parser = csvTestParser({ chunkSize: 3 })
    expect(parser.detect(new TextEncoder().encode("a,b"))).toBe(true)
    expect(parser.detect(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00]))).toBe(false)
    const parsed = await Effect.runPromise(parser.parse(testSource(gradebookSample)))
    expect(parsed.format).toBe("csv")
    const chunks = await Effect.runPromise(Stream.runCollect(parsed.records))
    expect(chunks.map((chunk) => chunk.length)).toEqual([3, 3, 3, 2])
  })
})

describe("memoryPublisher", () => {
  it("keeps what a run published under memory:// names it can read back", async () => {
    const run = await runPlugin([], badScoresSample, { plan: { mode: "custom", config: { note: "Check row 3" } } })
    const publication = run.publication!
    expect(run.result.reports).toEqual({
      csv: "memory://1/bad-scores.processed.csv",
      pdf: "memory://1/bad-scores.processed.pdf",
      rejected: "memory://1/bad-scores.rejected.csv",
    })
    expect(run.publisher.read("memory://1/bad-scores.rejected.csv")).toBe(publication)
    expect(run.publisher.read("memory://2/bad-scores.processed.csv")).toBeUndefined()
    expect(publication.columns).toEqual(["student_id", "name", "math", "english"])
    expect(publication.rows.map((row) => row.cells)).toEqual([
      ["STU-2024-0001", "Chloé Smith", 62.8, 71.4],
      ["STU-2024-0002", "José Martin", "ninety", 80.8],
      ["STU-2024-0003", "Mateo Li", 81, "abs."],
      ["STU-2024-0004", "Priya Hassan", 89.7, 83.2],
      ["STU-2024-0005", "Noah Smith", 77.4, 70.4],
      ["STU-2024-0006", "Maya Jones", 65.2, 91.3],
    ])
    expect(publication.result).toMatchObject({ note: "Check row 3", datasetRows: 6, problemCount: 2 })
    expect(publication.aborted).toBe(false)
  })

  it("a failed run's publication is aborted and names no reports", async () => {
    const run = await runPlugin(guardians, sampleFile("r.csv", "student_id,guardian,score", "S1,,4"))
    expect(run.result.status).toBe("failed")
    expect(run.publication).toMatchObject({ aborted: true, result: undefined, reports: undefined })
  })
})

describe("memoryCheckpoints", () => {
  it("stores each stage's output sealed with its checksum, and a later run resumes after one", async () => {
    const checkpoints = memoryCheckpoints()
    const first = await runPlugin(shoutPlugin, gradebookSample, { checkpoints: checkpoints.store })
    expect([...checkpoints.stored.keys()]).toEqual([
      "standardize_results",
      "validate_results",
      "shout",
      "transform_gradebook",
      "generate_summary",
    ])
    const lines = checkpoints.stored.get("shout")!.lines
    const text = lines.map((line) => `${line}\n`).join("")
    expect(stepOf(first, "shout").log.checkpoint).toEqual({
      rows: 10,
      bytes: Buffer.byteLength(text),
      sha256: createHash("sha256").update(text).digest("hex"),
    })
    expect(checkpoints.rowsOf("shout")[8]!.cells.slice(4, 5)).toEqual([undefined])
    const resumed = await runPlugin(shoutPlugin, gradebookSample, {
      checkpoints: checkpoints.store,
      resume: checkpoints.resumeAfter("shout", first.result),
    })
    expect(resumed.result.stages.map((s) => s.status)).toEqual(["reused", "reused", "reused", "ok", "ok", "ok"])
    expect(resumed.result.summary).toEqual(first.result.summary)
  })

  it("refuses to resume after a stage it holds no sealed checkpoint of", async () => {
    const checkpoints = memoryCheckpoints()
    const roster = sampleFile("roster.csv", "student_id,name,class,guardian", "S1,Ann,9A,")
    const failed = await runPlugin(guardians, roster, { profile: "roster", checkpoints: checkpoints.store })
    expectStep(failed, "check_guardians", { status: "failed" })
    expect(() => checkpoints.resumeAfter("check_guardians", failed.result)).toThrow(
      'no sealed checkpoint of stage "check_guardians" (sealed: standardize_results, validate_results)',
    )
  })
})

describe("runStage", () => {
  it("runs a stage in its place and captures what it passed on and logged", async () => {
    const outcome = await runStage(shout, gradebookSample)
    expect(outcome.status).toBe("ok")
    expect(outcome.step.plugin).toBe("stage-under-test")
    expect(outcome.received).toContain("math")
    expect(outcome.columns.at(-1)).toBe("shout")
    expect(outcome.rows).toHaveLength(10)
    expect(outcome.rows[0]!.cells.at(-1)).toBe("STU-2024-0001")
    // after validate_results, so the scores arrive as numbers
    expect(outcome.rows[0]!.cells[outcome.columns.indexOf("math")]).toBe(62.8)
    expect(outcome.log).toMatchObject({ rowsIn: 10, rowsOut: 10, seen: 10 })
    expect(outcome.error).toBeUndefined()
    expect(outcome.publication?.columns.at(-1)).toBe("shout")
  })

  it("names a plugin's stage, and reports its problems and its failure", async () => {
    const outcome = await runStage(
      { plugin: guardians, stage: "check_guardians" },
      sampleFile("roster.csv", "student_id,name,class,guardian", "S1,Ann,9A,Bo", "S2,Cy,9A,", "S3,Di,9B,"),
      { profile: "roster" },
    )
    expect(outcome.status).toBe("failed")
    expect(outcome.error).toBe("2 students have no guardian")
    expect(outcome.problems.map((p) => [p.row, p.stage, p.plugin])).toEqual([
      [3, "check_guardians", "guardians"],
      [4, "check_guardians", "guardians"],
    ])
    expect(outcome.result.incident).toMatchObject({ stage: "check_guardians", plugin: "guardians" })
    expectStep(outcome, "publish_results", { status: "skipped" })
  })

  it("a stage after a failing one is skipped, with no error of its own", async () => {
    const outcome = await runStage(shout, missingColumnSample)
    expect(outcome).toMatchObject({ status: "skipped", error: undefined, rows: [] })
    expect(outcome.result.incident?.stage).toBe("validate_results")
  })

  it("captures the rows a first stage supplies and the built-ins' own stages", async () => {
    const outcome = await runStage({ plugin: shoutPlugin, stage: "standardize_results" }, gradebookSample)
    expect(outcome.rows.map((row) => row.number)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(outcome.columns[0]).toBe("student_id")
  })

  it("rejects a stage that is not registered, listing those that are", async () => {
    const error = await runStage({ plugin: shoutPlugin, stage: "shuot" }, gradebookSample).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
    expect((error as RequestError).message).toContain('no stage "shuot" is registered')
    expect((error as RequestError).message).toContain("shout")
  })
})

describe("runPlan", () => {
  const topScorers = definePlan({
    id: "top_scorers",
    label: "Top scorers",
    description: "Keeps the rows whose column is at least the bar.",
    output: "dataset",
    config: Schema.Struct({ column: Schema.String, bar: Schema.Number }),
    start: (config, context, columns) =>
      Effect.gen(function* () {
        const at = columns.indexOf(config.column)
        if (at < 0) return yield* context.fail(`no column "${config.column}"`)
        return {
          columns: ["student_id", config.column],
          chunk: (rows) =>
            rows
              .filter((row) => typeof row.cells[at] === "number" && (row.cells[at] as number) >= config.bar)
              .map((row) => ({ number: row.number, cells: [row.cells[0], row.cells[at]] })),
        }
      }),
  })

  it("gives the plan's output columns and rows", async () => {
    const outcome = await runPlan(topScorers, { column: "math", bar: 80 }, gradebookSample)
    expect(outcome.status).toBe("ok")
    expect(outcome.columns).toEqual(["student_id", "math"])
    expect(outcome.rows.map((row) => row.cells)).toEqual([
      ["STU-2024-0003", 96.7],
      ["STU-2024-0004", 81],
      ["STU-2024-0006", 89.7],
    ])
    expect(outcome.result.status).toBe("published")
    expect(publishedRecords(outcome.publication!)).toEqual([
      { student_id: "STU-2024-0003", math: 96.7 },
      { student_id: "STU-2024-0004", math: 81 },
      { student_id: "STU-2024-0006", math: 89.7 },
    ])
  })

  it("a config the schema refuses, or the plan's own failure, is the outcome's error", async () => {
    const plugin = definePlugin({ name: "plans", apiVersion: PLUGIN_API_VERSION, plans: [topScorers] })
    const refused = await runPlan({ plugin, plan: "top_scorers" }, { column: "math" }, gradebookSample)
    expect(refused.status).toBe("failed")
    expect(refused.error).toContain("bar")
    const failed = await runPlan(topScorers, { column: "physics", bar: 1 }, gradebookSample)
    expect(failed.error).toBe('no column "physics"')
  })
})

describe("runPlugin and checkPlugin", () => {
  it("runs the built-ins, the test parser and the plugins", async () => {
    const run = await runPlugin(shoutPlugin, "student_id,score\nS1,4\n")
    expect(run.result.file).toBe("test.csv")
    expect(run.result.stages.map((s) => s.name)).toEqual([
      "standardize_results",
      "validate_results",
      "shout",
      "transform_gradebook",
      "generate_summary",
      "publish_results",
    ])
    expectStep(run, "shout", { status: "ok", log: { seen: 1 } })
  })

  it("rejects a request the pipeline refuses", async () => {
    const error = await runPlugin([], gradebookSample, { profile: "timetable" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
  })

  it("resolves to the registry of a plugin that registers", async () => {
    const registry = await checkPlugin(shoutPlugin)
    expect(registry.plugins.map((p) => p.name)).toEqual(["batchops", "csv-test", "shout"])
    expect(registry.stages.map((s) => s.name)).toContain("shout")
  })

  it("rejects with the PluginError of a plugin written for another plugin API", async () => {
    const future: Plugin = { name: "future", apiVersion: PLUGIN_API_VERSION + 1 }
    const error = await checkPlugin(future).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PluginError)
    expect((error as PluginError).plugin).toBe("future")
    expect((error as PluginError).message).toContain(`targets plugin API ${PLUGIN_API_VERSION + 1}`)
    const anchored = definePlugin({
      name: "lost",
      apiVersion: PLUGIN_API_VERSION,
      stages: [{ ...shout, after: "nowhere" }],
    })
    await expect(checkPlugin(anchored)).rejects.toThrow(/which no earlier plugin defines/)
  })

  it("the Effect versions give the same run", async () => {
    const run = await Effect.runPromise(
      Effect.flatMap(testRegistry([shoutPlugin]), (registry) => runTestPipeline(registry, gradebookSample)),
    )
    expect(stepOf(run, "shout").log).toMatchObject({ seen: 10 })
  })
})

describe("assertions", () => {
  it("stepOf lists the steps when the one asked for is missing", async () => {
    const run = await runPlugin([], emptySample)
    let thrown: unknown
    try {
      stepOf(run, "shout")
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(StepAssertionError)
    expect(thrown).toMatchObject({ name: "AssertionError", code: "ERR_ASSERTION" })
    expect((thrown as Error).message).toBe(
      'no step "shout" in the run; its steps: standardize_results (failed), validate_results (skipped), ' +
        "transform_gradebook (skipped), generate_summary (skipped), publish_results (skipped)",
    )
  })

  it("expectStep says which status or fact differs", async () => {
    const run = await runPlugin(shoutPlugin, gradebookSample)
    expect(expectStep(run, "shout", { status: "ok", log: { seen: 10 } }).name).toBe("shout")
    expect(() => expectStep(run, "shout", { status: "failed" })).toThrow('step "shout" is ok, expected failed')
    expect(() => expectStep(run, "shout", { log: { seen: 9 } })).toThrow('step "shout": log.seen is 10, expected 9')
    expect(() => expectStep(run, "validate_results", { log: { numericColumns: ["math"] } })).toThrow(
      /log.numericColumns is \["math","english","science","attendance"\], expected \["math"\]/,
    )
    const failed = await runPlugin([], emptySample)
    expect(() => expectStep(failed, "publish_results", { status: "ok" })).toThrow(
      'step "publish_results" is skipped, expected ok (the run failed in standardize_results: empty.csv: the file is empty (0 bytes))',
    )
  })
})

describe("runAutomation", () => {
  const remind = defineAutomation({
    key: "remind_guardians",
    description: "Mails each guardian once a day.",
    params: Schema.Struct({
      to: Schema.Array(Schema.String),
      subject: Schema.String.pipe(Schema.withDecodingDefaultKey(Effect.succeed("Reminder"))),
    }),
    run: (params, context) =>
      Effect.gen(function* () {
        const ledger = yield* AutomationLedger
        const mailer = yield* Mailer
        const today = new Date(yield* Effect.clockWith((clock) => clock.currentTimeMillis)).toISOString().slice(0, 10)
        let sent = 0
        for (const to of params.to) {
          const claimed = yield* ledger
            .claim({ scope: "reminder", key: `${to}:${today}` })
            .pipe(Effect.mapError((error) => new AutomationError({ message: error.message })))
          if (!claimed) continue
          yield* mailer
            .send({ to: [to], subject: params.subject, text: `Reminder for ${today}` })
            .pipe(Effect.mapError((error) => new AutomationError({ message: error.message })))
          sent += 1
        }
        yield* context.step("send", { sent })
        if (sent === 0) return yield* new AutomationError({ message: "nobody left to remind today" })
        return { sent }
      }),
  })

  it("runs with the memory mailer and ledger on a fixed clock", async () => {
    const ledger = memoryLedger()
    const mailer = memoryMailer()
    const first = await runAutomation(remind, { to: ["a@school.test", "b@school.test"] }, { ledger, mailer })
    expect(first.result).toEqual({ sent: 2 })
    expect(first.error).toBeUndefined()
    expect(first.steps).toEqual([{ name: "send", details: { sent: 2 } }])
    expect(first.sent).toEqual([
      { to: ["a@school.test"], subject: "Reminder", text: `Reminder for ${TEST_NOW.slice(0, 10)}` },
      { to: ["b@school.test"], subject: "Reminder", text: `Reminder for ${TEST_NOW.slice(0, 10)}` },
    ])
    expect(first.ledger.map((entry) => [entry.key, entry.createdAt])).toEqual([
      ["a@school.test:2024-09-02", TEST_NOW],
      ["b@school.test:2024-09-02", TEST_NOW],
    ])
    const again = await runAutomation(remind, { to: ["a@school.test"] }, { ledger, mailer })
    expect(again.error?.message).toBe("nobody left to remind today")
    expect(again.sent).toHaveLength(2)
    const tomorrow = await runAutomation(remind, { to: ["a@school.test"] }, { ledger, now: "2024-09-03T08:00:00Z" })
    expect(tomorrow.result).toEqual({ sent: 1 })
  })

  it("refused parameters are the run's error, naming the field", async () => {
    const run = await runAutomation(remind, { to: "a@school.test" })
    expect(run.error).toBeInstanceOf(AutomationError)
    expect(run.error?.message).toContain("parameters refused")
    expect(run.error?.message).toContain("to")
    expect(run.sent).toEqual([])
  })

  it("a service the test did not provide rejects, naming it", async () => {
    const lister = defineAutomation({
      key: "list_sources",
      description: "Lists department sources.",
      params: Schema.Struct({}),
      run: () =>
        Effect.gen(function* () {
          yield* DepartmentsRepo
          return {}
        }),
    })
    await expect(runAutomation(lister)).rejects.toThrow(/DepartmentsRepo/)
  })
})
