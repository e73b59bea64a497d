import {
  batchopsPlugin,
  createRegistry,
  definePlan,
  definePlugin,
  type Plugin,
  PluginError,
  type Profile,
  type Registry,
} from "@batchops/core"
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { spyStage } from "./fixtures/stages.js"
import { buildRegistry, csv, records, run, step, testLinesParser, testParserPlugin } from "./helpers.js"

const BUILTIN_STAGES = [
  "standardize_results",
  "validate_results",
  "transform_gradebook",
  "generate_summary",
  "publish_results",
]

const registryError = (plugins: ReadonlyArray<Plugin>): Promise<PluginError> =>
  Effect.runPromise(Effect.flip(createRegistry(plugins)))

const GRADES = csv("Student ID,Score", "S1,87%", "S2,90", "S3,70", "S4,65", "S5,99")

describe("createRegistry", () => {
  it("registers the built-ins through the plugin API", async () => {
    const registry = await buildRegistry()
    expect(registry.stages.map((s) => s.name)).toEqual(BUILTIN_STAGES)
    expect(registry.stages.every((s) => s.plugin === "batchops")).toBe(true)
    expect([...registry.plans.keys()]).toEqual(["transform", "append", "delete", "custom"])
    expect([...registry.profiles.keys()]).toEqual(["gradebook", "attendance", "roster", "generic"])
    expect(registry.profiles.get("gradebook")?.plugin).toBe("batchops")
    expect(registry.knownErrors.every((k) => k.plugin === "batchops")).toBe(true)
  })

  it("places a stage right after its anchor", async () => {
    const spy = spyStage("check_ids", { after: "validate_results" })
    const registry = await buildRegistry([definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })])
    expect(registry.stages.map((s) => s.name)).toEqual([
      "standardize_results",
      "validate_results",
      "check_ids",
      "transform_gradebook",
      "generate_summary",
      "publish_results",
    ])
    expect(registry.stages[2]?.plugin).toBe("acme")
  })

  it("places a stage right before its anchor", async () => {
    const spy = spyStage("pre_publish", { before: "publish_results" })
    const registry = await buildRegistry([definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })])
    expect(registry.stages.map((s) => s.name).slice(-2)).toEqual(["pre_publish", "publish_results"])
  })

  it("a stage with no anchor goes at the end", async () => {
    const spy = spyStage("archive")
    const registry = await buildRegistry([definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })])
    expect(registry.stages.at(-1)?.name).toBe("archive")
  })

  it("an unknown anchor fails naming the plugin and the anchor", async () => {
    const spy = spyStage("check_ids", { after: "validate_everything" })
    const error = await registryError([
      batchopsPlugin,
      definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] }),
    ])
    expect(error).toBeInstanceOf(PluginError)
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('"acme"')
    expect(error.message).toContain('"validate_everything"')
    expect(error.message).toContain('"check_ids"')
  })

  it("an anchor must come from an earlier plugin", async () => {
    const spy = spyStage("check_ids", { before: "standardize_results" })
    const error = await registryError([
      definePlugin({ name: "early", apiVersion: 1, stages: [spy.stage] }),
      batchopsPlugin,
    ])
    expect(error.plugin).toBe("early")
    expect(error.message).toContain("standardize_results")
  })

  it("a stage with both after and before is refused", async () => {
    const spy = spyStage("odd", { after: "validate_results", before: "publish_results" })
    const error = await registryError([
      batchopsPlugin,
      definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] }),
    ])
    expect(error.message).toContain('plugin "acme"')
    expect(error.message).toContain("both")
  })

  it("a duplicate stage name fails naming the plugin and the owner", async () => {
    const spy = spyStage("validate_results")
    const error = await registryError([
      batchopsPlugin,
      definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] }),
    ])
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('plugin "acme"')
    expect(error.message).toContain('"validate_results" is already defined by plugin "batchops"')
  })

  it("a duplicate plan id fails naming the plugin", async () => {
    const plan = definePlan({
      id: "delete",
      label: "Mine",
      description: "a second delete",
      output: "dataset",
      config: Schema.Unknown,
      start: () => Effect.succeed({}),
    })
    const error = await registryError([batchopsPlugin, definePlugin({ name: "acme", apiVersion: 1, plans: [plan] })])
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('plan "delete" is already defined by plugin "batchops"')
  })

  it("a duplicate profile id fails naming the plugin", async () => {
    const profile: Profile = { id: "roster", label: "Mine", required: [], keys: [] }
    const error = await registryError([
      batchopsPlugin,
      definePlugin({ name: "acme", apiVersion: 1, profiles: [profile] }),
    ])
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('profile "roster" is already defined by plugin "batchops"')
  })

  it('"auto" cannot be a profile id', async () => {
    const profile: Profile = { id: "auto", label: "Auto", required: [], keys: [] }
    const error = await registryError([definePlugin({ name: "acme", apiVersion: 1, profiles: [profile] })])
    expect(error.message).toContain('"auto" is reserved')
  })

  it("a duplicate plugin name fails naming the plugin", async () => {
    const error = await registryError([batchopsPlugin, definePlugin({ name: "batchops", apiVersion: 1 })])
    expect(error.plugin).toBe("batchops")
    expect(error.message).toContain('plugin "batchops"')
    expect(error.message).toContain("already registered")
  })

  it("a plugin without a usable name is refused", async () => {
    const error = await registryError([{ name: "has space", apiVersion: 1 }])
    expect(error.plugin).toBe("has space")
    expect(error.message).toContain("name")
  })

  it("a known error whose pattern does not compile is refused", async () => {
    const error = await registryError([
      definePlugin({
        name: "acme",
        apiVersion: 1,
        knownErrors: [{ name: "broken", pattern: "([a-z", severity: "low", rootCause: "r", correctiveAction: "a" }],
      }),
    ])
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('known error "broken"')
    expect(error.message).toContain("does not compile")
  })

  it("a known error whose pattern the linear-time matching cannot run is refused, saying what to change", async () => {
    const error = await registryError([
      definePlugin({
        name: "acme",
        apiVersion: 1,
        knownErrors: [
          { name: "ahead", pattern: "disk(?= full)", severity: "low", rootCause: "r", correctiveAction: "a" },
        ],
      }),
    ])
    expect(error.plugin).toBe("acme")
    expect(error.message).toContain('known error "ahead": the pattern "disk(?= full)" uses a lookahead')
  })

  it("a duplicate known error name is refused", async () => {
    const error = await registryError([
      batchopsPlugin,
      definePlugin({
        name: "acme",
        apiVersion: 1,
        knownErrors: [{ name: "empty-file", pattern: "empty", severity: "low", rootCause: "r", correctiveAction: "a" }],
      }),
    ])
    expect(error.message).toContain('plugin "acme"')
    expect(error.message).toContain("empty-file")
  })

  it("a duplicate automation key is refused", async () => {
    const automation = {
      key: "backup",
      description: "nightly backup",
      params: Schema.Struct({}),
      run: () => Effect.succeed({}),
    }
    const error = await registryError([
      definePlugin({ name: "one", apiVersion: 1, automations: [automation] }),
      definePlugin({ name: "two", apiVersion: 1, automations: [automation] }),
    ])
    expect(error.plugin).toBe("two")
    expect(error.message).toContain('automation "backup" is already defined by plugin "one"')
  })

  it("later plugins' parsers are tried before earlier ones", async () => {
    const claiming = definePlugin({
      name: "claims",
      apiVersion: 1,
      parsers: [testLinesParser({ name: "claiming-lines" })],
    })
    const registry = await buildRegistry([claiming])
    expect(registry.parsers.map((p) => [p.name, p.plugin])).toEqual([
      ["claiming-lines", "claims"],
      ["test-json", "test-json"],
      ["test-lines", "test-lines"],
    ])
    const { result } = await run(GRADES, { registry })
    expect(step(result, "standardize_results").log.parser).toBe("claiming-lines")
  })
})

