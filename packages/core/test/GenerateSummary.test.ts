import { definePlugin, type Plugin, type Profile } from "@batchops/core"
import { describe, expect, it } from "vitest"
import { csv, run, step } from "./helpers.js"

const summarize = async (lines: ReadonlyArray<string>, profile = "generic", plugins: ReadonlyArray<Plugin> = []) => {
  const { result } = await run(csv(...lines), { profile, plugins })
  expect(result.status).toBe("published")
  return { summary: result.summary!, log: step(result, "generate_summary").log, result }
}

/** A column of values under the header `x` with a `student_id` beside it. */
const columnOf = (...values: ReadonlyArray<string>) => ["student_id,x", ...values.map((v, i) => `S${i},${v}`)]

describe("numeric columns", () => {
  it("a column is numeric when at least 80% of its present values are numbers", async () => {
    const { summary } = await summarize(columnOf("1", "2", "3", "4", "5", "6", "7", "8", "9", "ten"))
    expect(summary.numeric.map((c) => c.column)).toEqual(["x"])
  })

  it("exactly 80% counts", async () => {
    const { summary, result } = await summarize(columnOf("10", "20", "30", "40", "sick"))
    expect(summary.numeric).toEqual([
      expect.objectContaining({ column: "x", count: 4, missing: 1, min: 10, max: 40, mean: 25 }),
    ])
    // validate_results reports the text, and generate_summary counts it as missing
    expect(result.problems).toEqual([
      expect.objectContaining({ row: 6, column: "x", value: "sick", rule: "not_a_number" }),
    ])
  })

  it("below 80% does not count", async () => {
    const { summary, log } = await summarize(columnOf("10", "20", "30", "sick"))
    expect(summary.numeric).toEqual([])
    expect(log.numericColumns).toEqual([])
  })

  it("missing values are not present values, and count as missing", async () => {
    const { summary } = await summarize(columnOf("10", "", "N/A", "20", "-", "30", "40", "sick", "null"))
    expect(summary.numeric).toEqual([expect.objectContaining({ column: "x", count: 4, missing: 5 })])
  })

  it("a column with no values at all is not numeric", async () => {
    const { summary } = await summarize(["student_id,x,y", "S1,,1", "S2,N/A,2"])
    expect(summary.numeric.map((c) => c.column)).toEqual(["y"])
  })

  it("identifier columns and profile keys are never numeric", async () => {
    const refs: Profile = { id: "refs", label: "Refs", required: [], keys: ["ref"] }
    const { summary } = await summarize(
      ["ref,id,student_id,roll_no,course_code,admission_number,score", "1,2,3,4,5,6,7", "8,9,10,11,12,13,14"],
      "refs",
      [definePlugin({ name: "refs", apiVersion: 1, profiles: [refs] })],
    )
    expect(summary.numeric.map((c) => c.column)).toEqual(["score"])
  })
})

describe("the summary", () => {
  it("counts rows and columns and lists numeric columns in file order", async () => {
    const { summary, log } = await summarize(
      ["Student ID,Maths,Name,English,Science", "S1,50,Ada,60,70", "S2,55,Ben,65,75", "S3,,Cy,61,80"],
      "gradebook",
    )
    expect(summary.rows).toBe(3)
    expect(summary.columns).toBe(5)
    expect(summary.numeric.map((c) => c.column)).toEqual(["maths", "english", "science"])
    expect(log).toMatchObject({ rows: 3, columns: 5, numericColumns: ["maths", "english", "science"] })
    expect(summary.numeric[0]).toMatchObject({ count: 2, missing: 1, mean: 52.5, min: 50, max: 55 })
  })

  it("gives NumPy's statistics", async () => {
    const { summary } = await summarize(columnOf("15", "20%", "35", "40", "50"))
    const x = summary.numeric[0]!
    expect(x).toMatchObject({ count: 5, missing: 0, min: 15, p25: 20, median: 35, p75: 40, max: 50, mean: 32 })
    expect(x.std).toBeCloseTo(14.404860290887, 10)
  })

  it("a single value has no std", async () => {
    const { summary } = await summarize(columnOf("42"))
    expect(summary.numeric[0]).toMatchObject({ count: 1, mean: 42, median: 42 })
    expect(summary.numeric[0]?.std).toBeUndefined()
  })
})
