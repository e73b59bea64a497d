import { readFileSync } from "node:fs"
import { checkPlugin, expectStep, runPlugin } from "@batchops/core/testing"
import { CHECK_STAGE, powerSchoolKnownErrors, powerSchoolPlugin } from "@batchops/example-sis-known-errors"
import { parsersPlugin } from "@batchops/parsers"
import { describe, expect, it } from "vitest"

/** One of the sample exports in data/, as an upload. */
const exported = (name: string) => ({
  name,
  bytes: new Uint8Array(readFileSync(new URL(`../data/${name}`, import.meta.url))),
})

/** The real parsers (PowerSchool writes tab-delimited text), then the pack. */
const plugins = [parsersPlugin, powerSchoolPlugin]
const known = (name: string) => powerSchoolKnownErrors.find((error) => error.name === name)!

describe("the PowerSchool known-error pack", () => {
  it("registers, with its check right after standardize_results", async () => {
    const registry = await checkPlugin(plugins)
    const names = registry.stages.map((stage) => stage.name)
    expect(names.slice(0, 3)).toEqual(["standardize_results", CHECK_STAGE, "validate_results"])
    expect(registry.knownErrors.filter((error) => error.plugin === "powerschool")).toHaveLength(3)
  })

  it("publishes a good stored-grades export, reading its headers and -- as no grade", async () => {
    const run = await runPlugin(plugins, exported("stored-grades.txt"), { profile: "powerschool" })
    expect(run.result.status).toBe("published")
    expect(run.result.format).toBe("csv")
    expectStep(run, "standardize_results", {
      log: { delimiter: "\t", aliases: { student_number: "student_id", lastfirst: "last_first" } },
    })
    expectStep(run, CHECK_STAGE, { status: "ok", log: { noGradeMarks: 4 } })
    // "--" is no grade, not a score that is not a number
    expect(run.result.problems.filter((problem) => problem.rule === "not_a_number")).toEqual([])
    expect(run.result.summary?.numeric.map((stats) => [stats.column, stats.count, stats.missing])).toEqual([
      ["grade_level", 11, 0],
      ["percent", 9, 2],
    ])
    // a graduated student (grade level 99) is a warning, not a failure
    expect(run.result.problems).toEqual([
      expect.objectContaining({ row: 12, column: "grade_level", value: "99", rule: "not_enrolled_grade_level" }),
    ])
  })

  it.each([
    [
      "no-column-titles.txt",
      "powerschool-no-column-titles",
      /^the first row holds a student's data, not column titles/,
    ],
    ["internal-id.txt", "powerschool-internal-id", /^the export has "dcid", an internal record number of PowerSchool/],
    [
      "excel-resaved.csv",
      "powerschool-excel-resaved",
      /^10 Student_Number values are in scientific notation \(row 2: "1\.00235E\+11"; row 3: /,
    ],
  ])("%s fails, and the incident carries the pack's diagnosis (%s)", async (file, name, message) => {
    const run = await runPlugin(plugins, exported(file), { profile: "powerschool" })
    expect(run.result.status).toBe("failed")
    expect(run.result.incident).toMatchObject({
      stage: CHECK_STAGE,
      plugin: "powerschool",
      knownError: name,
      severity: known(name).severity,
      rootCause: known(name).rootCause,
      correctiveAction: known(name).correctiveAction,
    })
    expect(run.result.incident?.error).toMatch(message)
    // nothing was published
    expect(run.result.reports).toBeNull()
  })

  it("leaves BatchOps' own diagnosis of other failures alone", async () => {
    const header = "Student_Number\tLastFirst\tGrade_Level\tPercent\r\n"
    const run = await runPlugin(
      plugins,
      { name: "empty.txt", bytes: new TextEncoder().encode(header) },
      {
        profile: "powerschool",
      },
    )
    expect(run.result.incident).toMatchObject({ stage: "standardize_results", knownError: "header-only" })
  })

  it("does nothing to files of other profiles", async () => {
    const run = await runPlugin(plugins, exported("stored-grades.txt"), { profile: "gradebook" })
    expectStep(run, CHECK_STAGE, { status: "ok", log: { skipped: "the profile is not powerschool" } })
  })
})
