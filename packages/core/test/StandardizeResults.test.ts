import { definePlugin, MAX_CELL_LENGTH, ParseError, pickProfile, type RawRecord } from "@batchops/core"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { spyStage } from "./fixtures/stages.js"
import { buildRegistry, csv, type RunOptions, run, step, table } from "./helpers.js"

/** Run a file and capture what standardize_results passes on. */
const standardize = async (input: string | Uint8Array, options: RunOptions = {}) => {
  const spy = spyStage("after_standardize", { after: "standardize_results" })
  const outcome = await run(input, {
    profile: "generic",
    ...options,
    plugins: [...(options.plugins ?? []), definePlugin({ name: "spy", apiVersion: 1, stages: [spy.stage] })],
  })
  const { result } = outcome
  return {
    result,
    log: step(result, "standardize_results").log,
    columns: spy.columns,
    rows: spy.rows().map((r) => [r.number, ...r.cells]),
    error: result.incident?.error ?? "",
  }
}

describe("header and rows", () => {
  it("skips leading blank rows: the first non-blank row is the header, row 1", async () => {
    const { result, log, columns, rows } = await standardize(
      csv("", ",,", "  ,\t", "Student ID,Score (%)", "S1,87", "S2,90"),
    )
    expect(result.status).toBe("published")
    expect(log.skippedLeadingRows).toBe(3)
    expect(columns).toEqual(["student_id", "score"])
    expect(log.header).toEqual(["Student ID", "Score (%)"])
    expect(rows).toEqual([
      [2, "S1", "87"],
      [3, "S2", "90"],
    ])
  })

  it("finds the header past several chunks of blank rows", async () => {
    const { columns, rows, log } = await standardize(csv("", "", "", "", ",", "id,score", "S1,1"))
    expect(log.skippedLeadingRows).toBe(5)
    expect(columns).toEqual(["student_id", "score"])
    expect(rows).toEqual([[2, "S1", "1"]])
  })

  it("drops entirely empty rows but still counts them in row numbers", async () => {
    const { rows, log } = await standardize(csv("student_id,score", "S1,80", "", " , ", "S2,70", ",,,", "S3,60"))
    expect(rows).toEqual([
      [2, "S1", "80"],
      [5, "S2", "70"],
      [7, "S3", "60"],
    ])
    expect(log).toMatchObject({ rows: 3, droppedEmptyRows: 3, rowsOut: 3 })
  })

  it("row numbers count records, not lines: a cell may hold line breaks", async () => {
    const { rows } = await standardize(
      table([null, ""], ["student_id", "comment"], ["S1", "first line\nsecond line"], ["", null], ["S2", "ok"]),
    )
    expect(rows).toEqual([
      [2, "S1", "first line second line"],
      [4, "S2", "ok"],
    ])
  })

  it("trims cells, collapses inner whitespace, and makes empty cells missing", async () => {
    const { rows } = await standardize(csv("student_id,name,score", "  S1 ,  Ada    Lovelace  ,", "S2,\tBen\t\tOk ,  "))
    expect(rows).toEqual([
      [2, "S1", "Ada Lovelace", undefined],
      [3, "S2", "Ben Ok", undefined],
    ])
  })

  it("normalizes the header: names, repeats and empty names", async () => {
    const { columns } = await standardize(csv("Student ID,Score (%),score,,Term 2 Mark", "S1,1,2,3,4"))
    expect(columns).toEqual(["student_id", "score", "score_2", "column_4", "term_2_mark"])
  })

  it("ignores trailing empty header cells and empty trailing cells", async () => {
    const { result, columns, rows } = await standardize(csv("student_id,score,,", "S1,80,,", "S2,70,"))
    expect(result.status).toBe("published")
    expect(columns).toEqual(["student_id", "score"])
    expect(rows).toEqual([
      [2, "S1", "80"],
      [3, "S2", "70"],
    ])
  })

  it("a short row is kept with missing cells and a warning", async () => {
    const { result, rows } = await standardize(csv("student_id,name,score", "S1,Ada,80", "S2"))
    expect(rows).toEqual([
      [2, "S1", "Ada", "80"],
      [3, "S2", undefined, undefined],
    ])
    expect(result.problems).toContainEqual(
      expect.objectContaining({ row: 3, rule: "short_row", stage: "standardize_results" }),
    )
  })
})

