import { definePlugin, type Row } from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { curvePlan } from "./fixtures/plans.js"
import { csv, type RunOptions, records, run, step, table } from "./helpers.js"

const GRADES = csv("Student ID,Name,Score (%)", "S1,Ada,87%", "S2,Ben,90", "S3,Cy,70", "S4,Di,N/A")

const plan = (mode: string, config?: unknown): RunOptions => ({ plan: { mode, config } })

describe("coercion", () => {
  it("publishes coerced values: numbers without % or separators, missing as missing", async () => {
    const outcome = await run(
      table(
        ["student_id", "score", "fee", "comment", "rank"],
        ["00123", "87%", "1,234.50", "N/A", "-"],
        ["S2", " 87 ", "1,234.5", "good", "null"],
        ["S3", "12,34", "0x1F", "n/a", "NA"],
      ),
      { profile: "generic", ...plan("custom", { note: "n" }) },
    )
    expect(outcome.result.status).toBe("published")
    expect(records(outcome)).toEqual([
      { student_id: "00123", score: 87, fee: 1234.5, comment: undefined, rank: undefined },
      { student_id: "S2", score: 87, fee: 1234.5, comment: "good", rank: undefined },
      { student_id: "S3", score: "12,34", fee: "0x1F", comment: undefined, rank: undefined },
    ])
  })

  it("identifier columns keep their text", async () => {
    const outcome = await run(
      csv("student_id,roll_no,exam_code,score", "007,0042,1e3,50"),
      plan("custom", { note: "n" }),
    )
    expect(records(outcome)).toEqual([{ student_id: "007", roll_no: "0042", exam_code: "1e3", score: 50 }])
  })

  it("attendance codes P/A/L/E are written out", async () => {
    const outcome = await run(
      csv(
        "student_id,date,status",
        "S1,2024-09-02,P",
        "S2,2024-09-02,A",
        "S3,2024-09-02,l",
        "S4,2024-09-02,E",
        "S5,2024-09-02,Late",
        "S6,2024-09-02,N/A",
        "S7,2024-09-02,?",
      ),
      { profile: "attendance", plan: { mode: "custom", config: { note: "n" } } },
    )
    expect(records(outcome).map((r) => r.status)).toEqual([
      "present",
      "absent",
      "late",
      "excused",
      "late",
      undefined,
      "?",
    ])
  })
})

describe("transform plan", () => {
  it("publishes the summary and leaves the rows alone", async () => {
    for (const config of [undefined, null, {}]) {
      const { result, publisher } = await run(GRADES, plan("transform", config))
      expect(result.status).toBe("published")
      expect(publisher.requests[0]?.output).toBe("summary")
      expect(result.rows).toBe(4)
      expect(result.columns).toEqual(["student_id", "name", "score"])
      expect(step(result, "transform_gradebook").log).toMatchObject({ plan: "transform", rows: 4 })
    }
  })

  it("a stray config fails clearly", async () => {
    const { result } = await run(GRADES, plan("transform", { records: [{ score: 1 }] }))
    expect(result.status).toBe("failed")
    expect(result.incident).toMatchObject({ stage: "transform_gradebook", knownError: "invalid-plan" })
    expect(result.incident?.error).toBe(
      "invalid transform plan: process_config.records: the transform plan takes no configuration",
    )
  })

  it.each([5, "x", [1], true])("a config %j that is not an object fails", async (config) => {
    const { result } = await run(GRADES, plan("transform", config))
    expect(result.incident?.error).toBe(
      "invalid transform plan: process_config: the transform plan takes no configuration (give none, null or {})",
    )
  })
})

