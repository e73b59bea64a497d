import { describe, expect, it } from "vitest"
import {
  chooseTable,
  csvLinks,
  declaredHtmlCharset,
  decodeHtmlEntities,
  type HtmlTable,
  keyRecords,
  MAX_COLUMNS,
  parseHtmlPage,
  resolveUrlSettings,
  sourceSettingsProblem,
  tableToCsv,
} from "../src/index.js"

const only = (html: string): HtmlTable => {
  const { tables } = parseHtmlPage(html)
  expect(tables).toHaveLength(1)
  return tables[0]!
}

describe("decodeHtmlEntities", () => {
  it("decodes named, decimal and hex references, and Windows-1252 numbers as browsers do", () => {
    expect(decodeHtmlEntities("Fish &amp; Chips &lt;b&gt; &quot;x&quot; &#39;y&#39;")).toBe(`Fish & Chips <b> "x" 'y'`)
    expect(decodeHtmlEntities("Caf&eacute; &#233; &#xE9; &#XE9;")).toBe("Café é é é")
    expect(decodeHtmlEntities("&#150; &#x80;")).toBe("\u2013 €")
    expect(decodeHtmlEntities("a&nbsp;b")).toBe("a\u00a0b")
  })

  it("leaves unknown names and bare ampersands as written; legacy names work without the semicolon", () => {
    expect(decodeHtmlEntities("R&D &unknown; &")).toBe("R&D &unknown; &")
    expect(decodeHtmlEntities("Smith &amp Sons")).toBe("Smith & Sons")
    expect(decodeHtmlEntities("&eacute")).toBe("&eacute")
    expect(decodeHtmlEntities("&#0; &#xD800; &#x110000;")).toBe("\ufffd \ufffd \ufffd")
  })
})

