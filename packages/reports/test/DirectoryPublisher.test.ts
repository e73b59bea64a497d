import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import path from "node:path"
import {
  createBatchOps,
  PublishError,
  type PublishRequest,
  type PublishResult,
  ReportPublisher,
  type Row,
} from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect, Exit } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { problem, request, result, studentRows } from "./fixtures.js"
import { pdfContent } from "./pdfText.js"

let root: string

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "batchops-reports-"))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

// the tests of the names and files run on the flat layout; the run folders have their own below
const run = <A, E>(
  outDir: string,
  body: (publisher: ReportPublisher["Service"]) => Effect.Effect<A, E>,
  options: DirectoryPublisher.DirectoryOptions = { layout: "flat" },
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const publisher = yield* ReportPublisher
      return yield* body(publisher)
    }).pipe(Effect.provide(DirectoryPublisher.layer(outDir, options))),
  )

const runExit = <A, E>(
  outDir: string,
  body: (publisher: ReportPublisher["Service"]) => Effect.Effect<A, E>,
  options: DirectoryPublisher.DirectoryOptions = { layout: "flat" },
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const publisher = yield* ReportPublisher
      return yield* body(publisher)
    }).pipe(Effect.provide(DirectoryPublisher.layer(outDir, options)), Effect.exit),
  )

const publish = (
  outDir: string,
  req: PublishRequest,
  res: PublishResult,
  batches: ReadonlyArray<ReadonlyArray<Row>> = [],
  options?: DirectoryPublisher.DirectoryOptions,
) =>
  run(
    outDir,
    (publisher) =>
      Effect.gen(function* () {
        const session = yield* publisher.open(req)
        for (const rows of batches) yield* session.writeRows(rows)
        return yield* session.finish(res)
      }),
    options,
  )

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")
  if (error === undefined || error._tag !== "Fail")
    throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return error.error
}