describe("append plan", () => {
  it("adds the records after the rows, keys normalized, absent keys missing", async () => {
    const outcome = await run(
      GRADES,
      plan("append", {
        records: [
          { "Student ID": "S5", "Score (%)": "88%" },
          { student_id: "S6", NAME: "Flo", score: 75 },
        ],
      }),
    )
    expect(outcome.result.status).toBe("published")
    expect(outcome.publisher.requests[0]?.output).toBe("dataset")
    expect(records(outcome).slice(-3)).toEqual([
      { student_id: "S4", name: "Di", score: undefined },
      { student_id: "S5", name: undefined, score: 88 },
      { student_id: "S6", name: "Flo", score: 75 },
    ])
    expect(outcome.published.map((r) => r.number)).toEqual([2, 3, 4, 5, 6, 7])
    expect(outcome.result.rows).toBe(6)
    expect(step(outcome.result, "transform_gradebook").log).toMatchObject({ appended: 2, rows: 6 })
  })

  it("appended values are coerced like the file's: trimmed, missing tokens, identifiers as text", async () => {
    const outcome = await run(
      GRADES,
      plan("append", {
        records: [
          { student_id: " 0042 ", name: "  Gus   Ho ", score: " N/A " },
          { student_id: 43, score: null },
        ],
      }),
    )
    expect(records(outcome).slice(-2)).toEqual([
      { student_id: "0042", name: "Gus Ho", score: undefined },
      { student_id: "43", name: undefined, score: undefined },
    ])
  })

  it("appended attendance codes are written out", async () => {
    const outcome = await run(csv("student_id,date,status", "S1,2024-09-02,P"), {
      profile: "attendance",
      plan: { mode: "append", config: { records: [{ student_id: "S2", date: "2024-09-02", status: "a" }] } },
    })
    expect(records(outcome).map((r) => r.status)).toEqual(["present", "absent"])
  })

  it("a key may name a column by an alias the header was mapped from", async () => {
    const outcome = await run(
      csv("Roll No,Score", "S1,80"),
      plan("append", { records: [{ "Roll No": "S2", score: 70 }] }),
    )
    expect(outcome.result.status).toBe("published")
    expect(records(outcome)).toEqual([
      { student_id: "S1", score: 80 },
      { student_id: "S2", score: 70 },
    ])
  })

  it("a key that is not a column fails naming the record", async () => {
    const { result } = await run(
      GRADES,
      plan("append", { records: [{ student_id: "S5" }, { student_id: "S6", grade: 7 }] }),
    )
    expect(result.status).toBe("failed")
    expect(result.incident).toMatchObject({ stage: "transform_gradebook", knownError: "invalid-plan", severity: "low" })
    expect(result.incident?.error).toBe(
      'process_config.records[1]: "grade" is not a column of this file (columns: student_id, name, score)',
    )
  })

  it.each([
    [undefined, "process_config"],
    [{}, "process_config.records"],
    [{ records: [] }, "process_config.records"],
    [{ records: "S5,88" }, "process_config.records"],
    [{ records: [["S5", 88]] }, "process_config.records[0]"],
    [{ records: [{ score: { value: 1 } }] }, "process_config.records[0].score"],
    [{ records: [{ score: 1 }], extra: true }, "process_config.extra"],
  ])("an invalid config %j fails naming %s", async (config, field) => {
    const { result } = await run(GRADES, plan("append", config))
    expect(result.status).toBe("failed")
    expect(result.incident?.stage).toBe("transform_gradebook")
    expect(result.incident?.error).toMatch(/^invalid append plan: /)
    expect(result.incident?.error).toContain(`${field}`)
    expect(result.incident?.knownError).toBe("invalid-plan")
  })

  it("the summary is of the resulting dataset", async () => {
    const { result } = await run(
      GRADES,
      plan("append", { records: [{ student_id: "S5", score: 53 }, { student_id: "S6" }] }),
    )
    expect(result.summary).toMatchObject({ rows: 6, columns: 3 })
    expect(result.summary?.numeric).toEqual([
      expect.objectContaining({ column: "score", count: 4, missing: 2, min: 53, max: 90, mean: 75 }),
    ])
  })
})