describe("parseHtmlPage: tables", () => {
  it("reads a header of <th> cells and data rows, entities decoded and whitespace collapsed", () => {
    const table = only(`
      <TABLE id="grades"><caption> Term   grades </caption>
        <tr><th>Student ID</th><th>Name</th><th>Grade</th></tr>
        <tr><td>S1</td><td>  Ana &amp;
             Bo </td><td>A</td></tr>
        <tr><td>S2</td><td>Caf&eacute;</td><td>B&nbsp;+</td></tr>
      </TABLE>`)
    expect(table).toEqual({
      index: 0,
      id: "grades",
      caption: "Term grades",
      columns: ["Student ID", "Name", "Grade"],
      rows: [
        ["S1", "Ana & Bo", "A"],
        ["S2", "Café", "B +"],
      ],
      hasNestedTable: false,
    })
  })

  it("takes the first row as the header when there is no <th>, and copes with implied end tags", () => {
    const table = only("<table><tr><td>code<td>title<tr><td>M1<td>Algebra<tr><td>M2<td>Geometry</table>")
    expect(table.columns).toEqual(["code", "title"])
    expect(table.rows).toEqual([
      ["M1", "Algebra"],
      ["M2", "Geometry"],
    ])
  })

  it("gathers text from nested tags, separates words at <br> and blocks, and skips scripts, styles and comments", () => {
    const table = only(`<table>
      <thead><tr><th><b>Na</b>me</th><th>Notes<!-- <td>hidden</td> --></th></tr></thead>
      <tbody><tr><td><a href="/s/1"><span>Jane</span></a> <i>Doe</i></td>
        <td>line one<br>line two<script>document.write("<td>x</td>")</script><style>td{color:red}</style><p>para</p></td></tr></tbody>
    </table>`)
    expect(table.columns).toEqual(["Name", "Notes"])
    expect(table.rows).toEqual([["Jane Doe", "line one line two para"]])
  })

  it("joins several header rows per column and repeats colspan in the header but not in the data", () => {
    const table = only(`<table>
      <thead>
        <tr><th rowspan="2">Student</th><th colspan="2">Term 1</th></tr>
        <tr><th>Score</th><th>Grade</th></tr>
      </thead>
      <tr><td>Ana</td><td>91</td><td>A</td></tr>
      <tr><td colspan="2">Bo (absent)</td><td>-</td></tr>
    </table>`)
    expect(table.columns).toEqual(["Student", "Term 1 Score", "Term 1 Grade"])
    expect(table.rows).toEqual([
      ["Ana", "91", "A"],
      ["Bo (absent)", "", "-"],
    ])
  })

  it("carries a rowspan down into the rows it covers", () => {
    const table = only(`<table>
      <tr><th>Class</th><th>Student</th></tr>
      <tr><td rowspan="2">7A</td><td>Ana</td></tr>
      <tr><td>Bo</td></tr>
      <tr><td>7B</td><td>Cy</td></tr>
    </table>`)
    expect(table.rows).toEqual([
      ["7A", "Ana"],
      ["7A", "Bo"],
      ["7B", "Cy"],
    ])
  })

  it("names empty and repeated headers, pads short rows and widens for long ones", () => {
    const table = only(`<table>
      <tr><th>Name</th><th></th><th>name</th></tr>
      <tr><td>a</td></tr>
      <tr><td>b</td><td>c</td><td>d</td><td>e</td></tr>
    </table>`)
    expect(table.columns).toEqual(["Name", "column_2", "name_2", "column_4"])
    expect(table.rows).toEqual([
      ["a", "", "", ""],
      ["b", "c", "d", "e"],
    ])
  })

  it("leaves out the footer, empty rows and a header repeated down the table", () => {
    const table = only(`<table>
      <tfoot><tr><td>Total</td><td>3</td></tr></tfoot>
      <tr><th>Item</th><th>Qty</th></tr>
      <tr><td>Pens</td><td>1</td></tr>
      <tr><td> </td><td></td></tr>
      <tr><th>Item</th><th>Qty</th></tr>
      <tr><td>Ink</td><td>2</td></tr>
    </table>`)
    expect(table.columns).toEqual(["Item", "Qty"])
    expect(table.rows).toEqual([
      ["Pens", "1"],
      ["Ink", "2"],
    ])
  })

  it("keeps a table inside a cell as a table of its own, in document order", () => {
    const { tables } = parseHtmlPage(`
      <table id="layout"><tr><td>Menu</td><td>
        <table id="data"><tr><th>K</th></tr><tr><td>v</td></tr></table>
      </td></tr></table>
      <table id="third"><tr><td>x</td></tr></table>`)
    expect(tables.map((table) => [table.index, table.id, table.hasNestedTable])).toEqual([
      [0, "layout", true],
      [1, "data", false],
      [2, "third", false],
    ])
    expect(tables[0]!.columns).toEqual(["Menu", "column_2"])
    expect(tables[1]!.rows).toEqual([["v"]])
  })

  it("reads <noscript> (a scraper runs no scripts) but not <title> or <textarea> contents", () => {
    const { tables } =
      parseHtmlPage(`<title>a <table> here</title><textarea><table><tr><td>x</td></tr></table></textarea>
      <noscript><table><tr><th>K</th></tr><tr><td>v</td></tr></table></noscript>`)
    expect(tables).toHaveLength(1)
    expect(tables[0]!.rows).toEqual([["v"]])
  })

  it("keeps at most MAX_COLUMNS columns, however wide the spans", () => {
    const wide = "<td colspan=1000>x</td>".repeat(50)
    const table = only(`<table><tr><th>A</th></tr><tr>${wide}</tr></table>`)
    expect(table.columns).toHaveLength(MAX_COLUMNS)
    expect(table.rows[0]![0]).toBe("x")
  })

  it("finishes the tables of a page cut off in the middle", () => {
    const table = only("<table><tr><th>A</th></tr><tr><td>1</td></tr><tr><td>2")
    expect(table.rows).toEqual([["1"], ["2"]])
  })

  it("does not mistake text with < for a tag, and reads unquoted and single-quoted attributes", () => {
    const table = only(`<table id=t1><tr><th class='x'>a < b</th></tr><tr><td>1 <2</td></tr></table>`)
    expect(table.id).toBe("t1")
    expect(table.columns).toEqual(["a < b"])
    expect(table.rows).toEqual([["1 <2"]])
  })
})

