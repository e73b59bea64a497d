/**
 * The preview says how a file will be read, over HTTP: title rows skipped above the header,
 * the decimal mark of a `;`-delimited file, names in NFC, and non-score marks read as missing,
 * as the worker will publish them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startApi, type TestApi } from "./harness.js"

const form = (fileName: string, content: string) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  body.set("profile", "gradebook")
  return body
}

describe("the preview of a file as a school system exports it", () => {
  let api: TestApi
  let user: string

  beforeAll(async () => {
    api = await startApi("pglite")
    user = (await api.account("user")).token
  }, 60_000)
  afterAll(() => api?.close())

  const preview = async (fileName: string, content: string) => {
    const reply = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form(fileName, content),
    })
    expect(reply.status, reply.text).toBe(200)
    return reply.json
  }

  it("shows the title rows skipped and the decimal comma chosen, with the numbers as they will be read", async () => {
    const json = await preview(
      "notes.csv",
      [
        "Grade 10 - Term 1 results;;",
        "Exported 2024-09-02;;",
        "Student ID;Name;Score",
        "S001;Jose\u0301\u00a0Pe\u0301rez;87,5",
        "S002;Ana\u200b;1.234,50",
        "S003;Li;ABS",
        "",
      ].join("\r\n"),
    )
    expect(json.reading).toEqual({ title_rows: 2, decimal_mark: "," })
    expect(json.headers).toEqual(["Student ID", "Name", "Score"])
    expect(json.rows).toEqual([
      { row: 2, cells: ["S001", "José Pérez", 87.5] },
      { row: 3, cells: ["S002", "Ana", 1234.5] },
      { row: 4, cells: ["S003", "Li", null] },
    ])
    expect(json.columns).toContainEqual({ name: "score", type: "number" })
    expect(json.problems).toEqual([])
    expect(json.ready).toBe(true)
  })

  it("a comma-separated file reads numbers with a decimal point and skips no title", async () => {
    const json = await preview("marks.csv", "Student ID,Score\nS001,87.5\nS002,90\n")
    expect(json.reading).toEqual({ title_rows: 0, decimal_mark: "." })
    expect(json.rows[0]).toEqual({ row: 2, cells: ["S001", 87.5] })
  })
})