describe("delete plan", () => {
  const SCORES = csv("student_id,name,score", "S1,Ada,87%", "S2,Ben,90", "S3, cy ,70", "S4,Di,87", "S5,Ed,N/A")

  it("removes rows any rule matches: trimmed, case-insensitive, after coercion", async () => {
    const outcome = await run(
      SCORES,
      plan("delete", {
        rules: [
          { column: "Score", value: "87" },
          { column: "NAME", value: "  CY " },
        ],
      }),
    )
    expect(outcome.result.status).toBe("published")
    expect(records(outcome).map((r) => r.student_id)).toEqual(["S2", "S5"])
    expect(outcome.result.rows).toBe(2)
    expect(step(outcome.result, "transform_gradebook").log).toMatchObject({ rules: 2, deleted: 3, rows: 2 })
  })

  it("a rule value written like the cell also matches", async () => {
    const pct = await run(SCORES, plan("delete", { rules: [{ column: "score", value: "87%" }] }))
    expect(records(pct).map((r) => r.student_id)).toEqual(["S2", "S3", "S5"])
    const num = await run(SCORES, plan("delete", { rules: [{ column: "score", value: 90 }] }))
    expect(records(num).map((r) => r.student_id)).toEqual(["S1", "S3", "S4", "S5"])
  })

  it("a coded value matches in either form (P and present)", async () => {
    const file = csv("student_id,date,status", "S1,2024-09-02,P", "S2,2024-09-02,A", "S3,2024-09-02,present")
    for (const value of ["p", "Present"]) {
      const outcome = await run(file, {
        profile: "attendance",
        plan: { mode: "delete", config: { rules: [{ column: "status", value }] } },
      })
      expect(records(outcome).map((r) => r.student_id)).toEqual(["S2"])
    }
  })

  it("a null value matches missing cells", async () => {
    const outcome = await run(SCORES, plan("delete", { rules: [{ column: "score", value: null }] }))
    expect(records(outcome).map((r) => r.student_id)).toEqual(["S1", "S2", "S3", "S4"])
  })

  it("a rule may name a column by an alias the header was mapped from", async () => {
    const outcome = await run(
      csv("Admission No,Score", "A1,80", "A2,70"),
      plan("delete", { rules: [{ column: "Admission No", value: "a1" }] }),
    )
    expect(outcome.result.status).toBe("published")
    expect(records(outcome)).toEqual([{ student_id: "A2", score: 70 }])
  })

  it("an unknown column fails naming the rule", async () => {
    const { result } = await run(
      SCORES,
      plan("delete", {
        rules: [
          { column: "score", value: "1" },
          { column: "grade", value: "7" },
        ],
      }),
    )
    expect(result.incident).toMatchObject({ stage: "transform_gradebook", knownError: "invalid-plan" })
    expect(result.incident?.error).toBe(
      'process_config.rules[1].column: "grade" is not a column of this file (columns: student_id, name, score)',
    )
  })

  it("rules that are not a list fail naming process_config.rules", async () => {
    const { result } = await run(SCORES, plan("delete", { rules: "score=87" }))
    expect(result.incident?.error).toBe("invalid delete plan: process_config.rules: expected array")
    expect(result.incident?.knownError).toBe("invalid-plan")
  })

  it.each([
    [{ rules: "score=87" }, "process_config.rules"],
    [{ rules: { column: "score", value: "87" } }, "process_config.rules"],
    [{ rules: [] }, "process_config.rules"],
    [{ rules: [{ value: "87" }] }, "process_config.rules[0].column"],
    [{ rules: [{ column: "", value: "87" }] }, "process_config.rules[0].column"],
    [{ rules: [{ column: "score", value: ["87"] }] }, "process_config.rules[0].value"],
    [{ column: "score", value: "87" }, "process_config"],
  ])("an invalid config %j fails naming %s", async (config, field) => {
    const { result } = await run(SCORES, plan("delete", config))
    expect(result.status).toBe("failed")
    expect(result.incident?.error).toMatch(/^invalid delete plan: /)
    expect(result.incident?.error).toContain(field)
  })

  it("the summary is of the remaining rows", async () => {
    const { result } = await run(SCORES, plan("delete", { rules: [{ column: "score", value: "87" }] }))
    expect(result.summary).toMatchObject({ rows: 3, columns: 3 })
    expect(result.summary?.numeric[0]).toMatchObject({
      column: "score",
      count: 2,
      missing: 1,
      min: 70,
      max: 90,
      mean: 80,
    })
  })
})