describe("chooseTable", () => {
  const { tables } = parseHtmlPage(`
    <table id="nav"><tr><td><table><tr><td>inner</td></tr></table></td></tr></table>
    <table><caption>Empty</caption><tr><th>A</th></tr></table>
    <table id="Loans"><caption>Library loans (term 1)</caption><tr><th>Item</th></tr><tr><td>Book</td></tr></table>`)

  it("defaults to the first table with data rows and no table inside", () => {
    expect(chooseTable(tables, undefined)).toMatchObject({ id: "Loans" })
  })

  it("picks by position, by id (case ignored, # allowed) or by a word of the caption", () => {
    expect(chooseTable(tables, 2)).toMatchObject({ index: 2, caption: "Empty" })
    expect(chooseTable(tables, "#loans")).toMatchObject({ index: 3 })
    expect(chooseTable(tables, "LIBRARY")).toMatchObject({ index: 3 })
  })

  it("says why no table fits", () => {
    expect(chooseTable(tables, 9)).toBe("the page has 4 tables, so there is no table 9 (tables count from 0)")
    expect(chooseTable(tables, "grades")).toBe(
      'no table has the id or a caption with "grades" (the page has table 0 (#nav), table 1, table 2 ("Empty"), ' +
        'table 3 (#Loans, "Library loans (term 1)"))',
    )
    expect(chooseTable([], undefined)).toBe("the page has no table")
    expect(chooseTable(parseHtmlPage("<table><tr><th>A</th></tr></table>").tables, undefined)).toBe(
      "none of the page's 1 tables has data rows",
    )
  })
})

describe("csvLinks", () => {
  const page = parseHtmlPage(`<html><head></head><body>
    <a href="mailto:office@school.test">mail</a>
    <a href="javascript:void(0)">x.csv</a>
    <a href="report.pdf">PDF</a>
    <a href="exports/loans.csv?term=1#top">Loans (CSV)</a>
    <a href="/files/grades.CSV">Grades</a>
    <a href="download?id=7" type="text/csv">Attendance</a>
    <a href="exports/loans.csv?term=1">again</a>
  </body></html>`)

  it("resolves relative links against the page, keeps only http(s) CSV links, in page order, once each", () => {
    expect(csvLinks(page, "http://school.test/dept/index.html").map(String)).toEqual([
      "http://school.test/dept/exports/loans.csv?term=1",
      "http://school.test/files/grades.CSV",
      "http://school.test/dept/download?id=7",
    ])
  })

  it("chooses by the link's text or address, and honours <base href>", () => {
    expect(csvLinks(page, "http://school.test/dept/", "grades").map(String)).toEqual([
      "http://school.test/files/grades.CSV",
    ])
    expect(csvLinks(page, "http://school.test/dept/", "ATTENDANCE").map(String)).toEqual([
      "http://school.test/dept/download?id=7",
    ])
    const based = parseHtmlPage(`<base href="https://files.school.test/x/"><a href="a.csv">a</a>`)
    expect(csvLinks(based, "http://school.test/").map(String)).toEqual(["https://files.school.test/x/a.csv"])
  })
})

describe("declaredHtmlCharset", () => {
  it("reads <meta charset> and the http-equiv form", () => {
    expect(declaredHtmlCharset(`<head><meta charset="Windows-1252"></head>`)).toBe("windows-1252")
    expect(declaredHtmlCharset(`<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">`)).toBe(
      "iso-8859-1",
    )
    expect(declaredHtmlCharset(`<meta name="viewport" content="width=device-width">`)).toBeUndefined()
  })
})

describe("keyRecords", () => {
  const digest = (text: string) => `d${text.length}`
  const columns = ["ID", "Name"]

  it("keys by the first column when its values are all there and all different", () => {
    expect(
      keyRecords(
        columns,
        [
          ["1", "Ana"],
          ["", ""],
          ["2", "Bo"],
        ],
        { kind: "row", digest },
      ),
    ).toEqual({
      records: [
        { kind: "row", key: "1", payload: { ID: "1", Name: "Ana" } },
        { kind: "row", key: "2", payload: { ID: "2", Name: "Bo" } },
      ],
      keyColumn: "ID",
      skipped: 1,
    })
  })

  it("keys by the named column (case ignored), with the recorded time given", () => {
    const keyed = keyRecords(columns, [["1", "Ana"]], {
      kind: "student",
      keyColumn: " name ",
      digest,
      recordedAt: "2026-01-01T00:00:00.000Z",
    })
    expect(keyed).toEqual({
      records: [
        { kind: "student", key: "Ana", payload: { ID: "1", Name: "Ana" }, recordedAt: "2026-01-01T00:00:00.000Z" },
      ],
      keyColumn: "Name",
      skipped: 0,
    })
  })

  it("keys by content when the first column repeats, one record per distinct row", () => {
    const rows = [
      ["1", "Ana"],
      ["1", "Bo"],
      ["1", "Ana"],
    ]
    const keyed = keyRecords(columns, rows, { kind: "row", digest: (text) => text.replace(/\W/g, "") })
    expect(keyed).toEqual({
      records: [
        { kind: "row", key: "row-1Ana", payload: { ID: "1", Name: "Ana" } },
        { kind: "row", key: "row-1Bo", payload: { ID: "1", Name: "Bo" } },
      ],
      keyColumn: undefined,
      skipped: 1,
    })
  })

  it("refuses a key column that is missing, empty on a row, or repeated, without showing values", () => {
    expect(keyRecords(columns, [["1", "Ana"]], { kind: "row", keyColumn: "Email", digest })).toBe(
      'key_column "Email" is not a column of the data (its columns: ID, Name)',
    )
    expect(
      keyRecords(
        columns,
        [
          ["1", "Ana"],
          ["2", " "],
        ],
        { kind: "row", keyColumn: "Name", digest },
      ),
    ).toBe("row 2 has no Name (key_column), so it cannot be keyed")
    expect(
      keyRecords(
        columns,
        [
          ["1", "Ana"],
          ["2", "Bo"],
          ["3", "Ana"],
        ],
        { kind: "row", keyColumn: "Name", digest },
      ),
    ).toBe("rows 1 and 3 have the same Name; key_column must name a column whose values are all different")
  })
})

