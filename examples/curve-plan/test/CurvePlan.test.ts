import { gradebookSample, publishedRecords, runPlan, sampleFile } from "@batchops/core/testing"
import { curvePlugin, OUT_OF_RANGE, squareRootCurve } from "@batchops/example-curve-plan"
import { describe, expect, it } from "vitest"

const curve = { plugin: curvePlugin, plan: "curve" }

const quiz = sampleFile(
  "quiz.csv",
  "student_id,name,quiz,homework",
  "S1,Ada,0,10",
  "S2,Ben,36,20",
  "S3,Cleo,49,30",
  "S4,Dev,64,40",
  "S5,Eli,81,50",
  "S6,Fay,100,60",
  "S7,Gus,50,70",
  "S8,Hal,,80",
)

const column = (rows: ReadonlyArray<Readonly<Record<string, unknown>>>, name: string) => rows.map((row) => row[name])

describe("the curve plan", () => {
  it("curves the named columns with max × √(score / max) and publishes the rows", async () => {
    const outcome = await runPlan(curve, { columns: ["Quiz"] }, quiz)
    expect(outcome.status).toBe("ok")
    expect(outcome.result.status).toBe("published")
    const rows = publishedRecords(outcome.publication!)
    expect(column(rows, "quiz")).toEqual([0, 60, 70, 80, 90, 100, 70.7, undefined])
    // a column not named is left alone
    expect(column(rows, "homework")).toEqual([10, 20, 30, 40, 50, 60, 70, 80])
    expect(outcome.log).toMatchObject({ plan: "curve", curve: { rule: "square root", max: 100, curved: { quiz: 7 } } })
  })

  it("takes another full mark and number of decimals", async () => {
    const outcome = await runPlan(curve, { columns: ["homework"], max: 80, decimals: 0 }, quiz)
    const rows = publishedRecords(outcome.publication!)
    // 80 × √(10/80) = 28.28..., 80 × √(20/80) = 40, 80 × √(45/80)...
    expect(column(rows, "homework")).toEqual([28, 40, 49, 57, 63, 69, 75, 80])
  })

  it("keeps every curved score within 0..max, warning about scores outside it", async () => {
    const file = sampleFile("odd.csv", "student_id,quiz", "S1,120", "S2,-5", "S3,25")
    const outcome = await runPlan(curve, { columns: ["quiz"] }, file)
    expect(column(publishedRecords(outcome.publication!), "quiz")).toEqual([100, 0, 50])
    expect(outcome.problems).toEqual([
      expect.objectContaining({ row: 2, column: "quiz", value: "120", rule: OUT_OF_RANGE }),
      expect.objectContaining({ row: 3, column: "quiz", value: "-5", rule: OUT_OF_RANGE }),
    ])
    expect(outcome.log).toMatchObject({ curve: { outOfRange: 2 } })
  })

  it("curves every score of the sample gradebook into 0..100, and never lowers one", async () => {
    const outcome = await runPlan(curve, { columns: ["math", "english", "science"] }, gradebookSample)
    const after = publishedRecords(outcome.publication!)
    expect(after).toHaveLength(10)
    for (const name of ["math", "english", "science"]) {
      for (const value of column(after, name)) {
        if (value === undefined) continue
        expect(value).toBeGreaterThanOrEqual(0)
        expect(value).toBeLessThanOrEqual(100)
      }
    }
    // Chloé's 62.8 in math becomes 79.2 (10 × √62.8 = 79.24...)
    expect(after[0]).toMatchObject({ student_id: "STU-2024-0001", math: 79.2, english: 84.5, science: 93 })
    expect(squareRootCurve(62.8, 100, 1)).toBeGreaterThan(62.8)
  })

  it.each([
    [{}, /^invalid curve plan: process_config\.columns: /],
    [{ columns: [] }, /^invalid curve plan: process_config\.columns: /],
    [{ columns: ["math"], max: 0 }, /^invalid curve plan: process_config\.max: /],
    [{ columns: ["math"], decimals: 1.5 }, /^invalid curve plan: process_config\.decimals: /],
    [{ columns: ["math"], target: 80 }, /^invalid curve plan: process_config\.target: /],
  ])("refuses the config %j, naming the field", async (config, message) => {
    const outcome = await runPlan(curve, config, gradebookSample)
    expect(outcome.status).toBe("failed")
    expect(outcome.error).toMatch(message)
    expect(outcome.result.incident?.knownError).toBe("invalid-plan")
  })

  it("fails naming the config entry when a column is not in the file, or holds identifiers", async () => {
    const missing = await runPlan(curve, { columns: ["math", "Physics"] }, gradebookSample)
    expect(missing.error).toMatch(/^process_config\.columns\[1\]: "Physics" is not a column of this file \(columns: /)
    expect(missing.result.incident?.knownError).toBe("invalid-plan")
    const ids = await runPlan(curve, { columns: ["Student ID"] }, gradebookSample)
    expect(ids.error).toBe('process_config.columns[0]: "Student ID" holds identifiers, not scores')
  })
})