describe("DirectoryPublisher", () => {
  it("publishes a summary CSV and PDF named after the source file", async () => {
    const outDir = path.join(root, "exports", "nested")
    const reports = await publish(outDir, request({ fileName: "uploads/gradebook.csv" }), result())
    expect(reports).toEqual({
      csv: path.join(outDir, "gradebook.summary.csv"),
      pdf: path.join(outDir, "gradebook.summary.pdf"),
      rejected: undefined,
    })
    expect((await readdir(outDir)).sort()).toEqual(["gradebook.summary.csv", "gradebook.summary.pdf"])
    const csv = await readFile(reports.csv, "utf8")
    expect(csv.startsWith("\uFEFFcolumn,count,missing,mean,std,min,p25,median,p75,max\r\n")).toBe(true)
    expect(csv).toContain("score,3,0,87.5,2.12132,85,86.25,87.5,88.75,90\r\n")
    const pdf = await readFile(reports.pdf)
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-")
    expect((await pdfContent(pdf)).pages.join(" ")).toContain("Summary statistics")
  })

  it("returns paths joined to a relative directory as given", async () => {
    const relative = path.relative(process.cwd(), path.join(root, "out"))
    expect(path.isAbsolute(relative)).toBe(false)
    const reports = await publish(relative, request({ fileName: "roster.xlsx" }), result())
    expect(reports.csv).toBe(path.join(relative, "roster.summary.csv"))
    expect(reports.pdf).toBe(path.join(relative, "roster.summary.pdf"))
  })

  it("streams a 200,000-row dataset written in many batches", async () => {
    const outDir = path.join(root, "out")
    const columns = ["student_id", "name", "score", "absences"]
    const total = 200_000
    const batches: Array<Array<Row>> = []
    let next = 2
    // uneven batches, including single rows
    for (const size of [1, 1, 7, 999]) {
      batches.push(studentRows(size, next))
      next += size
    }
    while (next - 2 < total) {
      const size = Math.min(1000, total - (next - 2))
      batches.push(studentRows(size, next))
      next += size
    }
    const special: Row = { number: next, cells: ["=cmd|' /C calc'!A0", 'He said "hi", twice', -3.5, "-3.5"] }
    batches.push([special])
    const reports = await publish(
      outDir,
      request({ output: "dataset", plan: { mode: "append", config: {} }, columns }),
      result({ datasetRows: total + 1, preview: studentRows(50) }),
      batches,
    )
    expect(reports.csv).toBe(path.join(outDir, "gradebook.processed.csv"))
    expect(reports.pdf).toBe(path.join(outDir, "gradebook.processed.pdf"))
    expect((await readdir(outDir)).sort()).toEqual(["gradebook.processed.csv", "gradebook.processed.pdf"])
    const text = await readFile(reports.csv, "utf8")
    const lines = text.split("\r\n")
    expect(lines[0]).toBe("\uFEFFstudent_id,name,score,absences")
    expect(lines).toHaveLength(total + 3) // header, rows, the special row, "" after the last CRLF
    expect(lines[1]).toBe("S00001,José,60,")
    expect(lines[2]).toBe("S00001,José,60,")
    expect(lines[4]).toBe("S00002,Nguyễn Văn An,67,1")
    expect(lines[total + 1]).toBe(`'=cmd|' /C calc'!A0,"He said ""hi"", twice",-3.5,-3.5`)
    expect(lines[total + 2]).toBe("")
    expect(text.includes("\n") && !/[^\r]\n/.test(text)).toBe(true)
  })

  it("pads short rows to the request's columns", async () => {
    const outDir = path.join(root, "out")
    const reports = await publish(outDir, request({ output: "dataset", columns: ["a", "b", "c"] }), result(), [
      [{ number: 2, cells: ["x"] }],
    ])
    expect(await readFile(reports.csv, "utf8")).toBe("\uFEFFa,b,c\r\nx,,\r\n")
  })

  it("leaves no files when aborted", async () => {
    const outDir = path.join(root, "out")
    await run(outDir, (publisher) =>
      Effect.gen(function* () {
        const session = yield* publisher.open(request({ output: "dataset" }))
        yield* session.writeRows(studentRows(5000))
        yield* session.abort()
        yield* session.abort()
      }),
    )
    expect(await readdir(outDir)).toEqual([])
  })

  it("writes the rejected-rows file only when some problem names a row", async () => {
    const outDir = path.join(root, "out")
    const withoutRows = await publish(
      outDir,
      request(),
      result({ problems: [problem({ rule: "missing_key", message: "no id column" })], problemCount: 1 }),
    )
    expect(withoutRows.rejected).toBeUndefined()
    expect(await readdir(outDir)).not.toContain("gradebook.rejected.csv")

    const withRows = await publish(
      outDir,
      request(),
      result({
        problems: [
          problem({ row: 5, column: "score", value: "abc" }),
          problem({ row: 3, column: "score", value: "x" }),
        ],
        problemCount: 2,
      }),
    )
    expect(withRows.rejected).toBe(path.join(outDir, "gradebook.rejected.csv"))
    expect(await readFile(withRows.rejected!, "utf8")).toBe(
      "\uFEFFrow,column,value,rule,message,stage,plugin\r\n" +
        "3,score,x,numeric,'abc' is not a number,validate_data,batchops\r\n" +
        "5,score,abc,numeric,'abc' is not a number,validate_data,batchops\r\n",
    )

    // a later clean run of the same file does not leave the old rejected rows behind
    const clean = await publish(outDir, request(), result())
    expect(clean.rejected).toBeUndefined()
    expect((await readdir(outDir)).sort()).toEqual(["gradebook.summary.csv", "gradebook.summary.pdf"])
  })

  it("fails with a PublishError, not a throw, when the directory cannot be written", async () => {
    const blocker = path.join(root, "not-a-directory")
    await writeFile(blocker, "x")
    const outDir = path.join(blocker, "exports")
    const exit = await runExit(outDir, (publisher) => publisher.open(request()))
    const error = failureOf(exit)
    expect(error).toBeInstanceOf(PublishError)
    expect(error.message).toBe(`cannot write reports to ${outDir}: a part of the path is a file, not a directory`)
  })

  it("removes everything it wrote when finishing fails", async () => {
    const outDir = path.join(root, "out")
    await mkdir(path.join(outDir, "gradebook.processed.pdf"), { recursive: true })
    const exit = await runExit(outDir, (publisher) =>
      Effect.gen(function* () {
        const session = yield* publisher.open(request({ output: "dataset" }))
        yield* session.writeRows(studentRows(10))
        return yield* session.finish(result({ problems: [problem({ row: 2 })], problemCount: 1 }))
      }),
    )
    const error = failureOf(exit)
    expect(error).toBeInstanceOf(PublishError)
    expect(error.message).toMatch(/^cannot write reports to /)
    expect(await readdir(outDir)).toEqual(["gradebook.processed.pdf"])
  })

  it("refuses rows after finishing", async () => {
    const outDir = path.join(root, "out")
    const exit = await runExit(outDir, (publisher) =>
      Effect.gen(function* () {
        const session = yield* publisher.open(request({ output: "dataset" }))
        yield* session.finish(result())
        return yield* session.writeRows(studentRows(1))
      }),
    )
    expect(failureOf(exit)).toBeInstanceOf(PublishError)
  })
})