describe("custom plan", () => {
  it("records the note and publishes the rows unchanged", async () => {
    const outcome = await run(GRADES, plan("custom", { note: "Moderate S3's paper again" }))
    expect(outcome.result.status).toBe("published")
    expect(step(outcome.result, "transform_gradebook").log).toMatchObject({
      plan: "custom",
      note: "Moderate S3's paper again",
    })
    expect(outcome.publisher.finished[0]?.note).toBe("Moderate S3's paper again")
    expect(outcome.publisher.requests[0]?.output).toBe("dataset")
    expect(records(outcome)).toEqual([
      { student_id: "S1", name: "Ada", score: 87 },
      { student_id: "S2", name: "Ben", score: 90 },
      { student_id: "S3", name: "Cy", score: 70 },
      { student_id: "S4", name: "Di", score: undefined },
    ])
    expect(outcome.published.map((r) => r.number)).toEqual([2, 3, 4, 5])
  })

  it.each([
    [undefined, "process_config"],
    [{}, "process_config.note"],
    [{ note: "" }, "process_config.note"],
    [{ note: 5 }, "process_config.note"],
  ])("an invalid config %j fails naming %s", async (config, field) => {
    const { result } = await run(GRADES, plan("custom", config))
    expect(result.incident?.error).toMatch(/^invalid custom plan: /)
    expect(result.incident?.error).toContain(field)
  })
})

describe("a plugin's plan answers for its own failures", () => {
  /** a plan of the plugin "acme" that fails the way `how` says */
  const acme = (how: "fails" | "throws in start" | "throws in chunk" | "throws in finish" | "reports") =>
    definePlugin({
      name: "acme",
      apiVersion: 1,
      plans: [
        curvePlan((config, context) =>
          Effect.suspend(() => {
            if (how === "fails") return Effect.fail(context.fail(`cannot curve by ${config.points}`))
            if (how === "throws in start") throw new Error("start broke")
            return Effect.succeed({
              chunk: (rows: ReadonlyArray<Row>) => {
                if (how === "throws in chunk") throw new Error("chunk broke")
                if (how === "reports") context.report({ row: rows[0]?.number, message: "looked odd", rule: "odd" })
                return rows
              },
              finish: () => {
                if (how === "throws in finish") throw new TypeError("finish broke")
                return undefined
              },
            })
          }),
        ),
      ],
    })

  const curve = (how: Parameters<typeof acme>[0], config: unknown = { points: 5 }) =>
    run(GRADES, { plugins: [acme(how)], plan: { mode: "curve", config } })

  it.each([
    ["a bad config", "fails" as const, { points: "five" }, /^invalid curve plan: process_config\.points/],
    ["context.fail in start", "fails" as const, undefined, /^cannot curve by 5$/],
    ["a throw in start", "throws in start" as const, undefined, /^unexpected error in plan "curve": start broke$/],
    ["a throw in chunk", "throws in chunk" as const, undefined, /^unexpected error in plan "curve": chunk broke$/],
    ["a throw in finish", "throws in finish" as const, undefined, /^unexpected error in plan "curve": finish broke$/],
  ])("%s names the plan's plugin, in the plan's stage", async (_, how, config, message) => {
    const outcome = await curve(how, config)
    expect(outcome.result.status).toBe("failed")
    expect(outcome.result.incident).toMatchObject({ stage: "transform_gradebook", plugin: "acme" })
    expect(outcome.result.incident?.error).toMatch(message)
    expect(outcome.result.stages.find((s) => s.name === "transform_gradebook")).toMatchObject({
      status: "failed",
      plugin: "batchops",
    })
  })

  it("a problem the plan reports names its plugin", async () => {
    const outcome = await curve("reports")
    expect(outcome.result.status).toBe("published")
    expect(outcome.result.problems.find((p) => p.rule === "odd")).toMatchObject({
      stage: "transform_gradebook",
      plugin: "acme",
    })
  })

  it("a built-in plan's bad config still names batchops", async () => {
    const outcome = await run(GRADES, plan("delete", { rules: "all" }))
    expect(outcome.result.incident).toMatchObject({ stage: "transform_gradebook", plugin: "batchops" })
  })
})
