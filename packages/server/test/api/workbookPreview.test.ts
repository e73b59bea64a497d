/**
 * Workbooks through the API: a legacy .xls and an OpenDocument .ods are taken by the preview
 * route, which shows their format and their dates as they will be published (ISO 8601, never
 * the display text of the locale that saved them).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { odsOf } from "../../../parsers/test/workbookFixtures.js"
import { startApi, type TestApi } from "./harness.js"

const form = (fileName: string, content: Uint8Array) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  body.set("profile", "gradebook")
  return body
}

const cell = (type: string, attributes: string, shown: string) =>
  `<table:table-cell office:value-type="${type}" ${attributes}><text:p>${shown}</text:p></table:table-cell>`

describe("workbooks in the preview", () => {
  let api: TestApi
  let user: string

  beforeAll(async () => {
    api = await startApi("pglite")
    user = (await api.account("user")).token
  }, 60_000)
  afterAll(() => api?.close())

  it("previews a legacy .xls: a title row above the header, ISO dates, percentages as shown", async () => {
    const workbook = XLSX.utils.book_new()
    const sheet = XLSX.utils.aoa_to_sheet([
      ["Student ID", "Score", "Attendance", "Date"],
      ["S001", 91, { t: "n", v: 0.955, z: "0.0%" }, { t: "n", v: 45537, z: "m/d/yy" }],
    ])
    XLSX.utils.book_append_sheet(workbook, sheet, "Grades")
    const bytes = new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xls" }))
    const reply = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("marks.xls", bytes),
    })
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json.format).toBe("xls")
    expect(reply.json.headers).toEqual(["Student ID", "Score", "Attendance", "Date"])
    expect(reply.json.rows[0]).toEqual({ row: 2, cells: ["S001", 91, 95.5, "2024-09-02"] })
    expect(reply.json.ready).toBe(true)
  })

  it("previews an .ods with its dates as they will be published", async () => {
    const row = (...cells: ReadonlyArray<string>) => `<table:table-row>${cells.join("")}</table:table-row>`
    const bytes = odsOf([
      {
        name: "Grades",
        rows:
          row(cell("string", "", "Student ID"), cell("string", "", "Score"), cell("string", "", "Date")) +
          row(
            cell("string", "", "S001"),
            cell("float", 'office:value="88.5"', "88,5"),
            cell("date", 'office:date-value="2024-09-02"', "02/09/2024"),
          ),
      },
    ])
    const reply = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("marks.ods", bytes),
    })
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json.format).toBe("ods")
    expect(reply.json.rows[0]).toEqual({ row: 2, cells: ["S001", 88.5, "2024-09-02"] })
  })
})