describe("aliases", () => {
  it.each([
    ["Roll No", "roll_no"],
    ["StudentID", "studentid"],
    ["Student No.", "student_no"],
    ["Student Number", "student_number"],
    ["Admission No", "admission_no"],
    ["ID", "id"],
  ])("%j becomes student_id in every profile", async (header, alias) => {
    for (const profile of ["gradebook", "generic"]) {
      const { columns, log } = await standardize(csv(`${header},score`, "S1,80"), { profile })
      expect(columns).toEqual(["student_id", "score"])
      expect(log.aliases).toEqual({ [alias]: "student_id" })
    }
  })

  it("an alias is not renamed when student_id already exists", async () => {
    const { columns, log } = await standardize(csv("roll_no,student_id,score", "7,S1,80"))
    expect(columns).toEqual(["roll_no", "student_id", "score"])
    expect(log.aliases).toBeUndefined()
  })

  it("a profile's own aliases apply", async () => {
    const clubs = { id: "clubs", label: "Clubs", required: [], keys: [], aliases: { club: ["society", "team"] } }
    const { columns } = await standardize(csv("Student ID,Society", "S1,Chess"), {
      profile: "clubs",
      plugins: [definePlugin({ name: "clubs", apiVersion: 1, profiles: [clubs] })],
    })
    expect(columns).toEqual(["student_id", "club"])
  })
})

describe("auto profile", () => {
  it.each([
    [["student_id", "date", "status"], "attendance"],
    [["Roll No", "Date", "Status", "Remarks"], "attendance"],
    [["student_id", "first_name", "last_name", "class"], "roster"],
    [["student_id", "name", "grade"], "roster"],
    [["student_id", "score"], "gradebook"],
    // ties between attendance and roster go to attendance (registration order)
    [["student_id", "name", "grade", "date", "status"], "attendance"],
    [["name", "score"], "generic"],
    [["first_name", "class", "date"], "generic"],
  ])("%j -> %s", async (header, expected) => {
    const registry = await buildRegistry()
    expect(
      pickProfile(
        registry,
        header.map((h) => h.toLowerCase().replace(/ /g, "_")),
      )?.id,
    ).toBe(expected)
  })

  it("the pipeline resolves auto from the header", async () => {
    const attendance = await run(csv("Student ID,Date,Status", "S1,2024-09-02,P", "S2,2024-09-02,A"), {
      profile: "auto",
    })
    expect(attendance.result.profile).toBe("attendance")
    expect(step(attendance.result, "standardize_results").log.profile).toBe("attendance")
    const roster = await run(csv("Roll No,First Name,Last Name,Class", "S1,Ada,L,7A"), { profile: "auto" })
    expect(roster.result.profile).toBe("roster")
    const gradebook = await run(csv("Student ID,Score", "S1,80"), { profile: "auto" })
    expect(gradebook.result.profile).toBe("gradebook")
    const generic = await run(csv("Subject,Teacher", "Maths,Ms Roe"), { profile: "auto" })
    expect(generic.result.status).toBe("published")
    expect(generic.result.profile).toBe("generic")
  })
})

