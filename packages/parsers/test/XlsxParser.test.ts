import { fromPath, makeXlsxParser, XlsxParser } from "@batchops/parsers"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { measure, repeatedDeflate, workbookBomb } from "../../../test/support/bombs.js"
import { entryData, readZipDirectory } from "../src/ZipDirectory.js"
import { collect, failure, fixtureDirectory, utf8 } from "./helpers.js"
import { SHEET_HEAD, SHEET_TAIL, xlsxOf } from "./workbookFixtures.js"

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
  it("reads the first sheet with a table, keeping blank rows above the header; dates in ISO, percentages as shown", async () => {
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
    expect(result.records[3]).toEqual(["STU-2024-0001", "José", "92.5", "2024-03-01"])
    expect(blank(result.records[4]!)).toBe(true)
    expect(result.records[5]).toEqual(["STU-2024-0002", "李华", "7", "93"])
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

  it("reads the rows there are, whatever dimension the file declares", async () => {
    const bytes = patchPart(
      workbookBytes([
        [
          "Grades",
          [
            ["ID", "Score"],
            ["S1", 90],
          ],
        ],
      ]),
      "xl/worksheets/sheet1.xml",
      (xml) => xml.replace(/<dimension ref="[^"]+"\/>/, '<dimension ref="A1:XFD1048576"/>'),
    )
    const result = await collect(XlsxParser, bytes)
    expect(result.records.map((record) => [...record])).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
    ])
  })

  it("streams a cell as far away as XFD1048576 without building the sheet: blank records up to it", async () => {
    const bytes = patchPart(
      workbookBytes([
        [
          "Sparse",
          [
            ["ID", "Score"],
            ["S1", 90],
          ],
        ],
      ]),
      "xl/worksheets/sheet1.xml",
      (xml) =>
        xml.replace(
          "</sheetData>",
          '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>',
        ),
    )
    const result = await collect(XlsxParser, bytes)
    expect(result.records.length).toBe(1_048_576)
    expect(result.records[1_000_000]).toEqual([])
    const last = result.records.at(-1)!
    expect(last.length).toBe(16_384)
    expect(last[16_383]).toBe("far away")
  })

  it("reads a cell billions of rows down at once, without visiting the rows between", async () => {
    const bytes = patchPart(
      workbookBytes([
        [
          "Sparse",
          [
            ["ID", "Score"],
            ["S1", "90"],
          ],
        ],
      ]),
      "xl/worksheets/sheet1.xml",
      (xml) =>
        xml.replace(
          "</sheetData>",
          '<row r="4294967295"><c r="B4294967295" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>',
        ),
    )
    // the rows present are read as they stream; the empty ones between are never visited
    const result = await collect(XlsxParser, bytes)
    expect(result.records.map((record) => [...record])).toEqual([
      ["ID", "Score"],
      ["S1", "90"],
      [null, "far away"],
    ])
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
    expect(result.chunks.length).toBe(20)
    expect(Math.max(...result.chunks.map((chunk) => chunk.length))).toBe(512)
    expect(result.records[10_000]).toEqual(["S9999", "99"])
  })

  it("fails clearly on a truncated workbook", async () => {
    const bytes = workbookBytes([["Grades", GRADES]])
    const error = await failure(XlsxParser, bytes.subarray(0, bytes.length >> 1))
    expect(error.parser).toBe("xlsx")
    expect(error.message).toMatch(/^the workbook is damaged or truncated: /)
  })

  it("fails clearly on a workbook whose sheet data is corrupt", async () => {
    const bytes = xlsxOf({ sheets: [{ name: "Grades", rows: "<row><c><v>1</v></c><c><v>2</v></c></row>" }] })
    const directory = readZipDirectory(bytes)
    if (!directory.ok) throw new Error(directory.problem)
    const sheet = directory.entries.find((entry) => entry.name === "xl/worksheets/sheet1.xml")!
    const data = entryData(bytes, sheet) as Uint8Array
    data.fill(0xff, 0, data.length) // the sheet's deflated data, the directory intact
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toMatch(
      /^the workbook is damaged or truncated: its part xl\/worksheets\/sheet1\.xml cannot be inflated: /,
    )
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

  it("reads a binary .xlsb workbook whole, with the same cell rules", async () => {
    const result = await collect(XlsxParser, workbookBytes([["Grades", GRADES]], "xlsb"))
    expect(result.format).toBe("xlsx")
    expect(result.records.filter((record) => record.some((cell) => cell !== null))).toEqual([
      ["Student ID", "Name", "Score", "Date"],
      ["STU-2024-0001", "José", "92.5", "2024-03-01"],
      ["STU-2024-0002", "李华", "7", "93"],
    ])
  })

  it("reads a legacy .xls workbook", async () => {
    const result = await collect(XlsxParser, workbookBytes([["Grades", GRADES]], "xls"))
    expect(result.format).toBe("xls")
    expect(result.records.filter((record) => record.some((cell) => cell !== null))).toEqual([
      ["Student ID", "Name", "Score", "Date"],
      ["STU-2024-0001", "José", "92.5", "2024-03-01"],
      ["STU-2024-0002", "李华", "7", "93"],
    ])
  })

  it("refuses a workbook whose held parts declare more than the expansion limit, before inflating them", async () => {
    const bytes = workbookBytes([["Grades", GRADES]]).slice()
    const view = new DataView(bytes.buffer)
    for (let at = 0; at + 46 < bytes.length; at++) {
      // Central directory entries: claim each part expands to 3 GB.
      if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 3_000_000_000, true)
    }
    const error = await failure(XlsxParser, bytes)
    expect(error.message).toBe(
      "the workbook's shared text, styles and lists expand to more than 512 MB: its directory says 25,749 MB " +
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

  it("counts what the held parts really expand to against the expansion limit; a sheet streams past it", async () => {
    // shared strings of 12 MB, declaring no size: more than a 8 MB limit on what is held
    const strings = Array.from({ length: 120_000 }, (_, i) => `student name number ${i} ${"x".repeat(64)}`)
    const limited = makeXlsxParser({ maxExpandedBytes: 8 * 1024 * 1024, maxExpansionRatio: 10_000 })
    const bytes = xlsxOf({
      strings,
      sheets: [{ name: "Grades", rows: '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>' }],
    })
    const view = new DataView(bytes.buffer)
    for (let at = 0; at + 46 < bytes.length; at++) {
      // central directory entries: declare no size, so only counting what comes out can refuse it
      if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 0, true)
    }
    const error = await failure(limited, bytes)
    expect(error.message).toBe(
      "the workbook's shared text, styles and lists expand to more than 8 MB (resource limit BATCHOPS_MAX_EXPANDED_MB); send the table as CSV instead",
    )
    // a sheet of 24 MB streams within a 16 MB limit: the limit bounds what is held, not what streams
    const row = `<row><c t="inlineStr"><is><t>${"A".repeat(1000)}</t></is></c><c><v>1</v></c></row>`
    const sheet = repeatedDeflate(SHEET_HEAD, row, 24 * 1024, SHEET_TAIL)
    const within = makeXlsxParser({ maxExpandedBytes: 16 * 1024 * 1024, maxExpansionRatio: 10_000 })
    const result = await collect(
      within,
      xlsxOf({ sheets: [{ name: "Long", rows: "" }], deflatedSheet: { data: sheet, size: 0 } }),
    )
    expect(result.records.length).toBe(24 * 1024)
    expect(result.records[0]![0]).toMatch(/^A{1000}$/)
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
