import {
  BOM,
  csvLine,
  formatNumber,
  isPlainNumber,
  quoteField,
  rejectedRowsCsv,
  safeCell,
  summaryCsv,
} from "@batchops/reports"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { gradebookSummary, problem } from "./fixtures.js"

describe("summaryCsv", () => {
  it("writes the exact bytes: BOM, header, CRLF, 6-decimal rounding, empty undefined statistics", () => {
    const text = summaryCsv(gradebookSummary)
    expect(text).toBe(
      "\uFEFFcolumn,count,missing,mean,std,min,p25,median,p75,max\r\n" +
        "score,3,0,87.5,2.12132,85,86.25,87.5,88.75,90\r\n" +
        "absences,1,2,3,,3,3,3,3,3\r\n",
    )
    const bytes = Buffer.from(text, "utf8")
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
  })

  it("writes a header alone for a summary without numeric columns", () => {
    expect(summaryCsv({ rows: 0, columns: 2, numeric: [] })).toBe(
      `${BOM}column,count,missing,mean,std,min,p25,median,p75,max\r\n`,
    )
  })

  it("makes column names formula-safe and quotes them", () => {
    const text = summaryCsv({
      rows: 1,
      columns: 2,
      numeric: [{ ...gradebookSummary.numeric[0]!, column: "=score, final" }],
    })
    expect(text.split("\r\n")[1]).toBe(`"'=score, final",3,0,87.5,2.12132,85,86.25,87.5,88.75,90`)
  })
})

describe("formatNumber", () => {
  it.each([
    [87.5, "87.5"],
    [3, "3"],
    [3.0000001, "3"],
    [-0, "0"],
    [-0.0000001, "0"],
    [0.1 + 0.2, "0.3"],
    [2 / 3, "0.666667"],
    [-2 / 3, "-0.666667"],
    [1234567.5, "1234567.5"],
    [1e21, "1000000000000000000000"],
    [-1.5e22, "-15000000000000000000000"],
    [0.000001, "0.000001"],
    [0.0000015, "0.000002"],
    [1e-7, "0"],
    [123456789012345.67, "123456789012345.67"],
    [Number.NaN, ""],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
    // below 1e21 toFixed writes the double's exact digits: the shortest text that reads back is kept
    [123456789012345680000, "123456789012345680000"],
    [-123456789012345680000, "-123456789012345680000"],
    [0.1000004, "0.1"],
    // where a double's spacing nears 1e-6, the shortest text with 5 or 6 decimals is not toFixed's
    [12345678901.80339, "12345678901.80339"],
    [12345678901.914062, "12345678901.914062"],
  ])("formats %s as %s", (n, expected) => {
    expect(formatNumber(n)).toBe(expected)
  })

  const ordinary = fc.oneof(
    fc.constant(0),
    fc.double({ min: 1e-6, max: 1e15, noNaN: true }),
    fc.double({ min: -1e15, max: -1e-6, noNaN: true }),
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
  )

  it("never writes separators or exponents for ordinary magnitudes", () => {
    fc.assert(
      fc.property(ordinary, (n) => {
        const text = formatNumber(n)
        expect(text).not.toMatch(/[,eE]/)
        expect(text).toMatch(/^-?\d+(\.\d{1,6})?$/)
        expect(text).not.toMatch(/\.\d*0$/)
      }),
      { numRuns: 2000 },
    )
  })

  it("reads back within 1e-6", () => {
    fc.assert(
      fc.property(ordinary, (n) => {
        expect(Math.abs(Number(formatNumber(n)) - n)).toBeLessThanOrEqual(1e-6)
      }),
      { numRuns: 2000 },
    )
  })

  it("writes integers exactly", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(formatNumber(n)).toBe(String(n === 0 ? 0 : n))
      }),
    )
  })
})

