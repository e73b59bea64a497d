import { fromPath, makeXlsxParser, XlsxParser } from "@batchops/parsers"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { measure, workbookBomb } from "../../../test/support/bombs.js"
import { collect, failure, fixtureDirectory, utf8 } from "./helpers.js"

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>
beforeAll(async () => {
  fixtures = await fixtureDirectory()
})
afterAll(() => fixtures.cleanup())

type Sheets = ReadonlyArray<readonly [name: string, rows: ReadonlyArray<ReadonlyArray<unknown>>, hidden?: boolean]>

const workbookBytes = (sheets: Sheets, bookType: XLSX.BookType = "xlsx"): Uint8Array => {
  const workbook = XLSX.utils.book_new()
  for (const [name, rows] of sheets) {
    XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet(rows as Array<Array<unknown>>), name)
  }
  workbook.Workbook = { Sheets: sheets.map(([, , hidden]) => ({ Hidden: hidden ? 1 : 0 })) }
  return new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType }))
}

/** A ZIP built from named parts with SheetJS's container library. */
const zipBytes = (parts: Record<string, string>): Uint8Array => {
  const zip = XLSX.CFB.utils.cfb_new()
  for (const [name, content] of Object.entries(parts)) XLSX.CFB.utils.cfb_add(zip, name, utf8(content))
  return new Uint8Array(XLSX.CFB.write(zip, { fileType: "zip", type: "buffer" }))
}

/** Rewrites one XML part of a workbook (to make files SheetJS itself would not write). */
const patchPart = (bytes: Uint8Array, name: string, edit: (xml: string) => string): Uint8Array => {
  const zip = XLSX.CFB.read(bytes, { type: "array" })
  const entry = zip.FileIndex[zip.FullPaths.findIndex((path: string) => path.endsWith(name))]
  entry.content = utf8(edit(new TextDecoder().decode(entry.content)))
  return new Uint8Array(XLSX.CFB.write(zip, { fileType: "zip", type: "buffer" }))
}

const GRADES: ReadonlyArray<ReadonlyArray<unknown>> = [
  [],
  [],
  ["Student ID", "Name", "Score", "Date"],
  ["STU-2024-0001", "José", 92.5, { t: "n", v: 45352, z: "m/d/yy" }],
  [],
  ["STU-2024-0002", "李华", 7, { t: "n", v: 0.93, z: "0%" }],
]

