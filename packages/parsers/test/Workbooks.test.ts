import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { constants, deflateRawSync } from "node:zlib"
import { sourceFromBytes, unreadableReason } from "@batchops/core"
import { runPlugin } from "@batchops/core/testing"
import { detectFormat, makeXlsxParser, parsersPlugin, XlsxParser } from "@batchops/parsers"
import { Effect, Stream } from "effect"
import { describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { collect, failure, utf8 } from "./helpers.js"
import { odsOf, SHEET_HEAD, SHEET_TAIL, xlsOf, xlsxOf } from "./workbookFixtures.js"

/** A full garbage collection, for measuring what stays alive (the flag is set once, for this process). */
const collectGarbage = (): void => {
  setFlagsFromString("--expose-gc")
  ;(runInNewContext("gc") as () => void)()
}

/** What every workbook format below must give for the same two rows of cells. */
const HEADER = ["Student ID", "Score", "Percent", "Date", "Taken", "Code", "Total"]
const EXPECTED = [
  HEADER,
  ["S-1", "87.5", "87.5", "2024-09-02", "2024-09-02T10:30:00", "000123", "88.5"],
  ["S-2", null, null, "2024-09-03", "TRUE", "00123", "123"],
]

const STRINGS = [...HEADER, "S-1", "00123"]
const shared = (text: string) => `<c t="s"><v>${STRINGS.indexOf(text)}</v></c>`

/** Cells as Excel writes them: shared strings, styles for the formats, a cached formula result, error cells. */
const cellsXlsx = () =>
  xlsxOf({
    strings: STRINGS,
    formats: ["0.0%", "dd/mm/yyyy", "m/d/yy h:mm", "000000", 14],
    sheets: [
      {
        name: "Grades",
        rows:
          `<row r="1">${HEADER.map(shared).join("")}</row>` +
          `<row r="2">${shared("S-1")}<c r="B2"><v>87.5</v></c><c r="C2" s="1"><v>0.875</v></c>` +
          '<c r="D2" s="2"><v>45537</v></c><c r="E2" s="3"><v>45537.4375</v></c><c r="F2" s="4"><v>123</v></c>' +
          '<c r="G2"><f>B2+1</f><v>88.5</v></c></row>' +
          '<row r="3"><c r="A3" t="inlineStr"><is><t>S-2</t></is></c><c r="B3" t="e"><v>#N/A</v></c>' +
          '<c r="C3" t="str"><f>1/0</f><v>#DIV/0!</v></c><c r="D3" s="5"><v>45538</v></c><c r="E3" t="b"><v>1</v></c>' +
          `<c r="F3" t="s"><v>${STRINGS.indexOf("00123")}</v></c><c r="G3"><v>123</v></c></row>`,
      },
    ],
  })

/** The same cells in a legacy .xls, written by SheetJS with its number formats. */
const cellsXls = () =>
  xlsOf([
    [
      "Grades",
      [
        HEADER,
        [
          "S-1",
          87.5,
          { t: "n", v: 0.875, z: "0.0%" },
          { t: "n", v: 45537, z: "dd/mm/yyyy" },
          { t: "n", v: 45537.4375, z: "m/d/yy h:mm" },
          { t: "n", v: 123, z: "000000" },
          { t: "n", v: 88.5, f: "B2+1" },
        ],
        [
          "S-2",
          { t: "e", v: 0x2a },
          { t: "e", v: 0x07 },
          { t: "n", v: 45538, z: "m/d/yy" },
          true,
          { t: "s", v: "00123" },
          123,
        ],
      ],
    ],
  ])

const text = (value: string) =>
  `<table:table-cell office:value-type="string"><text:p>${value}</text:p></table:table-cell>`
const row = (...cells: ReadonlyArray<string>) => `<table:table-row>${cells.join("")}</table:table-row>`

/** The same cells in an OpenDocument spreadsheet, as LibreOffice writes them (typed values, displayed text). */
const cellsOds = (tables: ReadonlyArray<{ name: string; rows: string; hidden?: boolean }> = []) =>
  odsOf([
    ...tables,
    {
      name: "Grades",
      rows:
        row(...HEADER.map(text)) +
        row(
          text("S-1"),
          '<table:table-cell office:value-type="float" office:value="87.5"><text:p>87.5</text:p></table:table-cell>',
          '<table:table-cell office:value-type="percentage" office:value="0.875"><text:p>87.5%</text:p></table:table-cell>',
          '<table:table-cell office:value-type="date" office:date-value="2024-09-02"><text:p>02/09/2024</text:p></table:table-cell>',
          '<table:table-cell office:value-type="date" office:date-value="2024-09-02T10:30:00"><text:p>9/2/24 10:30</text:p></table:table-cell>',
          '<table:table-cell office:value-type="float" office:value="123"><text:p>000123</text:p></table:table-cell>',
          '<table:table-cell table:formula="of:=[.B2]+1" office:value-type="float" office:value="88.5"><text:p>88.5</text:p></table:table-cell>',
        ) +
        row(
          text("S-2"),
          '<table:table-cell table:formula="of:=NA()" office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>',
          '<table:table-cell table:formula="of:=1/0" office:value-type="string" calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>',
          '<table:table-cell office:value-type="date" office:date-value="2024-09-03T00:00:00"><text:p>9/3/24</text:p></table:table-cell>',
          '<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>',
          text("00123"),
          '<table:table-cell office:value-type="float" office:value="123"><text:p>123</text:p></table:table-cell>',
        ) +
        // LibreOffice closes a sheet with a million repeated empty rows
        '<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
    },
  ])

const blank = (record: ReadonlyArray<unknown>) => record.every((cell) => cell === null || cell === "")
const table = (records: ReadonlyArray<ReadonlyArray<unknown>>) => records.filter((record) => !blank(record))

describe("workbook cells, the same in every format", () => {
  it.each([
    ["xlsx", cellsXlsx],
    ["xls", cellsXls],
    ["ods", () => cellsOds()],
  ])(
    "%s: cached formula results, errors missing, percentages as shown, ISO dates, zero-padded ids, text as text",
    async (format, bytes) => {
      const result = await collect(XlsxParser, bytes())
      expect(result.format).toBe(format)
      expect(result.details.sheet).toBe("Grades")
      expect(table(result.records)).toEqual(EXPECTED)
    },
  )

  it("reads the 1904 date system of old Mac workbooks", async () => {
    const bytes = xlsxOf({
      date1904: true,
      formats: ["yyyy-mm-dd"],
      strings: ["ID", "Date"],
      sheets: [
        {
          name: "Mac",
          rows: '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row><c><v>7</v></c><c s="1"><v>0</v></c></row>',
        },
      ],
    })
    expect((await collect(XlsxParser, bytes)).records[1]).toEqual(["7", "1904-01-01"])
  })

  it("keeps the digits of numbers stored with binary noise, as a spreadsheet shows them", async () => {
    const bytes = xlsxOf({
      strings: ["ID", "Score"],
      formats: ["0%"],
      sheets: [
        {
          name: "Noise",
          rows:
            '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>' +
            '<row><c><v>1</v></c><c><v>0.30000000000000004</v></c></row><row><c><v>2</v></c><c s="1"><v>0.07</v></c></row>',
        },
      ],
    })
    expect((await collect(XlsxParser, bytes)).records.slice(1)).toEqual([
      ["1", "0.3"],
      ["2", "7"],
    ])
  })
})

describe("which sheet is read", () => {
  const notes = '<row><c t="inlineStr"><is><t>How to fill in this workbook</t></is></c></row>'
  const grades =
    '<row><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>Score</t></is></c></row><row><c t="inlineStr"><is><t>S1</t></is></c><c><v>90</v></c></row>'
  const hiddenTable = grades.replace("S1", "HIDDEN")

  it("xlsx: the first visible sheet with a table, passing over hidden sheets and sheets of notes", async () => {
    const bytes = xlsxOf({
      sheets: [
        { name: "Lookup", rows: hiddenTable, state: "hidden" },
        { name: "Instructions", rows: notes },
        { name: "Grades", rows: grades },
      ],
    })
    const result = await collect(XlsxParser, bytes)
    expect(result.details).toEqual({ sheet: "Grades", sheets: 3, skippedSheets: ["Instructions"] })
    expect(result.records).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("a title row merged across the columns above the header does not make a sheet of notes", async () => {
    const bytes = xlsxOf({
      sheets: [
        {
          name: "Term 1",
          rows: `<row r="1"><c r="A1" t="inlineStr"><is><t>Grade 10 - Term 1 results</t></is></c></row>${grades}`,
        },
      ],
    })
    const result = await collect(XlsxParser, bytes)
    expect(result.details.sheet).toBe("Term 1")
    // the title row is handed on as it is: core skips title rows for every format
    expect(result.records).toEqual([["Grade 10 - Term 1 results"], ["ID", "Score"], ["S1", "90"]])
  })

  it("xls: the same, read by SheetJS", async () => {
    const bytes = xlsOf([
      [
        "Lookup",
        [
          ["code", "meaning"],
          ["HIDDEN", "x"],
        ],
        true,
      ],
      ["Instructions", [["How to fill in this workbook"]]],
      [
        "Grades",
        [
          ["ID", "Score"],
          ["S1", 90],
        ],
      ],
    ])
    const result = await collect(XlsxParser, bytes)
    expect(result.details).toEqual({ sheet: "Grades", sheets: 3, skippedSheets: ["Instructions"] })
    expect(table(result.records)).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("ods: the same, in content.xml", async () => {
    const bytes = cellsOds([
      { name: "Lookup", rows: row(text("code"), text("meaning")) + row(text("HIDDEN"), text("x")), hidden: true },
      { name: "Instructions", rows: row(text("How to fill in this workbook")) },
    ])
    const result = await collect(XlsxParser, bytes)
    expect(result.details).toEqual({ sheet: "Grades", skippedSheets: ["Instructions"] })
    expect(table(result.records)).toEqual(EXPECTED)
  })
})

describe("bad workbooks: each a named failure", () => {
  it("every visible sheet holds notes (the table is on a hidden sheet)", async () => {
    const bytes = xlsxOf({
      sheets: [
        { name: "Read me", rows: '<row><c t="inlineStr"><is><t>Export of 2024-09-02</t></is></c></row>' },
        {
          name: "Data",
          rows: '<row><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>Score</t></is></c></row><row><c><v>1</v></c></row>',
          state: "hidden",
        },
      ],
    })
    expect((await failure(XlsxParser, bytes)).message).toBe(
      'no visible sheet of the workbook holds a table (a header row of at least two columns with data rows below it): the sheet "Read me" holds only notes or single values (1 hidden sheet is not read); put the table on a visible sheet, or send it as CSV',
    )
  })

  it("a header row of formula errors", async () => {
    const bytes = xlsxOf({
      sheets: [
        {
          name: "Broken",
          rows:
            '<row><c t="e"><f>Sheet9!A1</f><v>#REF!</v></c><c t="e"><f>Sheet9!B1</f><v>#REF!</v></c></row>' +
            '<row><c t="inlineStr"><is><t>S1</t></is></c><c><v>90</v></c></row>',
        },
      ],
    })
    expect((await failure(XlsxParser, bytes)).message).toBe(
      'the sheet "Broken" has only formula errors (such as #REF! or #N/A) in its header row (row 1): correct the formulas that make the column names, or type the names in, and send the workbook again',
    )
  })

  it("an HTML table saved with an .xls name is refused as a web page", async () => {
    const html = utf8(
      "<html><body><table><tr><td>ID</td><td>Score</td></tr><tr><td>S1</td><td>90</td></tr></table></body></html>",
    )
    expect(detectFormat(html)).toBe("an HTML page")
    expect(XlsxParser.detect(html)).toBe(true)
    expect((await failure(XlsxParser, sourceFromBytes("grades.xls", html))).message).toBe(
      "the file is a web page (HTML), not a workbook, although its name ends in .xls: BatchOps does not read HTML tables; open the file in Excel or LibreOffice and save it as .xlsx or CSV",
    )
  })

  it("an .ods without content.xml", async () => {
    const bytes = odsOf([], { content: false })
    expect(detectFormat(bytes)).toBe("ods")
    expect((await failure(XlsxParser, bytes)).message).toBe(
      "the OpenDocument spreadsheet has no content.xml, the part that holds its sheets: the file is damaged; open it in LibreOffice or Excel and save it again, or send the table as CSV",
    )
  })

  it("an encrypted .xls stays refused as password-protected", async () => {
    const workbook = XLSX.utils.book_new()
    XLSX.utils.book_append_sheet(
      workbook,
      XLSX.utils.aoa_to_sheet([
        ["ID", "Score"],
        ["S1", 90],
      ]),
      "Grades",
    )
    const bytes = new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xls" }))
    // BIFF8's FILEPASS record (0x002F) right after the workbook's BOF record marks an encrypted stream
    const stream = Buffer.from(bytes)
    const bof = stream.indexOf(Buffer.from([0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00]))
    expect(bof).toBeGreaterThan(0)
    const filepass = Buffer.from([0x2f, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00])
    const after = bof + 4 + 16
    const patched = Buffer.concat([stream.subarray(0, after), filepass, stream.subarray(after + filepass.length)])
    expect((await failure(XlsxParser, new Uint8Array(patched))).message).toBe(
      "the workbook is password-protected; ask the department for an unprotected copy",
    )
  })

  it("a corrupt row in the middle of a sheet is named, and every other row is kept", async () => {
    const rows = ['<row r="1"><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>Score</t></is></c></row>']
    for (let r = 2; r <= 2001; r++) {
      const score = r === 1000 ? '<c t="s"><v>99999</v></c>' : `<c><v>${r % 100}</v></c>`
      rows.push(`<row r="${r}"><c t="inlineStr"><is><t>S${r}</t></is></c>${score}</row>`)
    }
    const bytes = xlsxOf({ sheets: [{ name: "Grades", rows: rows.join("") }] })
    const result = await collect(XlsxParser, bytes)
    expect(result.records.length).toBe(2001)
    const corrupt = result.records[999]!
    expect([...corrupt]).toEqual(["S1000", null])
    expect(unreadableReason(corrupt)).toBe("the cell in column 2 refers to text the workbook does not hold")
    expect(result.records.filter((record) => unreadableReason(record) !== undefined).length).toBe(1)

    // through the pipeline: published without the row's score, the row named in a warning
    const run = await runPlugin(parsersPlugin, { name: "grades.xlsx", bytes })
    expect(run.result.status).toBe("published")
    expect(run.result.rows).toBe(2000)
    expect(run.result.problems).toContainEqual(
      expect.objectContaining({
        row: 1000,
        rule: "unreadable_row",
        message: "row 1000: the cell in column 2 refers to text the workbook does not hold",
      }),
    )
  })
})

describe("formats from the bytes", () => {
  it("tells .xls and .ods from .xlsx", () => {
    expect(detectFormat(cellsXls())).toBe("xls")
    expect(detectFormat(cellsOds())).toBe("ods")
    expect(detectFormat(cellsXlsx())).toBe("xlsx")
  })
})

describe("streaming", () => {
  it("reads a sheet far larger than the expanded-bytes limit with flat memory, in chunks, naming the one damaged row in its middle", async () => {
    // 400,000 rows, 11 cells each: about 100 MB of sheet XML, against a 16 MB limit on what is held
    const cells = (n: number) =>
      `<c t="s"><v>${n % 3}</v></c><c t="inlineStr"><is><t>José Nguyễn</t></is></c>` +
      `<c><v>87.5</v></c><c s="1"><v>0.953</v></c><c><v>45537</v></c><c><v>61.2</v></c><c><v>70</v></c>` +
      `<c><v>99.9</v></c><c><v>12.25</v></c><c><v>40</v></c><c t="b"><v>1</v></c>`
    const block = Array.from({ length: 1000 }, (_, i) => `<row>${cells(i)}</row>`).join("")
    const copies = 400
    const header = `<row>${Array.from({ length: 11 }, (_, c) => `<c t="inlineStr"><is><t>Column ${c}</t></is></c>`).join("")}</row>`
    // in the middle, row 200,002, one damaged row: its first cell points at shared text that does not exist
    const damaged = `<row>${cells(0).replace("<v>0</v>", "<v>77</v>")}</row>`
    // each piece compressed on its own, ending on a full flush, so the block's compressed bytes can be repeated
    const piece = (text: string) => deflateRawSync(utf8(text), { finishFlush: constants.Z_FULL_FLUSH })
    const compressedBlock = piece(block)
    const halfway = Array.from({ length: copies / 2 }, () => compressedBlock)
    const deflated = Buffer.concat([
      piece(SHEET_HEAD + header),
      ...halfway,
      piece(damaged),
      ...halfway,
      deflateRawSync(utf8(SHEET_TAIL)),
    ])
    const sheetBytes = SHEET_HEAD.length + header.length + block.length * copies + SHEET_TAIL.length
    expect(sheetBytes).toBeGreaterThan(95 * 1024 * 1024)
    const bytes = xlsxOf({
      strings: ["A", "B", "C"],
      formats: ["0.0%"],
      sheets: [{ name: "Big", rows: "" }],
      deflatedSheet: { data: deflated, size: 0 },
    })
    // identical rows compress far more than real ones: the ratio limit is raised for this file
    const parser = makeXlsxParser({ maxExpandedBytes: 16 * 1024 * 1024, maxExpansionRatio: 100_000 })
    collectGarbage()
    const before = process.memoryUsage()
    const parsed = await Effect.runPromise(parser.parse(sourceFromBytes("big.xlsx", bytes)))
    // what stays alive, measured after a full collection every 100 chunks: it must not grow with the rows read
    const retained: Array<number> = []
    let records = 0
    let widest = 0
    let last: ReadonlyArray<unknown> = []
    const unreadable: Array<number> = []
    await Effect.runPromise(
      Stream.runForEach(parsed.records, (chunk) =>
        Effect.sync(() => {
          chunk.forEach((record, i) => {
            if (unreadableReason(record) !== undefined) unreadable.push(records + i + 1)
          })
          records += chunk.length
          widest = Math.max(widest, chunk.length)
          last = chunk[chunk.length - 1]!
          if (records % (100 * 512) < chunk.length) {
            collectGarbage()
            const { heapUsed, external } = process.memoryUsage()
            retained.push(heapUsed + external)
          }
        }),
      ),
    )
    expect(records).toBe(400_002)
    expect(unreadable).toEqual([200_002])
    expect(widest).toBeLessThanOrEqual(512)
    expect([...last]).toEqual([
      "A",
      "José Nguyễn",
      "87.5",
      "95.3",
      "45537",
      "61.2",
      "70",
      "99.9",
      "12.25",
      "40",
      "TRUE",
    ])
    expect(retained.length).toBeGreaterThanOrEqual(7)
    // flat: from the first sample to the last, a few megabytes at most, and never near the sheet's 100 MB
    expect(Math.max(...retained) - retained[0]!).toBeLessThan(16 * 1024 * 1024)
    expect(Math.max(...retained) - (before.heapUsed + before.external)).toBeLessThan(32 * 1024 * 1024)
  })

  it("stops reading when the reader stops, leaving no inflater behind", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `<row><c><v>${i}</v></c><c><v>${i}</v></c></row>`).join("")
    const bytes = xlsxOf({
      sheets: [
        {
          name: "Grades",
          rows: `<row><c t="inlineStr"><is><t>ID</t></is></c><c t="inlineStr"><is><t>N</t></is></c></row>${rows}`,
        },
      ],
    })
    const parsed = await Effect.runPromise(XlsxParser.parse(sourceFromBytes("grades.xlsx", bytes)))
    const first = await Effect.runPromise(Stream.runCollect(Stream.take(parsed.records, 1)))
    expect(first[0]![0]).toEqual(["ID", "N"])
  })
})
