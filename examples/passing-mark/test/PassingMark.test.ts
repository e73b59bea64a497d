import { checkPlugin, expectStep, gradebookSample, runStage, sampleFile } from "@batchops/core/testing"
import { BELOW_PASSING_MARK, passingMarkPlugin, passingMarkStage } from "@batchops/example-passing-mark"
import { describe, expect, it } from "vitest"

describe("the passing-mark stage", () => {
  it("runs right after validate_results", async () => {
    const registry = await checkPlugin(passingMarkPlugin())
    const names = registry.stages.map((stage) => stage.name)
    expect(names.indexOf("flag_below_passing_mark")).toBe(names.indexOf("validate_results") + 1)
  })

  it("warns about each score below the default mark of 60, naming the student and the subject", async () => {
    const outcome = await runStage(passingMarkStage(), gradebookSample)
    expect(outcome.status).toBe("ok")
    expect(outcome.problems).toEqual([
      expect.objectContaining({
        row: 8,
        column: "math",
        value: "52",
        rule: BELOW_PASSING_MARK,
        message: "STU-2024-0007 scored 52 in math, below the passing mark of 60",
        plugin: "stage-under-test",
      }),
    ])
    // attendance is not a subject, and the missing and N/A math scores are not scores
    expect(outcome.log).toMatchObject({
      passingMark: 60,
      belowPassingMark: { math: 1, english: 0, science: 0 },
      studentsBelow: 1,
    })
    expect(outcome.log.belowPassingMark).not.toHaveProperty("attendance")
    // the rows pass on unchanged, and the run still publishes
    expect(outcome.rows).toHaveLength(10)
    expect(outcome.result.status).toBe("published")
  })

  it("takes the mark from its options and counts students once however many subjects they fail", async () => {
    const outcome = await runStage(passingMarkStage({ mark: 70 }), gradebookSample)
    expect(outcome.log).toMatchObject({ belowPassingMark: { math: 4, english: 2, science: 3 }, studentsBelow: 6 })
    const failing = outcome.problems.filter((problem) => problem.row === 8).map((problem) => problem.column)
    expect(failing).toEqual(["math", "english", "science"])
  })

  it("checks only the subjects it is given, named as the file names them", async () => {
    const run = await runStage(
      { plugin: passingMarkPlugin({ mark: 70, subjects: ["Science"] }), stage: "flag_below_passing_mark" },
      gradebookSample,
    )
    expectStep(run, "flag_below_passing_mark", { status: "ok", log: { belowPassingMark: { science: 3 } } })
    expect(run.problems.map((problem) => problem.column)).toEqual(["science", "science", "science"])
    expect(run.problems.every((problem) => problem.plugin === "passing-mark")).toBe(true)
  })

  it("fails the run, naming the column, when a subject it is given is not in the file", async () => {
    const outcome = await runStage(passingMarkStage({ subjects: ["Physics"] }), gradebookSample)
    expect(outcome.status).toBe("failed")
    expect(outcome.error).toMatch(/^no column "physics" in this file \(columns: student_id, first_name/)
    expect(outcome.result.incident?.stage).toBe("flag_below_passing_mark")
  })

  it("refuses a mark that is not a number of 0 or more", () => {
    expect(() => passingMarkStage({ mark: -5 })).toThrow("the passing mark must be a number of 0 or more, not -5")
    expect(() => passingMarkStage({ mark: Number.NaN })).toThrow(RangeError)
  })

  it("works on any profile with numbers: a file without a student id names the row instead", async () => {
    const file = sampleFile("quiz.csv", "team,quiz1,quiz2", "red,55,80", "blue,90,40")
    const outcome = await runStage(passingMarkStage(), file, { profile: "generic" })
    expect(outcome.problems.map((problem) => problem.message)).toEqual([
      "row 2 scored 55 in quiz1, below the passing mark of 60",
      "row 3 scored 40 in quiz2, below the passing mark of 60",
    ])
  })
})