describe("safeCell", () => {
  it.each(["=SUM(A1)", "+1", "-x", "@cmd", "\tx", "\rx", "+", "-", "=", "@", "--1", "-1-2", "+3.5"])(
    "prefixes %j with a quote",
    (cell) => {
      expect(safeCell(cell)).toBe(`'${cell}`)
    },
  )

  it.each([
    ["-3.5", "-3.5"],
    ["-3", "-3"],
    ["-.5", "-.5"],
    ["-1e5", "-1e5"],
    ["plain", "plain"],
    ["a=b", "a=b"],
    [" =1", " =1"],
    ["", ""],
  ])("keeps %j as %j", (cell, expected) => {
    expect(safeCell(cell)).toBe(expected)
  })

  it("writes numbers plainly, negative ones without a quote", () => {
    expect(safeCell(-3.5)).toBe("-3.5")
    expect(safeCell(1 / 3)).toBe("0.333333")
    expect(safeCell(undefined)).toBe("")
  })
})

describe("csvLine", () => {
  it("quotes fields with commas, quotes, CR or LF and doubles inner quotes", () => {
    expect(csvLine(["a,b", 'say "hi"', "line\nbreak", "cr\rhere", "plain", 42, undefined])).toBe(
      `"a,b","say ""hi""","line\nbreak","cr\rhere",plain,42,\r\n`,
    )
  })

  it("quotes after making a cell safe", () => {
    expect(csvLine(['=HYPERLINK("x","y")', "\rx"])).toBe(`"'=HYPERLINK(""x"",""y"")","'\rx"\r\n`)
  })

  it("keeps quoteField's output readable by an RFC 4180 reader", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const quoted = quoteField(text)
        const unquoted = quoted.startsWith('"') ? quoted.slice(1, -1).replaceAll('""', '"') : quoted
        expect(unquoted).toBe(text)
        if (!quoted.startsWith('"')) expect(quoted).not.toMatch(/[",\r\n]/)
      }),
    )
  })
})

describe("isPlainNumber", () => {
  it.each(["42", "-3.5", "3.25", "5.", ".55", "-.5", "1e10", "1E+10", "2.5e-10", "12e345"])(
    "%s is a plain number",
    (text) => {
      expect(isPlainNumber(text)).toBe(true)
    },
  )

  it.each(["+3", "", "-", ".", "e5", "1e", "1e+", "3.2.1", "1,5", "--3", " 3", "0x1F", "Infinity"])(
    "%j is not",
    (text) => {
      expect(isPlainNumber(text)).toBe(false)
    },
  )
})

describe("a missing cell", () => {
  it("is written empty, whether undefined or null", () => {
    expect(safeCell(undefined)).toBe("")
    expect(safeCell(null)).toBe("")
    expect(csvLine(["a", undefined, null, 0])).toBe("a,,,0\r\n")
  })
})

describe("rejectedRowsCsv", () => {
  it("keeps the problems of one row in the order given, however many", () => {
    const messages = ["first", "second", "third", "fourth", "fifth", "sixth"]
    const text = rejectedRowsCsv([
      problem({ row: 3, message: "later row" }),
      ...messages.map((message) => problem({ row: 2, message })),
      problem({ row: 1, message: "earlier row" }),
    ])
    expect(text.split("\r\n").map((line) => line.split(",")[4])).toEqual([
      "message",
      "earlier row",
      ...messages,
      "later row",
      undefined,
    ])
  })

  it("lists problems with a row, sorted by row then as given, formula-safe", () => {
    const text = rejectedRowsCsv([
      problem({ row: 9, column: "score", value: "abc" }),
      problem({ rule: "missing_key", message: "the file has no student_id column" }),
      problem({ row: 4, column: "score", value: "=1+1", message: "'=1+1' is not a number" }),
      problem({ row: 4, column: "name", value: "", rule: "required", message: 'name is missing, "required"' }),
      problem({ row: 7, column: "absences", value: "-2", rule: "range", message: "-2 is below 0", plugin: "district" }),
    ])
    expect(text).toBe(
      BOM +
        "row,column,value,rule,message,stage,plugin\r\n" +
        "4,score,'=1+1,numeric,'=1+1' is not a number,validate_data,batchops\r\n" +
        '4,name,,required,"name is missing, ""required""",validate_data,batchops\r\n' +
        "7,absences,-2,range,'-2 is below 0,validate_data,district\r\n" +
        "9,score,abc,numeric,'abc' is not a number,validate_data,batchops\r\n",
    )
  })
})