describe("XlsxParser", () => {
  it("reads the first sheet with data, keeping blank rows above the header, values as displayed", async () => {
    const bytes = workbookBytes([
      ["Empty", []],
      ["Grades", GRADES],
    ])
    const path = await fixtures.write("grades.xlsx", bytes)
    expect(XlsxParser.detect(bytes.subarray(0, 65536))).toBe(true)
    const result = await collect(XlsxParser, await Effect.runPromise(fromPath(path)))
    expect(result.format).toBe("xlsx")
    expect(result.details).toEqual({ sheet: "Grades", sheets: 2 })
    const blank = (record: ReadonlyArray<unknown>) => record.every((cell) => cell === null || cell === "")
    expect(blank(result.records[0]!)).toBe(true)
    expect(blank(result.records[1]!)).toBe(true)
    expect(result.records[2]).toEqual(["Student ID", "Name", "Score", "Date"])
    expect(result.records[3]).toEqual(["STU-2024-0001", "José", "92.5", "3/1/24"])
    expect(blank(result.records[4]!)).toBe(true)
    expect(result.records[5]).toEqual(["STU-2024-0002", "李华", "7", "93%"])
    expect(result.records.length).toBe(6)
  })

  it("reads an OpenDocument spreadsheet", async () => {
    const rows = [
      ["ID", "Score"],
      ["S1", 90],
    ]
    const result = await collect(XlsxParser, workbookBytes([["Grades", rows]], "ods"))
    expect(result.format).toBe("ods")
    expect(result.records).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("starts at A1 when the table starts further right and down", async () => {
    const sheet = XLSX.utils.sheet_add_aoa(
      {},
      [
        ["ID", "Score"],
        ["S1", 90],
      ],
      { origin: "C3" },
    )
    const workbook = XLSX.utils.book_new()
    XLSX.utils.book_append_sheet(workbook, sheet, "Offset")
    const result = await collect(XlsxParser, new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xlsx" })))
    expect(result.records.length).toBe(4)
    expect(result.records[2]).toEqual([null, null, "ID", "Score"])
    expect(result.records[3]).toEqual([null, null, "S1", "90"])
  })

  it("ends at the last cell with data, whatever dimension the file declares", async () => {
    const bytes = patchPart(
      workbookBytes([
        [
          "Grades",
          [
            ["ID", "Score"],
            ["S1", 90],
            ["", "   "],
          ],
        ],
      ]),
      "xl/worksheets/sheet1.xml",
      (xml) => xml.replace(/<dimension ref="[^"]+"\/>/, '<dimension ref="A1:XFD1048576"/>'),
    )
    const result = await collect(XlsxParser, bytes)
    expect(result.records).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("refuses a sheet whose data spans more cells than memory can hold", async () => {
    const bytes = patchPart(workbookBytes([["Sparse", [["ID"], ["S1"]]]]), "xl/worksheets/sheet1.xml", (xml) =>
      xml.replace(
        "</sheetData>",
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>',
      ),
    )
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toBe(
      'the sheet "Sparse" is too large to read: it spans 1,048,576 rows and 16,384 columns; send the table as CSV instead',
    )
  })

  it("refuses a cell billions of rows down at once, without visiting the rows between", async () => {
    const bytes = patchPart(workbookBytes([["Sparse", [["ID"], ["S1"]]]]), "xl/worksheets/sheet1.xml", (xml) =>
      xml.replace(
        "</sheetData>",
        '<row r="4294967295"><c r="B4294967295" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>',
      ),
    )
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toBe(
      'the sheet "Sparse" is too large to read: it spans 4,294,967,295 rows and 2 columns; send the table as CSV instead',
    )
  })

  it("prefers a visible sheet to a hidden one", async () => {
    const bytes = workbookBytes([
      [
        "Lookup",
        [
          ["code", "meaning"],
          ["A", "excellent"],
        ],
        true,
      ],
      [
        "Grades",
        [
          ["ID", "Score"],
          ["S1", 90],
        ],
      ],
    ])
    const result = await collect(XlsxParser, bytes)
    expect(result.details).toEqual({ sheet: "Grades", sheets: 2 })
    expect(result.records).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("shows a formula's saved value and never evaluates it", async () => {
    const sheet = XLSX.utils.aoa_to_sheet([
      ["ID", "Total"],
      ["S1", { t: "n", v: 41, f: "SUM(1,2)" }],
    ])
    const workbook = XLSX.utils.book_new()
    XLSX.utils.book_append_sheet(workbook, sheet, "Totals")
    const result = await collect(XlsxParser, new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xlsx" })))
    expect(result.records[1]).toEqual(["S1", "41"])
  })

  it("emits a large sheet in chunks", async () => {
    const rows: Array<Array<unknown>> = [["ID", "Score"]]
    for (let i = 0; i < 10_000; i++) rows.push([`S${i}`, i % 100])
    const result = await collect(XlsxParser, workbookBytes([["Big", rows]]))
    expect(result.records.length).toBe(10_001)
    expect(result.chunks.length).toBe(3)
    expect(result.records[10_000]).toEqual(["S9999", "99"])
  })

  it("fails clearly on a truncated workbook", async () => {
    const bytes = workbookBytes([["Grades", GRADES]])
    const error = await failure(XlsxParser, bytes.subarray(0, bytes.length >> 1))
    expect(error.parser).toBe("xlsx")
    expect(error.message).toMatch(/^the workbook is damaged or truncated: /)
  })

  it("fails clearly on a workbook whose data is corrupt", async () => {
    const bytes = workbookBytes([["Grades", GRADES]]).slice()
    bytes.fill(0x55, 40, 3000) // inside the first parts, the directory intact
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toMatch(/^the workbook is damaged or truncated: /)
  })

  it("fails when every sheet is empty", async () => {
    const error = await failure(
      XlsxParser,
      workbookBytes([
        ["One", []],
        ["Two", [[null, ""]]],
      ]),
    )
    expect(error.message).toBe("all 2 sheets of the workbook are empty")
  })

  it("fails on a ZIP that is not a workbook, saying what it is", async () => {
    const docx = zipBytes({ "[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>" })
    expect(XlsxParser.detect(docx)).toBe(true)
    expect((await failure(XlsxParser, docx)).message).toBe(
      "the file is a Word document (.docx), not a format BatchOps reads",
    )
    const zip = zipBytes({ "notes.txt": "hello", "photo.jpg": "not really" })
    expect((await failure(XlsxParser, zip)).message).toBe("the file is a ZIP archive, not a format BatchOps reads")
  })

  it("fails on a password-protected workbook", async () => {
    // An encrypted XLSX is an OLE2 container holding EncryptionInfo and EncryptedPackage streams.
    const container = XLSX.CFB.utils.cfb_new()
    XLSX.CFB.utils.cfb_add(container, "/EncryptionInfo", new Uint8Array(256).fill(4))
    XLSX.CFB.utils.cfb_add(container, "/EncryptedPackage", new Uint8Array(8192).fill(7))
    const bytes = new Uint8Array(XLSX.CFB.write(container, { type: "buffer" }))
    expect(XlsxParser.detect(bytes)).toBe(true)
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toBe("the workbook is password-protected; ask the department for an unprotected copy")
  })

  it("fails on a legacy .xls workbook, asking for .xlsx or CSV", async () => {
    const error = await failure(XlsxParser, workbookBytes([["Grades", GRADES]], "xls"))
    expect(error.message).toBe(
      "the file is a legacy Excel 97-2003 .xls workbook, not a format BatchOps reads; " +
        "ask the department to save it as .xlsx or CSV",
    )
  })

  it("refuses a workbook whose directory declares more than the expansion limit, before inflating it", async () => {
    const bytes = workbookBytes([["Grades", GRADES]]).slice()
    const view = new DataView(bytes.buffer)
    for (let at = 0; at + 46 < bytes.length; at++) {
      // Central directory entries: claim each part expands to 3 GB.
      if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 3_000_000_000, true)
    }
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toBe(
      "the workbook expands to more than 512 MB: its directory says 28,610 MB " +
        "(resource limit BATCHOPS_MAX_EXPANDED_MB); send the table as CSV instead",
    )
  })

  it.each([0, 4096])(
    "stops a sheet that declares %i bytes but inflates to 1 GiB: a resource limit within 2 s and 128 MB",
    async (declaredSize) => {
      const bomb = workbookBomb({ declaredSize })
      expect(bomb.length).toBeLessThan(1.5 * 1024 * 1024)
      const { result: error, ms, peakGrowth } = await measure(() => failure(XlsxParser, bomb))
      expect(error.message).toBe(
        "the workbook's part xl/worksheets/sheet1.xml expands more than 200 times its compressed size, " +
          "as a compression bomb does (resource limit BATCHOPS_MAX_EXPANSION_RATIO)",
      )
      expect(ms).toBeLessThan(2000)
      expect(peakGrowth).toBeLessThan(128 * 1024 * 1024)
    },
  )

  it("counts what the parts really expand to, together, against the expansion limit", async () => {
    // Two sheets of 12 MB each, declaring no size: each alone is within 16 MB, both are not.
    const parser = makeXlsxParser({ maxExpandedBytes: 16 * 1024 * 1024, maxExpansionRatio: 10_000 })
    const error = await failure(parser, workbookBomb({ sheetBytes: 12 * 1024 * 1024, sheets: 2 }))
    expect(error.message).toBe(
      "the workbook expands to more than 16 MB (resource limit BATCHOPS_MAX_EXPANDED_MB); send the table as CSV instead",
    )
    const within = makeXlsxParser({ maxExpandedBytes: 16 * 1024 * 1024, maxExpansionRatio: 10_000 })
    const result = await collect(within, workbookBomb({ sheetBytes: 2 * 1024 * 1024 }))
    expect(result.records[0]![0]).toMatch(/^A{1000}/)
  })

  it("refuses a workbook of more parts than the limit", async () => {
    const parser = makeXlsxParser({ maxZipEntries: 5 })
    const error = await failure(parser, workbookBytes([["Grades", GRADES]]))
    expect(error.message).toMatch(
      /^the workbook has \d+ parts, more than 5 \(resource limit BATCHOPS_MAX_ZIP_ENTRIES\)$/,
    )
  })

  it("cannot be made to pollute Object.prototype", async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    const hostile = ["__proto__", "constructor", "prototype"]
    const workbook = XLSX.utils.book_new()
    for (const name of hostile) {
      const sheet = XLSX.utils.aoa_to_sheet([hostile, ["polluted", "yes", "{}"], hostile])
      XLSX.utils.book_append_sheet(workbook, sheet, name)
    }
    // Own "__proto__" keys in the properties and names the workbook writes.
    workbook.Props = JSON.parse('{"__proto__": {"polluted": "yes"}, "Title": "__proto__"}')
    workbook.Custprops = JSON.parse('{"__proto__": "yes", "constructor": "yes", "prototype": "yes"}')
    workbook.Workbook = { Names: hostile.map((name) => ({ Name: `${name}_name`, Ref: "constructor!$A$1" })) }
    const bytes = new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xlsx" }))

    const result = await collect(XlsxParser, bytes)
    expect(result.records[0]).toEqual(hostile)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
    expect(Object.getPrototypeOf({})).toBe(Object.prototype)
  })
})
