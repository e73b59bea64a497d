/**
 * The text rules of files as school systems export them, end to end: `batchops process --json`
 * and the library read the same file the same way (title rows skipped, decimal commas, NFC
 * names, non-score marks missing), report the same step logs, and publish the same CSV.
 */
import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { createBatchOps } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import PDFDocument from "pdfkit"
import { beforeAll, describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { batchops, hasStackTrace, tempDir } from "./helpers.js"

let dir: string
beforeAll(async () => {
  dir = await tempDir()
})

/** A `;`-separated export with a title above the header, decimal commas, marks and names typed on other systems. */
const EXPORT = [
  "Grade 10 - Term 1 results;;;",
  "Exported 2024-09-02;;;",
  "",
  "Student\u200bID;Name;Score;Fee",
  "S001;Jose\u0301\u00a0Pe\u0301rez;87,5;1.234,50",
  "S002;Ana María;ABS;2,5",
  "S003\u200b;Li Wei;92,25;—",
  "S004;Olivia;#DIV/0!;10",
  "S005;Noah;70;3,75",
  "",
].join("\r\n")

const DELETE_JOSE = JSON.stringify({ rules: [{ column: "Name", value: "José Pérez" }] })

describe("a school system's export, through the CLI and the library", () => {
  it("batchops process --json: titles skipped, decimal comma, marks missing, NFC names matched by a delete rule", async () => {
    const file = join(dir, "term1.csv")
    await writeFile(file, EXPORT)
    const out = join(dir, "cli")
    const result = await batchops([
      "process",
      file,
      "--plan",
      "delete",
      "--config",
      DELETE_JOSE,
      "--json",
      "--out",
      out,
    ])
    expect(hasStackTrace(result.stdout + result.stderr)).toBe(false)
    expect(result.code, result.stdout).toBe(0)
    const json = JSON.parse(result.stdout)
    expect(json.status).toBe("published")
    expect(json.columns).toEqual(["student_id", "name", "score", "fee"])
    const standardize = json.stages[0]
    expect(standardize.log).toMatchObject({
      delimiter: ";",
      titleRows: 2,
      skippedLeadingRows: 1,
      decimalMark: ",",
      header: ["StudentID", "Name", "Score", "Fee"],
    })
    // the marks are missing: no warnings
    expect(json.stages[1].log.warnings).toBeUndefined()
    const published = await readFile(json.reports.csv, "utf8")
    expect(published).toBe(
      "\ufeffstudent_id,name,score,fee\r\n" +
        "S002,Ana María,,2.5\r\n" +
        "S003,Li Wei,92.25,\r\n" +
        "S004,Olivia,,10\r\n" +
        "S005,Noah,70,3.75\r\n",
    )
  })

  it("the library reports the same step logs and publishes the same rows", async () => {
    const file = join(dir, "term1-library.csv")
    await writeFile(file, EXPORT)
    const library = await createBatchOps({
      plugins: [parsersPlugin],
      layer: DirectoryPublisher.layer(join(dir, "lib")),
    })
    try {
      const result = await library.process(file, { plan: { mode: "delete", config: JSON.parse(DELETE_JOSE) } })
      expect(result.status).toBe("published")
      const cli = await batchops([
        "process",
        file,
        "--plan",
        "delete",
        "--config",
        DELETE_JOSE,
        "--json",
        "--out",
        join(dir, "cli2"),
      ])
      const json = JSON.parse(cli.stdout)
      const facts = (log: Record<string, unknown>) => ({
        titleRows: log.titleRows,
        skippedLeadingRows: log.skippedLeadingRows,
        decimalMark: log.decimalMark,
        header: log.header,
        rows: log.rows,
      })
      expect(facts(result.stages[0]!.log)).toEqual(facts(json.stages[0].log))
      expect(facts(result.stages[0]!.log)).toMatchObject({ titleRows: 2, decimalMark: "," })
      expect(await readFile(result.reports!.csv, "utf8")).toBe(await readFile(json.reports.csv, "utf8"))
    } finally {
      await library.close()
    }
  })

  it("a transform summarizes the decimal-comma scores; marks do not make the column text", async () => {
    const file = join(dir, "term1-summary.csv")
    await writeFile(file, EXPORT)
    const result = await batchops(["process", file, "--json", "--out", join(dir, "summary")])
    const json = JSON.parse(result.stdout)
    expect(json.status).toBe("published")
    const summary = await readFile(json.reports.csv, "utf8")
    const score = summary.split("\r\n").find((line) => line.startsWith("score,"))
    // 87.5, 92.25, 70: count 3, missing 2 (ABS and #DIV/0!)
    expect(score?.split(",").slice(0, 4)).toEqual(["score", "3", "2", "83.25"])
  })

  it("a comma-separated file keeps the decimal point", async () => {
    const file = join(dir, "plain.csv")
    await writeFile(file, "Student ID,Score\nS1,87.5\nS2,90\n")
    const json = JSON.parse((await batchops(["process", file, "--json", "--out", join(dir, "plain")])).stdout)
    expect(json.stages[0].log).toMatchObject({ delimiter: ",", decimalMark: ".", titleRows: 0 })
  })

  it("a TSV: the title row is skipped, names are NFC, no-break spaces are spaces", async () => {
    const file = join(dir, "term1.tsv")
    await writeFile(file, "Term 1\t\t\nStudent ID\tName\tScore\nS1\tZoe\u0308\u00a0Lee\t87\nS2\tAna\tEXC\n")
    const json = JSON.parse(
      (
        await batchops([
          "process",
          file,
          "--plan",
          "custom",
          "--config",
          '{"note":"x"}',
          "--json",
          "--out",
          join(dir, "tsv"),
        ])
      ).stdout,
    )
    expect(json.status).toBe("published")
    expect(json.stages[0].log).toMatchObject({ delimiter: "\t", titleRows: 1, decimalMark: "." })
    expect(await readFile(json.reports.csv, "utf8")).toBe("\ufeffstudent_id,name,score\r\nS1,Zoë Lee,87\r\nS2,Ana,\r\n")
  })

  it("an XLSX whose title is merged across the columns above the header", async () => {
    const sheet = XLSX.utils.aoa_to_sheet([
      ["Grade 10 - Term 1 results", null, null],
      [],
      ["Student ID", "Name", "Score"],
      ["S1", "Jose\u0301", 87.5],
      ["S2", "Ana", "ABS"],
    ])
    sheet["!merges"] = [{ s: { r: 0, c: 0 }, e: { r: 0, c: 2 } }]
    const book = XLSX.utils.book_new()
    XLSX.utils.book_append_sheet(book, sheet, "Results")
    const file = join(dir, "term1.xlsx")
    await writeFile(file, XLSX.write(book, { type: "buffer", bookType: "xlsx" }) as Buffer)
    const json = JSON.parse(
      (
        await batchops([
          "process",
          file,
          "--plan",
          "custom",
          "--config",
          '{"note":"x"}',
          "--json",
          "--out",
          join(dir, "xlsx"),
        ])
      ).stdout,
    )
    expect(json.status).toBe("published")
    expect(json.stages[0].log).toMatchObject({ titleRows: 1, header: ["Student ID", "Name", "Score"] })
    expect(await readFile(json.reports.csv, "utf8")).toBe("\ufeffstudent_id,name,score\r\nS1,José,87.5\r\nS2,Ana,\r\n")
  })

  it("a PDF table under a title reads the same header and rows", async () => {
    const bytes = await new Promise<Buffer>((resolve) => {
      const doc = new PDFDocument({ size: "A4", margin: 40 })
      const parts: Array<Buffer> = []
      doc.on("data", (part: Buffer) => parts.push(part))
      doc.on("end", () => resolve(Buffer.concat(parts)))
      doc.font("Helvetica").fontSize(10)
      let y = 60
      const line = (cells: ReadonlyArray<string>) => {
        for (const [i, cell] of cells.entries()) doc.text(cell, [40, 150, 330][i]!, y, { lineBreak: false })
        y += 16
      }
      line(["Grade 10 - Term 1 results"])
      line(["Student ID", "Name", "Score"])
      for (let i = 1; i <= 12; i++) line([`S${i}`, `Student ${i}`, i === 3 ? "ABS" : String(60 + i)])
      doc.end()
    })
    const file = join(dir, "term1.pdf")
    await writeFile(file, bytes)
    const json = JSON.parse((await batchops(["process", file, "--json", "--out", join(dir, "pdf")])).stdout)
    expect(json.status).toBe("published")
    expect(json.stages[0].log).toMatchObject({ header: ["Student ID", "Name", "Score"], rows: 12 })
    // the mark is missing, not text: no warning
    expect(json.stages[1].log.warnings).toBeUndefined()
  })
})
