import { describe, expect, it } from "vitest"
import { extractTable, joinFragments, pageLines, type TextPiece } from "../src/PdfTable.js"

const SIZE = 10
/** A piece of text as a PDF would draw it: about half an em per character. */
const piece = (text: string, x: number, y: number, size = SIZE): TextPiece => ({
  text,
  x,
  y,
  width: text.length * size * 0.5,
  size,
})

/** Pieces for a table drawn row by row from `top`, `pitch` apart, cells at the given x positions. */
const table = (rows: ReadonlyArray<ReadonlyArray<string>>, xs: ReadonlyArray<number>, top = 700, pitch = 14) =>
  rows.flatMap((cells, r) => cells.flatMap((cell, c) => (cell === "" ? [] : [piece(cell, xs[c]!, top - r * pitch)])))

describe("joinFragments", () => {
  it.each([
    ["STU-2024-", "0017", "STU-2024-0017"],
    ["STU2024", "0017", "STU20240017"],
    ["2024/03/", "01", "2024/03/01"],
    ["ana_", "lopez", "ana_lopez"],
    ["STU-2024", "-0017", "STU-2024-0017"],
    ["Maria del Carmen", "Rodriguez", "Maria del Carmen Rodriguez"],
    ["Grade", "10", "Grade 10"],
    ["Needs", "practice", "Needs practice"],
    ["", "0017", "0017"],
  ])("%j + %j = %j", (before, after, joined) => {
    expect(joinFragments(before, after)).toBe(joined)
  })
})

describe("pageLines", () => {
  it("merges word pieces into cells and splits at column gaps", () => {
    const lines = pageLines([
      piece("Ana", 50, 700),
      piece("Lopez", 50 + 15 + 2.5, 700),
      piece("90", 200, 700.4),
      piece("STU-1", 10, 699.8),
    ])
    expect(lines.map((line) => line.cells.map((cell) => cell.text))).toEqual([["STU-1", "Ana Lopez", "90"]])
  })

  it("splits text laid out with runs of spaces", () => {
    const lines = pageLines([piece("STU-001     Ana Lopez       90", 40, 700)])
    expect(lines[0]!.cells.map((cell) => cell.text)).toEqual(["STU-001", "Ana Lopez", "90"])
  })
})