describe("tableToCsv", () => {
  it("quotes cells with commas, quotes and line breaks", () => {
    expect(
      tableToCsv(
        ["a", "b,c"],
        [
          ['x "y"', "1\n2"],
          ["plain", ""],
        ],
      ),
    ).toBe('a,"b,c"\r\n"x ""y""","1\n2"\r\nplain,\r\n')
  })
})

describe("url source settings", () => {
  it("accepts a url alone and fills the defaults", () => {
    expect(sourceSettingsProblem("url", { url: "https://school.test/loans" })).toBeUndefined()
    expect(resolveUrlSettings({ url: "https://school.test/loans" })).toEqual({
      url: "https://school.test/loans",
      extract: "auto",
      table: undefined,
      link: undefined,
      into: "records",
      recordKind: "row",
      keyColumn: undefined,
      profile: "auto",
      plan: "transform",
      timeoutMs: 10_000,
      maxBytes: 5 * 1024 * 1024,
    })
  })

  it("accepts a full setting of each target", () => {
    expect(
      sourceSettingsProblem("url", {
        url: "http://intranet.school.test:8080/x",
        extract: "table",
        table: "grades",
        record_kind: "grade",
        key_column: "Student ID",
        timeout_ms: 60_000,
        max_bytes: 50 * 1024 * 1024,
      }),
    ).toBeUndefined()
    expect(
      sourceSettingsProblem("url", {
        url: "http://school.test/",
        extract: "csv_link",
        link: "grades",
        into: "upload",
        profile: "gradebook",
        plan: "validate",
      }),
    ).toBeUndefined()
  })

  it("refuses bad values, unknown keys and settings the others make pointless, naming them", () => {
    expect(sourceSettingsProblem("url", { url: "ftp://school.test/x.csv" })).toBe(
      "settings.url: must be an http or https URL",
    )
    expect(sourceSettingsProblem("url", { url: "http://a.test/", timeout_ms: 120_000 })).toMatch(
      /^settings\.timeout_ms: /,
    )
    expect(sourceSettingsProblem("url", { url: "http://a.test/", max_bytes: 60 * 1024 * 1024 })).toMatch(
      /^settings\.max_bytes: /,
    )
    expect(sourceSettingsProblem("url", { url: "http://a.test/", extract: "pdf" })).toMatch(/^settings\.extract: /)
    expect(sourceSettingsProblem("url", { url: "http://a.test/", table: -1 })).toMatch(/^settings\.table: /)
    expect(sourceSettingsProblem("url", { url: "http://a.test/", selector: "td" })).toMatch(/^settings\.selector: /)
    expect(sourceSettingsProblem("url", { url: "http://a.test/", extract: "csv", table: 1 })).toBe(
      'settings: table only applies to extract "table" or "auto", not "csv"',
    )
    expect(sourceSettingsProblem("url", { url: "http://a.test/", profile: "gradebook" })).toBe(
      'settings: profile and plan only apply to into "upload"',
    )
    expect(sourceSettingsProblem("url", { url: "http://a.test/", into: "upload", key_column: "id" })).toBe(
      'settings: record_kind and key_column only apply to into "records"',
    )
  })
})