describe("plugins in the pipeline", () => {
  it("a stage after validate_results runs right after it and sees the validated rows", async () => {
    const order: Array<string> = []
    const spy = spyStage("check_ids", { after: "validate_results" }, order)
    const { result } = await run(GRADES, {
      plugins: [definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })],
    })
    expect(result.status).toBe("published")
    expect(order).toEqual(["check_ids"])
    expect(result.stages.map((s) => s.name)).toEqual([
      "standardize_results",
      "validate_results",
      "check_ids",
      "transform_gradebook",
      "generate_summary",
      "publish_results",
    ])
    const logged = step(result, "check_ids")
    expect(logged).toMatchObject({ plugin: "acme", status: "ok", log: { rowsIn: 5, rowsOut: 5, seen: 5 } })
    // it sees the standardized header and the validated rows: numbers already read, ids as text
    expect(spy.columns).toEqual(["student_id", "score"])
    expect(spy.rows().map((r) => r.cells)).toEqual([
      ["S1", 87],
      ["S2", 90],
      ["S3", 70],
      ["S4", 65],
      ["S5", 99],
    ])
    expect(spy.rows().map((r) => r.number)).toEqual([2, 3, 4, 5, 6])
  })

  it("a stage before publish_results sees coerced values", async () => {
    const spy = spyStage("pre_publish", { before: "publish_results" })
    const { result } = await run(GRADES, {
      plugins: [definePlugin({ name: "acme", apiVersion: 1, stages: [spy.stage] })],
      plan: { mode: "custom", config: { note: "check" } },
    })
    expect(result.stages.map((s) => s.name).slice(-2)).toEqual(["pre_publish", "publish_results"])
    expect(spy.rows().map((r) => r.cells[1])).toEqual([87, 90, 70, 65, 99])
  })

  it("a plugin's profile and plan can be used", async () => {
    const courses: Profile = {
      id: "courses",
      label: "Courses",
      required: [{ label: "course", anyOf: [["course"]] }],
      keys: ["course"],
      aliases: { course: ["subject"] },
    }
    const double = definePlan({
      id: "double",
      label: "Double",
      description: "double every number",
      output: "dataset",
      config: Schema.Struct({ factor: Schema.Number }),
      start: (config, context) =>
        Effect.sync(() => {
          context.log.factor = config.factor
          return {
            chunk: (rows) =>
              rows.map((row) => ({
                number: row.number,
                cells: row.cells.map((c) => (typeof c === "number" ? c * config.factor : c)),
              })),
          }
        }),
    })
    const outcome = await run(csv("Subject,Credits", "Maths,4", "Art,2"), {
      plugins: [definePlugin({ name: "acme", apiVersion: 1, profiles: [courses], plans: [double] })],
      profile: "courses",
      plan: { mode: "double", config: { factor: 3 } },
    })
    expect(outcome.result.status).toBe("published")
    expect(outcome.result.profile).toBe("courses")
    expect(step(outcome.result, "transform_gradebook").log).toMatchObject({ plan: "double", factor: 3 })
    expect(records(outcome)).toEqual([
      { course: "Maths", credits: 12 },
      { course: "Art", credits: 6 },
    ])
  })

  it("auto can pick a plugin's profile", async () => {
    const exams: Profile = {
      id: "exams",
      label: "Exams",
      required: [
        { label: "student_id", anyOf: [["student_id"]] },
        { label: "exam", anyOf: [["exam"]] },
        { label: "mark", anyOf: [["mark"]] },
        { label: "room", anyOf: [["room"]] },
      ],
      keys: ["student_id"],
    }
    const { result } = await run(csv("student_id,exam,mark,room", "S1,Maths,40,R1"), {
      plugins: [definePlugin({ name: "acme", apiVersion: 1, profiles: [exams] })],
      profile: "auto",
    })
    expect(result.profile).toBe("exams")
  })

  it.each([
    ["start", "throw"],
    ["start", "die"],
    ["chunk", "throw"],
    ["chunk", "die"],
    ["finish", "throw"],
  ] as const)("a stage whose %s fails unexpectedly (%s) becomes a failed stage, not a crash", async (where, how) => {
    const explode = (): never => {
      throw new Error("kaboom")
    }
    const fault = <A>(): Effect.Effect<A> => (how === "die" ? Effect.die(new Error("kaboom")) : Effect.sync(explode))
    const flaky = definePlugin({
      name: "flaky",
      apiVersion: 1,
      stages: [
        {
          name: "flaky_check",
          after: "validate_results",
          start: () =>
            where === "start"
              ? how === "throw"
                ? explode()
                : fault()
              : Effect.succeed({
                  chunk: (rows) => (where === "chunk" ? (how === "throw" ? explode() : fault()) : Effect.succeed(rows)),
                  finish: () => (where === "finish" ? explode() : Effect.succeed(undefined)),
                }),
        },
      ],
    })
    const { result, publisher } = await run(GRADES, { plugins: [flaky] })
    expect(result.status).toBe("failed")
    expect(result.reports).toBeNull()
    expect(result.incident).toMatchObject({
      stage: "flaky_check",
      plugin: "flaky",
      knownError: null,
      severity: "medium",
    })
    expect(result.incident?.error).toContain("kaboom")
    expect(result.incident?.error).toContain("flaky_check")
    expect(step(result, "flaky_check").status).toBe("failed")
    expect(step(result, "validate_results").status).toBe("ok")
    expect(step(result, "transform_gradebook").status).toBe("skipped")
    expect(step(result, "publish_results").status).toBe("skipped")
    if (where !== "start") expect(publisher.aborted).toBe(1)
  })

  it("a plugin stage's own failure names it in the incident and can match a plugin's known error", async () => {
    const strict = definePlugin({
      name: "strict",
      apiVersion: 1,
      knownErrors: [
        {
          name: "low-scores",
          stage: "score_floor",
          pattern: "below the floor",
          severity: "high",
          rootCause: "Scores under the school's floor.",
          correctiveAction: "Check the marking.",
        },
      ],
      stages: [
        {
          name: "score_floor",
          after: "transform_gradebook",
          start: (context, columns) =>
            Effect.succeed({
              chunk: (rows) => {
                const low = rows.find(
                  (r) => typeof r.cells[columns.indexOf("score")] === "number" && (r.cells[1] as number) < 68,
                )
                return low ? Effect.fail(context.fail(`row ${low.number} is below the floor`)) : Effect.succeed(rows)
              },
            }),
        },
      ],
    })
    const { result } = await run(GRADES, { plugins: [strict] })
    expect(result.incident).toMatchObject({
      stage: "score_floor",
      error: "row 5 is below the floor",
      severity: "high",
      knownError: "low-scores",
      plugin: "strict",
    })
  })
})

describe("registry values", () => {
  it("keeps the plugins it was given", async () => {
    const registry: Registry = await Effect.runPromise(createRegistry([batchopsPlugin, testParserPlugin]))
    expect(registry.plugins.map((p) => p.name)).toEqual(["batchops", "test-lines"])
  })
})