describe("failures", () => {
  it("an empty file fails", async () => {
    const { result, error } = await standardize(new Uint8Array(0))
    expect(result.status).toBe("failed")
    expect(error).toBe("gradebook.csv: the file is empty (0 bytes)")
    expect(result.incident).toMatchObject({ stage: "standardize_results", knownError: "empty-file" })
  })

  it("a file of blank rows fails", async () => {
    const { result, error } = await standardize(csv("", " , ", ""))
    expect(error).toContain("every row is blank")
    expect(result.incident?.knownError).toBe("empty-file")
  })

  it("a header with no data rows fails with 'no data rows'", async () => {
    const { result, error } = await standardize(csv("student_id,score"))
    expect(result.stages.map((s) => s.status)).toEqual([
      "failed",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
    ])
    expect(error).toContain("no data rows")
    expect(result.incident?.knownError).toBe("header-only")
  })

  it("a header followed by blank rows only fails with 'no data rows'", async () => {
    const { error } = await standardize(csv("student_id,score", ",", "", " ,  "))
    expect(error).toContain("no data rows")
  })

  it("rows with more non-empty cells than the header fail, listing the rows", async () => {
    const { result, error } = await standardize(
      csv("student_id,name,score", "S1,Ada,80", "S2,Lovelace, Ada,70", "S3,Ben,60", "S4,Cy,50,extra"),
    )
    expect(result.status).toBe("failed")
    expect(error).toContain("2 rows have more cells than the header's 3 columns (row 3, 5)")
    expect(result.incident?.knownError).toBe("ragged-rows")
  })

  it("a cell longer than a spreadsheet cell fails naming its row and column", async () => {
    const long = "x".repeat(MAX_CELL_LENGTH + 1)
    const { result, error } = await standardize(csv("student_id,comment", "S1,fine", `S2,${long}`))
    expect(result.status).toBe("failed")
    expect(error).toContain("row 3, column comment")
    expect(error).toContain("32,768 characters")
    expect(error).toContain("32,767")
    expect(result.incident).toMatchObject({ stage: "standardize_results", knownError: "oversized-cell" })
  })

  it("a cell of exactly the limit is accepted", async () => {
    const { result } = await standardize(csv("student_id,comment", `S1,${"x".repeat(MAX_CELL_LENGTH)}`))
    expect(result.status).toBe("published")
  })

  it("bytes no parser recognizes fail naming the installed parsers", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0])
    const { result, error } = await standardize(png)
    expect(error).toContain("not a format BatchOps reads")
    expect(error).toContain("PNG image")
    expect(error).toContain("test-lines")
    expect(result.incident?.knownError).toBe("unsupported-format")
  })

  it("a parser's failure fails the stage with its message", async () => {
    const damaged = definePlugin({
      name: "damaged",
      apiVersion: 1,
      parsers: [
        {
          name: "damaged",
          detect: () => true,
          parse: () => Effect.fail(new ParseError({ message: "the workbook is damaged", parser: "damaged" })),
        },
      ],
    })
    const { result, error } = await standardize(csv("student_id,score", "S1,1"), { plugins: [damaged] })
    expect(error).toBe("gradebook.csv: the workbook is damaged")
    expect(result.incident).toMatchObject({
      stage: "standardize_results",
      knownError: "damaged-file",
      severity: "high",
    })
  })

  it("a parser's failure part way through the records fails the stage", async () => {
    const truncated = definePlugin({
      name: "truncated",
      apiVersion: 1,
      parsers: [
        {
          name: "truncated",
          detect: () => true,
          parse: () =>
            Effect.succeed({
              format: "csv",
              details: {},
              records: Stream.concat(
                Stream.succeed<ReadonlyArray<RawRecord>>([
                  ["student_id", "score"],
                  ["S1", "1"],
                ]),
                Stream.fail(new ParseError({ message: "the file is truncated at byte 90" })),
              ),
            }),
        },
      ],
    })
    const { result, error } = await standardize(csv("x"), { plugins: [truncated] })
    expect(result.status).toBe("failed")
    expect(error).toBe("gradebook.csv: the file is truncated at byte 90")
    expect(result.incident?.knownError).toBe("damaged-file")
  })
})