describe("extractTable", () => {
  const xs = [40, 150, 300]

  it("finds a table below a title and above a footer", () => {
    const pieces = [
      piece("Attendance report", 40, 780, 16),
      ...table(
        [
          ["Student ID", "Name", "Days"],
          ["S1", "Ana", "12"],
          ["S2", "Bo", "9"],
        ],
        xs,
      ),
      piece("Page 1 of 1", 150, 640),
    ]
    expect(extractTable([pieces])).toEqual([
      ["Student ID", "Name", "Days"],
      ["S1", "Ana", "12"],
      ["S2", "Bo", "9"],
    ])
  })

  it("keeps right-aligned numbers in their column", () => {
    const rows = [
      ["ID", "Name", "Score"],
      ["S1", "Ana", "100"],
      ["S2", "Bo", "7"],
      ["S3", "Cy", "58"],
    ]
    const pieces = rows.flatMap((cells, r) => [
      piece(cells[0]!, 40, 700 - r * 14),
      piece(cells[1]!, 150, 700 - r * 14),
      piece(cells[2]!, 330 - cells[2]!.length * 5, 700 - r * 14),
    ])
    expect(extractTable([pieces])).toEqual(rows)
  })

  it("takes a row with an empty cell at the usual distance as a row, not a continuation", () => {
    const rows = [
      ["ID", "Name", "Note"],
      ["S1", "Ana", "late"],
      ["S2", "Bo", ""],
      ["S3", "Cy", "ok"],
    ]
    expect(extractTable([table(rows, xs)])).toEqual(rows)
  })

  it("joins lines closer than the row pitch into the row above", () => {
    const pieces = [
      ...table(
        [
          ["ID", "Name", "Note"],
          ["S1", "Maria del", "first"],
        ],
        xs,
      ),
      piece("Carmen", 150, 700 - 14 - 10),
      piece("term", 300, 700 - 14 - 10),
      ...table([["S2", "Bo", "ok"]], xs, 700 - 14 - 10 - 14),
      ...table([["S3", "Cy", "ok"]], xs, 700 - 14 - 10 - 28),
    ]
    expect(extractTable([pieces])).toEqual([
      ["ID", "Name", "Note"],
      ["S1", "Maria del Carmen", "first term"],
      ["S2", "Bo", "ok"],
      ["S3", "Cy", "ok"],
    ])
  })

  it("joins pages and drops the header repeated at the top of each page", () => {
    const header = ["ID", "Name", "Score"]
    const page1 = [piece("School", 40, 800), ...table([header, ["S1", "Ana", "90"], ["S2", "Bo", "80"]], xs)]
    const page2 = [piece("School", 40, 800), ...table([header, ["S3", "Cy", "70"]], xs)]
    const page3 = [...table([["S4", "Di", "60"]], xs), piece("End of report", 150, 600)]
    expect(extractTable([page1, page2, page3])).toEqual([
      header,
      ["S1", "Ana", "90"],
      ["S2", "Bo", "80"],
      ["S3", "Cy", "70"],
      ["S4", "Di", "60"],
    ])
  })

  it("keeps a column that is empty on the page where most rows are", () => {
    const cols = [40, 150, 300, 400]
    const page1 = table(
      [
        ["ID", "Name", "Score", "Note"],
        ["S1", "Ana", "90", "late"],
        ["S2", "Bo", "80", ""],
      ],
      cols,
    )
    const page2 = table(
      [
        ["S3", "Cy", "70", ""],
        ["S4", "Di", "60", ""],
        ["S5", "Ed", "50", ""],
      ],
      cols,
    )
    expect(extractTable([page1, page2])).toEqual([
      ["ID", "Name", "Score", "Note"],
      ["S1", "Ana", "90", "late"],
      ["S2", "Bo", "80", ""],
      ["S3", "Cy", "70", ""],
      ["S4", "Di", "60", ""],
      ["S5", "Ed", "50", ""],
    ])
  })

  it("finds a table that starts on the second page", () => {
    const page1 = [piece("Summary", 40, 780, 16), piece("This report lists every student's score.", 40, 750)]
    const page2 = table(
      [
        ["ID", "Name", "Score"],
        ["S1", "Ana", "90"],
      ],
      xs,
    )
    expect(extractTable([page1, page2])).toEqual([
      ["ID", "Name", "Score"],
      ["S1", "Ana", "90"],
    ])
  })

  it("leaves out a footer just below the table", () => {
    const pieces = [
      ...table(
        [
          ["ID", "Name", "Score"],
          ["S1", "Ana", "90"],
          ["S2", "Bo", "80"],
        ],
        xs,
      ),
      piece("Printed by the office", 150, 700 - 2 * 14 - 22),
    ]
    expect(extractTable([pieces])).toEqual([
      ["ID", "Name", "Score"],
      ["S1", "Ana", "90"],
      ["S2", "Bo", "80"],
    ])
  })

  it("reads a page of thousands of lines quickly", () => {
    const rows = [
      ["ID", "Name", "Score"],
      ...Array.from({ length: 5000 }, (_, i) => [`S${i}`, `Student ${i}`, `${i % 100}`]),
    ]
    const started = performance.now()
    const result = extractTable([table(rows, xs, 100_000)])
    expect(result).toEqual(rows)
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it("finds nothing in paragraphs or a single line of columns", () => {
    const paragraph = [
      piece("The end of term report cards will be sent home", 40, 700),
      piece("on Friday. Please sign and return the slip.", 40, 686),
    ]
    expect(extractTable([paragraph])).toBeUndefined()
    expect(extractTable([table([["ID", "Name", "Score"]], xs)])).toBeUndefined()
    expect(extractTable([[]])).toBeUndefined()
  })
})
