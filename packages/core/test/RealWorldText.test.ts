/**
 * The text rules for files as school systems export them: title rows above the header,
 * no-break and zero-width spaces, Unicode NFC, non-score marks in score columns, and decimal
 * commas in `;`-delimited files.
 */
import {
  cleanCell,
  coerceCell,
  DECIMAL_MARK_ROWS,
  decimalMarkOf,
  definePlugin,
  type FileParser,
  PLUGIN_API_VERSION,
  parseNumber,
  type RawRecord,
  runPipeline,
  sourceFromBytes,
} from "@batchops/core"
import { memoryCheckpoints } from "@batchops/core/testing"
import { Effect, Stream } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { spyStage } from "./fixtures/stages.js"
import { buildRegistry, csv, memoryPublisher, type RunOptions, run, step, TEST_CHUNK } from "./helpers.js"

/** Lines split on `;` (no quoting), reported as a `;`-delimited file, as the CSV parser reports one. */
const semicolonParser: FileParser = {
  name: "test-semicolon",
  detect: (head) => new TextDecoder().decode(head).split("\n")[0]!.includes(";"),
  parse: (source) =>
    Effect.map(source.bytes(), (bytes) => ({
      format: "csv",
      details: { delimiter: ";" },
      records: Stream.fromIterable(
        new TextDecoder()
          .decode(bytes)
          .replace(/\n$/, "")
          .split("\n")
          .map((line): RawRecord => line.split(";")),
      ).pipe(Stream.grouped(TEST_CHUNK)),
    })),
}
const semicolons = definePlugin({ name: "test-semicolon", apiVersion: PLUGIN_API_VERSION, parsers: [semicolonParser] })

/** Run a file and capture what standardize_results passes on. */
const standardize = async (text: string, options: RunOptions = {}) => {
  const spy = spyStage("after_standardize", { after: "standardize_results" })
  const outcome = await run(text, {
    profile: "generic",
    ...options,
    plugins: [
      semicolons,
      ...(options.plugins ?? []),
      definePlugin({ name: "spy", apiVersion: 1, stages: [spy.stage] }),
    ],
  })
  return {
    ...outcome,
    log: step(outcome.result, "standardize_results").log,
    columns: spy.columns,
    rows: spy.rows().map((r) => [r.number, ...r.cells]),
  }
}

describe("title rows", () => {
  it("rows of one cell above the header are skipped and counted; the header is the first row of two", async () => {
    const { result, log, columns, rows } = await standardize(
      csv(
        "Grade 10 - Term 1 results,,",
        "Exported 2024-09-02,,",
        ",,",
        "Student ID,Name,Score",
        "S1,Ann,87",
        "S2,Ben,90",
      ),
      { profile: "gradebook" },
    )
    expect(result.status).toBe("published")
    expect(log).toMatchObject({ titleRows: 2, skippedLeadingRows: 1, header: ["Student ID", "Name", "Score"] })
    expect(columns).toEqual(["student_id", "name", "score"])
    // the header is row 1, as in a file without titles
    expect(rows).toEqual([
      [2, "S1", "Ann", "87"],
      [3, "S2", "Ben", "90"],
    ])
  })

  it("a title whose other cells hold only spaces, no-break or zero-width spaces is one cell", async () => {
    const { log, columns } = await standardize(csv("Term 1, \u00a0 ,\u200b", "student_id,score,x", "S1,1,2"))
    expect(log.titleRows).toBe(1)
    expect(columns).toEqual(["student_id", "score", "x"])
  })

  it("many title rows, across many chunks, before the header", async () => {
    const titles = Array.from({ length: 25 }, (_, i) => `Note ${i + 1}: read the instructions`)
    const { log, rows } = await standardize(csv(...titles, "", "student_id,score", "S1,87"))
    expect(log).toMatchObject({ titleRows: 25, skippedLeadingRows: 1, header: ["student_id", "score"] })
    expect(rows).toEqual([[2, "S1", "87"]])
  })

  it("a one-column file: no row has two cells, so the header is the first non-blank row", async () => {
    const { result, log, columns, rows } = await standardize(csv("", "Names", "Ann", "", "Ben"))
    expect(result.status).toBe("published")
    expect(log).toMatchObject({ titleRows: 0, skippedLeadingRows: 1, header: ["Names"] })
    expect(columns).toEqual(["names"])
    expect(rows).toEqual([
      [2, "Ann"],
      [4, "Ben"],
    ])
  })

  it("a one-column file longer than the rows held while looking is read again, nothing lost", async () => {
    const names = Array.from({ length: 10_050 }, (_, i) => `Student ${i + 1}`)
    const { result, log, rows } = await standardize(csv("", "Names", ...names))
    expect(result.status).toBe("published")
    expect(log).toMatchObject({ titleRows: 0, skippedLeadingRows: 1, header: ["Names"], rows: 10_050 })
    expect(rows[0]).toEqual([2, "Student 1"])
    expect(rows.at(-1)).toEqual([10_051, "Student 10050"])
  })

  it("a header of two cells after more than ten thousand rows of one cell", async () => {
    const notes = Array.from({ length: 10_050 }, (_, i) => `note ${i + 1}`)
    const { log, columns, rows } = await standardize(csv(...notes, "student_id,score", "S1,87"))
    expect(log).toMatchObject({ titleRows: 10_050, header: ["student_id", "score"] })
    expect(columns).toEqual(["student_id", "score"])
    expect(rows).toEqual([[2, "S1", "87"]])
  })
})

