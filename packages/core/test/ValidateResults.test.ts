import { definePlugin, type Plugin, type Profile } from "@batchops/core"
import { describe, expect, it } from "vitest"
import { csv, run, step } from "./helpers.js"

const validate = async (text: string, profile = "gradebook", plugins: ReadonlyArray<Plugin> = []) => {
  const outcome = await run(text, { profile, plugins })
  const { result } = outcome
  return {
    result,
    status: step(result, "validate_results").status,
    log: step(result, "validate_results").log,
    error: result.incident?.error ?? "",
    problems: result.problems.filter((p) => p.stage === "validate_results"),
  }
}

describe("required columns", () => {
  it("a missing required column fails naming the column and the profile", async () => {
    const { status, error, result } = await validate(csv("student_id,date", "S1,2024-09-02"), "attendance")
    expect(status).toBe("failed")
    expect(error).toBe("missing required column for the attendance profile: status (columns found: student_id, date)")
    expect(result.incident).toMatchObject({ knownError: "missing-required-column", severity: "high" })
  })

  it("lists every missing requirement of a roster", async () => {
    const { error } = await validate(csv("student_id,first_name", "S1,Ada"), "roster")
    expect(error).toContain("missing required columns for the roster profile")
    expect(error).toContain("a name (name, or first_name and last_name)")
    expect(error).toContain("grade or class")
  })

  it("a gradebook without student_id fails", async () => {
    const { error } = await validate(csv("name,score", "Ada,80"))
    expect(error).toContain("missing required column for the gradebook profile: student_id")
  })

  it("generic requires nothing", async () => {
    const { status, log } = await validate(csv("anything", "at all"), "generic")
    expect(status).toBe("ok")
    expect(log.required).toEqual([])
  })
})

describe("key fields", () => {
  it("a missing student_id fails listing the row numbers", async () => {
    const { status, error, result } = await validate(
      csv("student_id,score", "S1,80", ",70", "S3,60", "", "N/A,50", "-,40"),
    )
    expect(status).toBe("failed")
    expect(error).toBe("student_id is missing in 3 rows (row 3, 6, 7)")
    expect(result.incident?.knownError).toBe("missing-student-id")
  })

  it("lists the first ten rows and counts the rest", async () => {
    const lines = Array.from({ length: 13 }, (_, i) => `,${i}`)
    const { error } = await validate(csv("student_id,score", "S1,1", ...lines))
    expect(error).toBe("student_id is missing in 13 rows (row 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 3 more)")
  })

  it("a malformed student_id fails naming the row and the value", async () => {
    const { error } = await validate(csv("student_id,score", "S1,80", "S 2,70", `${"x".repeat(65)},60`))
    expect(error).toContain("student_id is malformed in 2 rows")
    expect(error).toContain('row 3: "S 2"')
    expect(error).toContain("row 4:")
    expect(error).toContain("1 to 64 characters with no spaces")
  })

  it("repeated student ids are fine in a gradebook and in attendance", async () => {
    const gradebook = await validate(csv("student_id,score", "S1,80", "S1,70"))
    expect(gradebook.status).toBe("ok")
    expect(gradebook.problems).toEqual([])
    const attendance = await validate(csv("student_id,date,status", "S1,2024-09-02,P", "S1,2024-09-03,A"), "attendance")
    expect(attendance.status).toBe("ok")
    expect(attendance.problems).toEqual([])
  })

  it("repeated student ids in a roster are warnings", async () => {
    const { status, problems, log } = await validate(
      csv("student_id,name,class", "S1,Ada,7A", "S2,Ben,7A", "S1,Ada L,7B", "S1,Ada,7A"),
      "roster",
    )
    expect(status).toBe("ok")
    expect(problems.map((p) => [p.row, p.column, p.value, p.rule])).toEqual([
      [4, "student_id", "S1", "duplicate"],
      [5, "student_id", "S1", "duplicate"],
    ])
    expect(problems[0]?.message).toBe('row 4, student_id: "S1" repeats row 2')
    expect(log.warnings).toBe(2)
  })
})

describe("numeric columns", () => {
  it("text in a numeric column is a warning with its row number, and the stage passes", async () => {
    const { status, problems, result } = await validate(
      csv("student_id,score", "S1,80", "S2,sick", "S3,70%", "S4,12.5", "S5,N/A", "S6,90", "S7,55"),
    )
    expect(status).toBe("ok")
    expect(result.status).toBe("published")
    expect(problems).toEqual([
      expect.objectContaining({ row: 3, column: "score", value: "sick", rule: "not_a_number" }),
    ])
  })

  it("a column that is mostly text is not numeric and gives no warnings", async () => {
    const { problems, log } = await validate(csv("student_id,comment,score", "S1,good,80", "S2,7,70", "S3,poor,60"))
    expect(log.numericColumns).toEqual(["score"])
    expect(problems).toEqual([])
  })

  it("a gradebook with no numeric column fails", async () => {
    const { status, error, result } = await validate(csv("student_id,name", "S1,Ada", "S2,Ben"))
    expect(status).toBe("failed")
    expect(error).toContain("no numeric column")
    expect(error).toContain("columns: student_id, name")
    expect(result.incident).toMatchObject({ knownError: "no-numeric-column", severity: "medium" })
  })

  it("identifier columns are never numeric", async () => {
    const { status, log, error } = await validate(
      csv("student_id,roll_no,exam_code,id,admission_number,name", "1,2,3,4,5,Ada", "6,7,8,9,10,Ben"),
    )
    expect(log.numericColumns).toEqual([])
    expect(status).toBe("failed")
    expect(error).toContain("no numeric column")
  })

  it("identifier columns with text among numbers give no warnings", async () => {
    const { problems, log } = await validate(
      csv("student_id,course_code,score", "S1,101,80", "S2,102,70", "S3,103,60", "S4,104,65", "S5,CS-5,66"),
    )
    expect(log.numericColumns).toEqual(["score"])
    expect(problems).toEqual([])
  })
})

describe("coded values", () => {
  it("an unknown attendance status is a warning", async () => {
    const { status, problems } = await validate(
      csv("student_id,date,status", "S1,2024-09-02,P", "S2,2024-09-02,x", "S3,2024-09-02,late", "S4,2024-09-02,N/A"),
      "attendance",
    )
    expect(status).toBe("ok")
    expect(problems.map((p) => [p.row, p.column, p.value, p.rule])).toEqual([[3, "status", "x", "unknown_code"]])
  })

  it("a plugin profile's required columns and keys are checked", async () => {
    const exams: Profile = {
      id: "exams",
      label: "Exams",
      required: [{ label: "exam_ref", anyOf: [["exam_ref"]] }],
      keys: ["exam_ref"],
    }
    const { error, result } = await validate(csv("exam_ref,mark", "E1,40", ",50"), "exams", [
      definePlugin({ name: "exams", apiVersion: 1, profiles: [exams] }),
    ])
    expect(error).toBe("exam_ref is missing in 1 row (row 3)")
    expect(result.incident?.knownError).toBeNull()
  })
})
