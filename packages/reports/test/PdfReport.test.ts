import { writeFileSync } from "node:fs"
import { Fonts, problemLine, renderPdf } from "@batchops/reports"
import { describe, expect, it } from "vitest"
import { problem, report, studentRows } from "./fixtures.js"
import { pdfContent, pdfSource } from "./pdfText.js"

const save = (name: string, bytes: Uint8Array) => {
  if (process.env.BATCHOPS_KEEP_PDF) writeFileSync(`${process.env.BATCHOPS_KEEP_PDF}/${name}`, bytes)
}

describe("renderPdf", () => {
  it("renders José, Nguyễn Văn An and 李华 with real glyphs of the embedded font", async () => {
    const rows = studentRows(50)
    const bytes = await renderPdf(
      report(
        { output: "dataset", plan: { mode: "append", config: {} } },
        { preview: rows, datasetRows: 1200, problems: [], problemCount: 0 },
      ),
    )
    save("dataset.pdf", bytes)
    const { pages } = await pdfContent(bytes)
    const text = pages.join(" ")
    expect(text).toContain("José")
    expect(text).toContain("Nguyễn Văn An")
    expect(text).toContain("李华")
    expect(text).toContain("showing 50 of 1200 rows")
    const source = pdfSource(bytes)
    expect(source).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansHans-Regular/)
    expect(source).toContain("/FontFile3")
    expect(source).not.toMatch(/\/BaseFont \/Helvetica/)
  })

  it("draws the same text with the parsed fonts it shares between reports, past a re-parse", async () => {
    const rows = studentRows(20)
    const dataset = report(
      { output: "dataset", plan: { mode: "append", config: {} } },
      { preview: rows, datasetRows: 20, problems: [], problemCount: 0 },
    )
    const first = await Fonts.parsedFonts()
    // each report gets the fonts of the parse before it, until a parse has served its share
    const texts = new Map<number, string>()
    for (let i = 0; i <= Fonts.REPORTS_PER_PARSE; i++) {
      const bytes = await renderPdf(i % 2 === 0 ? dataset : report())
      if (i < 2 || i >= Fonts.REPORTS_PER_PARSE - 1) texts.set(i, (await pdfContent(bytes)).pages.join(" "))
    }
    // compared by identity: a failing toBe would compare two fonts' tables deeply
    expect((await Fonts.parsedFonts()) === first).toBe(false)
    expect(texts.size).toBe(4)
    for (const [i, text] of texts) {
      if (i % 2 === 0) {
        expect(text).toContain("Nguyễn Văn An")
        expect(text).toContain("李华")
      } else expect(text).toContain("gradebook.csv")
    }
    // the same dataset drawn before and after the fonts were parsed again
    expect(texts.get(Fonts.REPORTS_PER_PARSE)).toBe(texts.get(0))
    // the font's glyph-name table is not read, as embedding does not need it (see Fonts.ts)
    const cff = (first.regular as unknown as Record<string, { topDict: { charset: unknown } }>)["CFF "]
    expect(cff?.topDict.charset).toBeNull()
  })

  it("shows the run's details, with timestamps in ISO UTC", async () => {
    const { pages, info } = await pdfContent(await renderPdf(report()))
    const first = pages[0] ?? ""
    expect(first).toContain("BatchOps report")
    expect(first).toContain("gradebook.csv")
    expect(first).toContain("transform")
    expect(first).toContain("gradebook")
    expect(first).toContain("2024-05-01T09:00:00.000Z")
    expect(first).toContain("2024-05-01T09:00:02.500Z")
    expect(first).toMatch(/ROWS 3/)
    expect(first).toMatch(/COLUMNS 4/)
    expect(info.Title).toBe("BatchOps report: gradebook.csv")
    expect(info.Creator).toBe("BatchOps")
    expect(String(info.CreationDate)).toContain("20240501090002")
  })

  it("shows the summary table with its numbers", async () => {
    const bytes = await renderPdf(report())
    save("summary.pdf", bytes)
    const text = (await pdfContent(bytes)).pages.join(" ")
    expect(text).toContain("Summary statistics")
    for (const header of ["column", "count", "missing", "mean", "std", "min", "p25", "median", "p75", "max"]) {
      expect(text).toContain(header)
    }
    expect(text).toMatch(/score 3 0 87\.5 2\.12132 85 86\.25 87\.5 88\.75 90/)
    expect(text).toMatch(/absences 1 2 3 3 3 3 3 3/)
  })

  it("lists warnings and the operator note of a custom plan, with page numbers", async () => {
    const problems = Array.from({ length: 80 }, (_, i) =>
      problem({ row: i + 4, column: "score", value: "abc", message: "'abc' is not a number" }),
    )
    const note = "Merged the spring roster by hand.\nChecked with the registrar: Nguyễn Văn An is enrolled."
    const bytes = await renderPdf(
      report(
        { output: "dataset", plan: { mode: "custom", config: {} } },
        { preview: studentRows(50), datasetRows: 1200, problems, problemCount: 120, note },
      ),
    )
    save("custom.pdf", bytes)
    const { pages } = await pdfContent(bytes)
    const text = pages.join(" ")
    expect(text).toContain("120 problems found")
    expect(text).toContain("row 4, score: 'abc' is not a number")
    expect(text).toContain("row 53, score: 'abc' is not a number")
    expect(text).not.toContain("row 54, score")
    expect(text).toContain("Operator note")
    expect(text).toContain("Merged the spring roster by hand.")
    expect(text).toContain("Checked with the registrar: Nguyễn Văn An is enrolled.")
    expect(pages.length).toBeGreaterThan(1)
    pages.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`)
    })
  })

  it("has no operator note section without a note", async () => {
    const text = (await pdfContent(await renderPdf(report()))).pages.join(" ")
    expect(text).not.toContain("Operator note")
    expect(text).toContain("No problems found.")
    expect(text).toContain("Page 1 of 1")
  })

  it("turns to landscape for many columns and cuts long cells with an ellipsis", async () => {
    const columns = Array.from({ length: 14 }, (_, i) => `column_${i + 1}`)
    const long = "a very long comment that will never fit in a table cell of a report page at all"
    const preview = Array.from({ length: 20 }, (_, r) => ({
      number: r + 2,
      cells: columns.map((_, c) => (c === 3 ? long : c % 2 === 0 ? r * 10 + c : `value ${r}-${c}`)),
    }))
    const bytes = await renderPdf(report({ output: "dataset", columns }, { preview, datasetRows: 20 }))
    save("wide.pdf", bytes)
    const { pages, sizes } = await pdfContent(bytes)
    const [width, height] = sizes[0] ?? [0, 0]
    expect(width).toBeGreaterThan(height)
    expect(pages.join(" ")).toContain("…")
    expect(pages.join(" ")).not.toContain(long)
  })

  it("renders decomposed accents as the composed letters", async () => {
    const preview = [{ number: 2, cells: ["S1", "Nguye\u0302\u0303n Va\u0306n An", 90, 0] }]
    const bytes = await renderPdf(report({ output: "dataset" }, { preview, datasetRows: 1 }))
    expect((await pdfContent(bytes)).pages.join(" ")).toContain("Nguyễn Văn An")
  })

  it("renders the same bytes for the same report", async () => {
    const input = report({ output: "dataset" }, { preview: studentRows(20), datasetRows: 20 })
    const [a, b] = await Promise.all([renderPdf(input), renderPdf(input)])
    expect(Buffer.from(a!).equals(Buffer.from(b!))).toBe(true)
  })

  it("formats a problem as 'row 4, score: message'", () => {
    expect(problemLine(problem({ row: 4, column: "score" }))).toBe("row 4, score: 'abc' is not a number")
    expect(problemLine(problem({ column: "score" }))).toBe("score: 'abc' is not a number")
    expect(problemLine(problem({ message: "the file has no header" }))).toBe("the file has no header")
  })
})