describe("whitespace and Unicode", () => {
  it("no-break spaces are spaces, zero-width spaces and BOMs go, text is NFC: in headers and cells", async () => {
    const { columns, rows, log } = await standardize(
      csv(
        "Student\u200bID,\ufeffFull\u00a0Name,Score",
        "S\u200b1 ,Jose\u0301\u202fMari\u0301a,87\u2007",
        "S2,José María,9\ufeff0",
      ),
    )
    expect(log.header).toEqual(["StudentID", "Full Name", "Score"])
    expect(columns).toEqual(["student_id", "full_name", "score"])
    expect(rows).toEqual([
      [2, "S1", "José María", "87"],
      [3, "S2", "José María", "90"],
    ])
    expect((rows[0]![2] as string).length).toBe("José María".length)
  })

  it("a delete rule matches a name typed either way (e + accent, or é)", async () => {
    const text = csv("student_id,name,score", "S1,Jose\u0301,80", "S2,José,70", "S3,Ana,60")
    for (const value of ["José", "Jose\u0301", " jose\u0301\u00a0"]) {
      const { result, records } = await run(text, {
        plan: { mode: "delete", config: { rules: [{ column: "name", value }] } },
      })
      expect(result.status).toBe("published")
      expect(records.map((r) => r.student_id)).toEqual(["S3"])
    }
  })

  // A plain reference: what the rule says, in the most direct code.
  const reference = (text: string): string | undefined =>
    text
      .replace(/[\u200b\ufeff]/g, "")
      .normalize("NFC")
      .replace(/\s+/g, " ")
      .trim() || undefined

  it("cleanCell agrees with the rule's plain reading on any text (fixed seed)", () => {
    const unit = fc.constantFrom(
      "a",
      "e",
      "E",
      "7",
      " ",
      "\t",
      "\u00a0",
      "\u2007",
      "\u202f",
      "\u200b",
      "\ufeff",
      "\u0301",
      "\u0308",
      "\u0323",
      "é",
      "\u1e9b",
      "\u212b",
      "\u1100",
      "\u1161",
      "李",
      "ễ",
      "\u3000",
    )
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (text) => {
        const cleaned = cleanCell(text)
        expect(cleaned).toBe(reference(text))
        // cleaning twice changes nothing
        expect(cleanCell(cleaned)).toBe(cleaned)
      }),
      { seed: 15_2024, numRuns: 2000 },
    )
  })
})