describe("DirectoryPublisher's run folders (the default layout)", () => {
  const marks = (fileName = "marks.csv") => request({ fileName, output: "dataset" })
  const withRejected = result({ problems: [problem({ row: 2, column: "score", value: "x" })], problemCount: 1 })

  it("gives two runs of one file name, at the same time, a folder each: neither touches the other's reports", async () => {
    const outDir = path.join(root, "reports")
    const first = studentRows(3)
    const second = studentRows(5).slice(3)
    // both sessions open before either finishes
    const [a, b] = await run(
      outDir,
      (publisher) =>
        Effect.gen(function* () {
          const one = yield* publisher.open(marks())
          const two = yield* publisher.open(marks())
          yield* one.writeRows(first)
          yield* two.writeRows(second)
          const b = yield* two.finish(result())
          const a = yield* one.finish(withRejected)
          return [a, b] as const
        }),
      {},
    )
    expect(path.dirname(a.csv)).not.toBe(path.dirname(b.csv))
    for (const reports of [a, b]) {
      expect(path.dirname(path.dirname(reports.csv))).toBe(outDir)
      expect(path.basename(path.dirname(reports.csv))).toMatch(/^20240501T090000Z-[0-9a-f]{12}$/)
      expect(path.basename(reports.csv)).toBe("marks.processed.csv")
      expect(path.dirname(reports.pdf)).toBe(path.dirname(reports.csv))
    }
    const idsIn = async (file: string) =>
      (await readFile(file, "utf8"))
        .split("\r\n")
        .slice(1, -1)
        .map((line) => line.split(",")[0])
    expect(await idsIn(a.csv)).toEqual(first.map((row) => String(row.cells[0])))
    expect(await idsIn(b.csv)).toEqual(second.map((row) => String(row.cells[0])))
    // the clean second run did not delete the first run's rejected rows
    expect(a.rejected).toBe(path.join(path.dirname(a.csv), "marks.rejected.csv"))
    expect(await readFile(a.rejected!, "utf8")).toContain("2,score,x,")
    expect(b.rejected).toBeUndefined()
    expect((await readdir(outDir)).length).toBe(2)
  })

  it("keeps a later run's reports apart from an earlier run's of the same file", async () => {
    const outDir = path.join(root, "reports")
    const earlier = await publish(outDir, marks(), withRejected, [studentRows(2)], {})
    const later = await publish(outDir, marks(), result(), [studentRows(4)], {})
    expect(path.dirname(later.csv)).not.toBe(path.dirname(earlier.csv))
    expect((await readFile(earlier.csv, "utf8")).split("\r\n").length).toBe(4)
    expect(await readFile(earlier.rejected!, "utf8")).toContain("2,score,x,")
  })

  it("removes the run's folder when the run is aborted", async () => {
    const outDir = path.join(root, "reports")
    await run(
      outDir,
      (publisher) =>
        Effect.gen(function* () {
          const session = yield* publisher.open(marks())
          yield* session.writeRows(studentRows(10))
          yield* session.abort()
        }),
      {},
    )
    expect(await readdir(outDir)).toEqual([])
  })

  it("refuses, on the flat layout, a second run of one name into one directory while the first writes", async () => {
    const outDir = path.join(root, "flat")
    const exit = await runExit(outDir, (publisher) =>
      Effect.gen(function* () {
        const one = yield* publisher.open(marks())
        yield* one.writeRows(studentRows(2))
        const second = yield* Effect.exit(publisher.open(marks("uploads/marks.xlsx")))
        const reports = yield* one.finish(result())
        // the name is free again once the first run is done
        const third = yield* publisher.open(marks())
        yield* third.abort()
        return { second, reports }
      }),
    )
    if (Exit.isFailure(exit)) throw new Error(String(exit.cause))
    const refused = failureOf(exit.value.second)
    expect(refused).toBeInstanceOf(PublishError)
    expect((refused as PublishError).message).toBe(
      `cannot write reports to ${outDir}: another run is writing the reports of a file named marks there at this moment (give each run a folder of its own)`,
    )
    expect(exit.value.reports.csv).toBe(path.join(outDir, "marks.processed.csv"))
    expect((await readFile(exit.value.reports.csv, "utf8")).split("\r\n").length).toBe(4)
  })

  it("answers where each of two concurrent same-name uploads went, through one promise-API instance", async () => {
    const outDir = path.join(root, "portal")
    const batchOps = await createBatchOps({ plugins: [parsersPlugin], layer: DirectoryPublisher.layer(outDir) })
    try {
      const csv = (rows: ReadonlyArray<string>) =>
        new TextEncoder().encode(["Student ID,Name,Score", ...rows].join("\n"))
      const [a, b] = await Promise.all([
        batchOps.process({ name: "marks.csv", bytes: csv(["S1,Ana,90", "S2,Ben,80"]) }),
        batchOps.process({ name: "marks.csv", bytes: csv(["S3,Cai,70", "S4,Dee,60", "S5,Eve,50"]) }),
      ])
      expect(a.incident?.error ?? a.status).toBe("published")
      expect(b.incident?.error ?? b.status).toBe("published")
      expect(a.reports?.csv).not.toBe(b.reports?.csv)
      expect(path.basename(a.reports!.csv)).toBe("marks.summary.csv")
      // each summary counts its own file's scores
      expect(await readFile(a.reports!.csv, "utf8")).toContain("score,2,0,85,")
      expect(await readFile(b.reports!.csv, "utf8")).toContain("score,3,0,60,")
    } finally {
      await batchOps.close()
    }
  })
})