describe("non-score marks", () => {
  const MARKS = ["ABS", "absent", "Ex", "EXC", "excused", "inc", "--", "–", "—", "#N/A", "#DIV/0!", "#VALUE!"]
  const MORE = ["#REF!", "#NAME?", "#NUM!", "#NULL!"]

  it("are missing in a score column: no warnings, and not counted against the 80% rule", async () => {
    const lines = ["student_id,score", ...[...MARKS, ...MORE].map((mark, i) => `M${i},${mark}`), "S1,80", "S2,90"]
    const { result } = await run(csv(...lines))
    expect(result.status).toBe("published")
    expect(result.problems).toEqual([])
    expect(result.summary?.numeric).toEqual([
      expect.objectContaining({ column: "score", count: 2, missing: MARKS.length + MORE.length, mean: 85 }),
    ])
    expect(step(result, "validate_results").log.numericColumns).toEqual(["score"])
  })

  it("are published as missing (empty) in a dataset, as N/A is", async () => {
    const { records } = await run(csv("student_id,score,comment", "S1,ABS,ok", "S2,87%,—", "S3,#DIV/0!,late"), {
      plan: { mode: "custom", config: { note: "keep" } },
    })
    expect(records).toEqual([
      { student_id: "S1", score: undefined, comment: "ok" },
      { student_id: "S2", score: 87, comment: undefined },
      { student_id: "S3", score: undefined, comment: "late" },
    ])
  })

  it("attendance status keeps its own codes and words", async () => {
    const { result, records } = await run(
      csv("student_id,date,status", "S1,2024-09-02,A", "S2,2024-09-02,absent", "S3,2024-09-02,EXCUSED"),
      { profile: "attendance", plan: { mode: "custom", config: { note: "keep" } } },
    )
    expect(result.problems).toEqual([])
    expect(records.map((r) => r.status)).toEqual(["absent", "absent", "excused"])
  })

  it("coerceCell: a mark is missing; text that only looks like one stays text", () => {
    for (const mark of [...MARKS, ...MORE]) expect(coerceCell(mark)).toBeUndefined()
    for (const text of ["ABSX", "absence", "-- note", "#N/A2", "exam"]) expect(coerceCell(text)).toBe(text)
  })
})

describe("decimal comma", () => {
  it("a ;-file whose numbers end in , and one or two digits: `,` is the decimal mark, `.` groups thousands", async () => {
    const { result, log, records } = await standardize(
      csv("student_id;score;fee", "S1;87,5;1.234,50", "S2;90;2,5", "S3;ABS;1.000"),
      { profile: "gradebook", plan: { mode: "custom", config: { note: "keep" } } },
    )
    expect(result.status).toBe("published")
    expect(log.decimalMark).toBe(",")
    expect(result.problems).toEqual([])
    expect(records).toEqual([
      { student_id: "S1", score: 87.5, fee: 1234.5 },
      { student_id: "S2", score: 90, fee: 2.5 },
      { student_id: "S3", score: undefined, fee: 1000 },
    ])
  })

  it("summarizes the numbers read with the decimal comma", async () => {
    const { result } = await run(csv("student_id;score", "S1;87,5", "S2;92,5"), { plugins: [semicolons] })
    expect(step(result, "standardize_results").log.decimalMark).toBe(",")
    expect(result.summary?.numeric).toEqual([expect.objectContaining({ column: "score", count: 2, mean: 90 })])
  })

  it("one number ending in . and one or two digits keeps the decimal point; 87,5 is then text", async () => {
    const { result, log } = await standardize(
      csv("student_id;score", "S1;87,5", "S2;90.5", "S3;70", "S4;71", "S5;72"),
      {
        profile: "gradebook",
      },
    )
    expect(log.decimalMark).toBe(".")
    expect(result.problems).toEqual([expect.objectContaining({ row: 2, value: "87,5", rule: "not_a_number" })])
  })

  it("numbers without a decimal part decide nothing: `.` stays (1,234 is 1234)", async () => {
    const { log, records } = await standardize(csv("student_id;score", "S1;1,234", "S2;90"), {
      plan: { mode: "custom", config: { note: "keep" } },
    })
    expect(log.decimalMark).toBe(".")
    expect(records.map((r) => r.score)).toEqual([1234, 90])
  })

  it("identifier columns and dates are not number-like", async () => {
    const { log } = await standardize(csv("student_id;class_code;date;score", "10.01;9.05;2.9.24;87,5"))
    expect(log.decimalMark).toBe(",")
  })

  it(`is decided from the first ${DECIMAL_MARK_ROWS.toLocaleString("en-US")} data rows`, async () => {
    const rows = Array.from({ length: DECIMAL_MARK_ROWS }, (_, i) => `S${i};${i % 100}`)
    const after = await standardize(csv("student_id;score", ...rows, "S;87,5"))
    expect(after.log.decimalMark).toBe(".")
    const within = await standardize(csv("student_id;score", "", ...rows.slice(1), "S;87,5", "S;88.5"))
    expect(within.log.decimalMark).toBe(",")
  })

  it("a resumed run reads numbers with the decimal mark the stored run chose", async () => {
    const registry = await buildRegistry([semicolons])
    const source = sourceFromBytes("marks.csv", new TextEncoder().encode(csv("student_id;score", "S1;87,5", "S2;92,5")))
    const checkpoints = memoryCheckpoints()
    const runWith = (request: Partial<Parameters<typeof runPipeline>[1]>) =>
      Effect.runPromise(
        Effect.provide(
          runPipeline(registry, { source, checkpoints: checkpoints.store, ...request }),
          memoryPublisher().layer,
        ),
      )
    const first = await runWith({})
    expect(checkpoints.stored.get("standardize_results")!.snapshot!.decimalMark).toBe(",")
    const resumed = await runWith({ resume: checkpoints.resumeAfter("standardize_results", first) })
    expect(resumed.summary?.numeric).toEqual([expect.objectContaining({ column: "score", mean: 90 })])
  })

  // Plain references for number-like cells ending in a mark and one or two digits.
  const COMMA = /^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d{1,2}%?$/
  const DOT = /^[+-]?(\d{1,3}(,\d{3})+|\d*)\.\d{1,2}%?$/
  const cellText = fc.string({ unit: fc.constantFrom("0", "1", "5", "9", ".", ",", "-", "%", "e", "a"), maxLength: 9 })

  it("decimalMarkOf agrees with the plain reading of the rule (fixed seed)", () => {
    fc.assert(
      fc.property(cellText, (text) => {
        expect(decimalMarkOf(text)).toBe(COMMA.test(text) ? "," : DOT.test(text) ? "." : undefined)
      }),
      { seed: 15_1000, numRuns: 5000 },
    )
  })

  it("a number read with `,` is the same number written with `.` (fixed seed)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const grouped = whole.toLocaleString("de-DE")
        const fraction = String(cents).padStart(2, "0")
        expect(parseNumber(`${grouped},${fraction}`, ",")).toBe(parseNumber(`${whole}.${fraction}`))
        expect(parseNumber(`${whole},${fraction}`, ",")).toBe(parseNumber(`${whole}.${fraction}`))
      }),
      { seed: 15_2000, numRuns: 2000 },
    )
  })

  it("the file's decision agrees with the rule on any first rows (fixed seed)", async () => {
    const cell = fc.constantFrom("87,5", "1.234,50", "90", "87.5", "1,234.5", "1,234", "abc", "2.9.24", "", "ABS")
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }),
        async (rows) => {
          const cells = rows.flat()
          const expected = cells.some((c) => COMMA.test(c)) && !cells.some((c) => DOT.test(c)) ? "," : "."
          const { log } = await standardize(csv("student_id;a;b", ...rows.map((r, i) => `S${i};${r.join(";")}`)))
          expect(log.decimalMark).toBe(expected)
        },
      ),
      { seed: 15_3000, numRuns: 60 },
    )
  })
})
