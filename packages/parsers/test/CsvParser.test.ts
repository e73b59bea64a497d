import { cleanCell, isMarkedClean } from "@batchops/core"
import { CsvParser, fromPath } from "@batchops/parsers"
import { Effect } from "effect"
import fc from "fast-check"
import Papa from "papaparse"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sniffDialect, Utf8Check } from "../src/CsvParser.js"
import {
  chunkedSource,
  collect,
  failure,
  fixtureDirectory,
  PNG_BYTES,
  utf8,
  utf8Bom,
  utf16be,
  utf16le,
} from "./helpers.js"

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>
beforeAll(async () => {
  fixtures = await fixtureDirectory()
})
afterAll(() => fixtures.cleanup())

const NAMES = ["José", "Nguyễn Văn An", "李华", "Zoë O'Brien"]
const gradebook = (delimiter: string, newline = "\n") =>
  [["Student ID", "Name", "Score"], ...NAMES.map((name, i) => [`S${i + 1}`, name, String(80 + i)])]
    .map((row) => row.join(delimiter))
    .join(newline) + newline
const expectedRecords = [
  ["Student ID", "Name", "Score"],
  ...NAMES.map((name, i) => [`S${i + 1}`, name, String(80 + i)]),
]

describe("CsvParser delimiters", () => {
  it.each([
    [",", "comma"],
    [";", "semicolon"],
    ["\t", "tab"],
    ["|", "pipe"],
  ])("detects %j (%s)", async (delimiter) => {
    const result = await collect(CsvParser, utf8(gradebook(delimiter)))
    expect(result.format).toBe("csv")
    expect(result.details).toEqual({ encoding: "utf-8", delimiter })
    expect(result.records).toEqual(expectedRecords)
  })

  it("ignores delimiters inside quotes when choosing", () => {
    const text = 'Name;Comment\n"Smith, Jo";"a, b, c"\n"Doe, Al";"x, y"\n'
    expect(sniffDialect(text, true).delimiter).toBe(";")
  })

  it("prefers the delimiter that splits the header like the rows (decimal commas)", () => {
    const text = "Name;Score;Average\nAna;12,5;13,25\nBo;9,75;10,5\nCy;14;12,5\n"
    expect(sniffDialect(text, true).delimiter).toBe(";")
  })

  it("prefers the delimiter that splits the header like the rows, even over one that splits the rows more evenly", () => {
    // decimal commas split every row into 3 by ",", but the header into 1; ";" splits the header
    // and most rows into 3 (two rows have a missing or an extra field): the header decides
    const text = "Name;Score;Average\nAna;12,5;13,25\nBo;9,75;10,5\nCy;14,5 12,5\nDi;11,5;10,5;x\n"
    expect(sniffDialect(text, true).delimiter).toBe(";")
  })

  it("reads a tie between two field counts as the larger one", () => {
    // "," splits the records into 5, 2, 3 and 4 fields: no count repeats, the header's 5 is the
    // largest, so "," splits the header like the rows. ";" splits them into 2, 3, 3 and 2: a tie,
    // read as 3, which the header's 2 is not; so "," is chosen though ";" is more consistent
    const text = "h1,h2,h3,h4,h5;h6\na;b;c,d\na;b,c;d,e\na,b,c,d;e\n"
    expect(sniffDialect(text, true).delimiter).toBe(",")
  })

  it("between delimiters that both split the header like the rows, takes the more consistent one", () => {
    // both split the header in the usual count: "," into 2 (3 records of 5), ";" into 3 (4 of 5);
    // "," comes first in the list, so only consistency can choose ";"
    const text = "a;b;c,d\n1;2;3,5\n4;5;6,5\n7;8;9\nx;y\n"
    expect(sniffDialect(text, true).delimiter).toBe(";")
  })

  it("takes the more consistent delimiter even when the other splits into more columns", () => {
    // ";" splits all 5 records into 2, "," 3 of 5 into 3
    expect(sniffDialect("a;b,c,d\n1;2,3,4\n5;6,7,8\n9;10\nx;y\n", true).delimiter).toBe(";")
    // "," splits all 5 into 2, ";" 3 of 5 into 3: "," stays
    expect(sniffDialect("a,b;c;d\n1,2;3;4\n5,6;7;8\n9,10\nx,y\n", true).delimiter).toBe(",")
  })

  it("between delimiters equally consistent, takes the one with more columns, then the first listed", () => {
    // every record splits into 2 by "," and 3 by ";": the same consistency, more columns by ";"
    expect(sniffDialect("a,b;c;d\n1,2;3;4\n5,6;7;8\n", true).delimiter).toBe(";")
    // 2 columns by either: "," is listed first
    expect(sniffDialect("a,b;c\n1,2;3\n5,6;7\n", true).delimiter).toBe(",")
  })

  it("leaves blank records (spaces only) out of the counts", () => {
    // counted as one field each, the blank lines would outnumber the records and no delimiter
    // would split the usual record
    expect(sniffDialect("a;b\n   \n\n \n\n1;2\n", true).delimiter).toBe(";")
    expect(sniffDialect("a;b\n \n  \n\t\n1;2\n", true).delimiter).toBe(";")
  })

  it("counts a record whose first cell is empty", () => {
    // ";" splits 4 of 5 records into 3 and "," 3 of 5 into 2: ";" is chosen only if the records
    // that start with an empty cell count
    expect(sniffDialect("a;b;c,d\n;1;2,5\n;3;4,5\n;5;6\nx;y\n", true).delimiter).toBe(";")
    expect(sniffDialect("a;b;c,d\n ;1;2,5\n\t;3;4,5\n;5;6\nx;y\n", true).delimiter).toBe(";")
  })

  it("reads the line break from the first one outside quotes", () => {
    expect(sniffDialect('"a\nb",c\r\nx,y\r\n', true)).toEqual({ delimiter: ",", newline: "\n", crlf: true })
    expect(sniffDialect('"a\r\nb",c\nx,y\n', true)).toEqual({ delimiter: ",", newline: "\n", crlf: false })
    expect(sniffDialect('"a\nb",c\rx,y\r', true)).toEqual({ delimiter: ",", newline: "\r", crlf: false })
    expect(sniffDialect("a;b\n1;2\r\n", true)).toEqual({ delimiter: ";", newline: "\n", crlf: false })
    expect(sniffDialect("a;b", true)).toEqual({ delimiter: ";", newline: "\n", crlf: false })
  })

  it("leaves a CR that ends the text undecided: an LF may follow in the next chunk", () => {
    expect(sniffDialect("a;b\r", true)).toEqual({ delimiter: ";", newline: "\n", crlf: true })
    expect(sniffDialect("a;b\r\n", false)).toEqual({ delimiter: ";", newline: "\n", crlf: true })
    expect(sniffDialect("a;b\r1;2", false)).toEqual({ delimiter: ";", newline: "\r", crlf: false })
  })

  it("keeps commas inside a tab-separated file's cells", async () => {
    const text = "ID\tName\tScore\n1\tSmith, John\t90\n2\tDoe, Jane\t85\n"
    const result = await collect(CsvParser, utf8(text))
    expect(result.details.delimiter).toBe("\t")
    expect(result.records[1]).toEqual(["1", "Smith, John", "90"])
  })

  it("defaults to a comma for a single column", async () => {
    const result = await collect(CsvParser, utf8("Name\nAna\nBo\n"))
    expect(result.details.delimiter).toBe(",")
    expect(result.records).toEqual([["Name"], ["Ana"], ["Bo"]])
  })

  it("reads CRLF, lone CR and mixed line ends", async () => {
    const crlf = await collect(CsvParser, utf8(gradebook(",", "\r\n")))
    expect(crlf.records).toEqual(expectedRecords)
    const cr = await collect(CsvParser, utf8(gradebook(",", "\r")))
    expect(cr.records).toEqual(expectedRecords)
    const mixed = await collect(CsvParser, utf8("a,b\r\n1,2\n3,4\r\n5,6"))
    expect(mixed.records).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ])
  })
})

describe("CsvParser encodings", () => {
  it("reads UTF-8 without a BOM", async () => {
    const result = await collect(CsvParser, utf8(gradebook(",")))
    expect(result.details.encoding).toBe("utf-8")
    expect(result.records).toEqual(expectedRecords)
  })

  it("reads UTF-8 with a BOM, which does not stay in the first cell", async () => {
    const result = await collect(CsvParser, utf8Bom(gradebook(";")))
    expect(result.details).toEqual({ encoding: "utf-8-bom", delimiter: ";" })
    expect(result.records).toEqual(expectedRecords)
  })

  it.each([
    ["utf-16le", utf16le],
    ["utf-16be", utf16be],
  ] as const)("reads %s with a BOM", async (encoding, encode) => {
    const result = await collect(CsvParser, encode(gradebook("\t", "\r\n")))
    expect(result.details).toEqual({ encoding, delimiter: "\t" })
    expect(result.records).toEqual(expectedRecords)
  })

  it.each([
    ["utf-16le", utf16le],
    ["utf-16be", utf16be],
  ] as const)("recognizes %s without a BOM", async (encoding, encode) => {
    const bytes = encode(gradebook(","), false)
    expect(CsvParser.detect(bytes)).toBe(true)
    const result = await collect(CsvParser, bytes)
    expect(result.details.encoding).toBe(encoding)
    expect(result.records).toEqual(expectedRecords)
  })

  it("decodes Windows-1252 bytes, including 0x80-0x9F", async () => {
    // "Name,Note\nJosé,5 €\nRenée,“ok”\n" in Windows-1252
    const bytes = Uint8Array.from([
      ...utf8("Name,Note\nJos"),
      0xe9,
      ...utf8(",5 "),
      0x80,
      ...utf8("\nRen"),
      0xe9,
      0x65,
      ...utf8(","),
      0x93,
      ...utf8("ok"),
      0x94,
      0x0a,
    ])
    const result = await collect(CsvParser, bytes)
    expect(result.details.encoding).toBe("windows-1252")
    expect(result.records).toEqual([
      ["Name", "Note"],
      ["José", "5 €"],
      ["Renée", "“ok”"],
    ])
  })

  it("decodes as Windows-1252 a file that is UTF-8 until a single byte near its end", async () => {
    const rows = ["Student ID,Name"]
    for (let length = 0; length < 200_000; length += rows.at(-1)!.length + 1) {
      rows.push(`S${rows.length},Student ${rows.length}`)
    }
    const body = utf8(`${rows.join("\n")}\nS-last,Caf`)
    const bytes = Uint8Array.from([...body, 0xe9, 0x0a])
    const path = await fixtures.write("mostly-utf8.csv", bytes)
    const source = await Effect.runPromise(fromPath(path))
    const result = await collect(CsvParser, source)
    expect(result.details.encoding).toBe("windows-1252")
    expect(result.records.length).toBe(rows.length + 1)
    expect(result.records[1]).toEqual(["S1", "Student 1"])
    expect(result.records.at(-1)).toEqual(["S-last", "Café"])
  })

  it("keeps a large UTF-8 file UTF-8 when multibyte characters straddle chunk boundaries", async () => {
    const row = "S1,Nguyễn Văn An 李华 😀 José\n"
    const bytes = utf8(`ID,Name\n${row.repeat(120_000)}`) // ~4 MB, four 1 MiB chunks
    const path = await fixtures.write("utf8-large.csv", bytes)
    const result = await collect(CsvParser, await Effect.runPromise(fromPath(path)))
    expect(result.details.encoding).toBe("utf-8")
    expect(result.records.length).toBe(120_001)
    expect(result.records.every((record, i) => i === 0 || record[1] === "Nguyễn Văn An 李华 😀 José")).toBe(true)
  })
})

describe("the UTF-8 check of a file on disk", () => {
  it.each([1, 2, 3])(
    "keeps a file UTF-8 when a 4-byte character is cut by the check's 1 MiB reads (%i bytes before the boundary)",
    async (before) => {
      // Fill up to the boundary with ASCII, put an emoji across it, and more than one more read after it.
      const head = "ID,Name\n"
      const fill = (1 << 20) - before - head.length - 3
      const text = `${head}S1,${"a".repeat(fill)}😀\nS2,${"b".repeat(1 << 20)}\nS3,José\n`
      const path = await fixtures.write(`straddle-${before}.csv`, utf8(text))
      const result = await collect(CsvParser, await Effect.runPromise(fromPath(path)))
      expect(result.details.encoding).toBe("utf-8")
      expect(result.records.at(-1)).toEqual(["S3", "José"])
    },
  )
})

describe("Utf8Check", () => {
  const sample = utf8("aé李😀b€\n".repeat(3))

  it("accepts UTF-8 split at every position", () => {
    for (let cut = 0; cut <= sample.length; cut++) {
      const check = new Utf8Check()
      expect(check.push(sample.subarray(0, cut))).toBe(true)
      expect(check.push(sample.subarray(cut))).toBe(true)
      expect(check.end()).toBe(true)
    }
  })

  it("accepts UTF-8 fed one byte at a time", () => {
    const check = new Utf8Check()
    for (const byte of sample) check.push(Uint8Array.of(byte))
    expect(check.end()).toBe(true)
  })

  it("rejects a Windows-1252 byte, a cut sequence followed by more text, and an overlong one", () => {
    const bad = new Utf8Check()
    expect(bad.push(Uint8Array.from([0x43, 0x61, 0x66, 0xe9, 0x0a]))).toBe(false)
    const cut = new Utf8Check()
    expect(cut.push(Uint8Array.from([0x41, 0xe6, 0x9d]))).toBe(true)
    expect(cut.push(Uint8Array.from([0x41]))).toBe(false)
    const overlong = new Utf8Check()
    overlong.push(Uint8Array.from([0xc0]))
    overlong.push(Uint8Array.from([0xaf]))
    expect(overlong.end()).toBe(false)
  })

  it("takes a file cut in the middle of its last character as UTF-8", () => {
    const truncated = new Utf8Check()
    expect(truncated.push(Uint8Array.from([0x41, 0xc3, 0xa9, 0xe6, 0x9d]))).toBe(true)
    expect(truncated.end()).toBe(true)
    const latin1Ending = new Utf8Check()
    latin1Ending.push(Uint8Array.from([0x41, 0xc0]))
    expect(latin1Ending.end()).toBe(false)
  })
})

describe("CsvParser records", () => {
  it("keeps a quoted cell with line breaks as one record", async () => {
    const text = 'ID,Comment,Score\r\n1,"line one\r\nline two\nline three",90\r\n2,"say ""hi""",80\r\n'
    const result = await collect(CsvParser, utf8(text))
    expect(result.records).toEqual([
      ["ID", "Comment", "Score"],
      ["1", "line one\r\nline two\nline three", "90"],
      ["2", 'say "hi"', "80"],
    ])
  })

  it("passes ragged rows and blank records through as they are", async () => {
    const text = "\n\nID,Name,Score\n1,Ana\n2,Bo,70,extra\n\n3,Cy,60\n"
    const result = await collect(CsvParser, utf8(text))
    expect(result.records).toEqual([
      [""],
      [""],
      ["ID", "Name", "Score"],
      ["1", "Ana"],
      ["2", "Bo", "70", "extra"],
      [""],
      ["3", "Cy", "60"],
    ])
  })

  it("yields one record for a header-only file, with or without a final line break", async () => {
    expect((await collect(CsvParser, utf8("ID,Name,Score"))).records).toEqual([["ID", "Name", "Score"]])
    expect((await collect(CsvParser, utf8("ID,Name,Score\r\n"))).records).toEqual([["ID", "Name", "Score"]])
  })

  it.each([
    ["no bytes", new Uint8Array(0)],
    ["only whitespace", utf8(" \r\n\t\n  ")],
    ["only a BOM", utf8Bom("")],
    ["a UTF-16 BOM and line breaks", utf16le("\r\n\r\n")],
  ])("fails on an empty file (%s)", async (_, bytes) => {
    const error = await failure(CsvParser, bytes)
    expect(error._tag).toBe("ParseError")
    expect(error.parser).toBe("csv")
    expect(error.message).toBe("the file is empty")
  })

  it("fails on an unterminated quote, naming the row (the header is row 1)", async () => {
    const text = '\n\nID,Name\n1,Ana\n2,"Bo\n3,Cy\n4,Di\n'
    const error = await failure(CsvParser, utf8(text))
    expect(error.parser).toBe("csv")
    expect(error.message).toMatch(/^row 3: a quoted cell is never closed/)
    expect(error.message).toContain('"Bo 3,Cy 4,Di')
    const late = await failure(
      CsvParser,
      chunkedSource(utf8(`ID,Name\n${"1,Ana\n".repeat(5000)}2,"Bo\n3,Cy\n`), [4096]),
    )
    expect(late.message).toMatch(/^row 5002: a quoted cell is never closed/)
  })

  it("reads a 10 MB single cell", async () => {
    const notes = "x".repeat(5_000_000) + '"",\n' + "y".repeat(5_000_000)
    const text = `ID,Notes,Score\n1,"${notes}",90\n2,short,80\n`
    const result = await collect(CsvParser, utf8(text))
    expect(result.records.length).toBe(3)
    expect(result.records[1]![1]!.length).toBe(10_000_003)
    expect(result.records[1]![1]!.slice(4_999_998, 5_000_005)).toBe('xx",\nyy')
    expect(result.records[2]).toEqual(["2", "short", "80"])
  })

  it("streams a large file in many chunks", async () => {
    const rows = 200_000
    let text = "Student ID,Name,Score,Comment\n"
    for (let i = 0; i < rows; i++) text += `STU-${i},Student ${i},${i % 100},"ok, ${i}"\n`
    const path = await fixtures.write("large.csv", text)
    const source = await Effect.runPromise(fromPath(path))
    const result = await collect(CsvParser, source)
    expect(result.records.length).toBe(rows + 1)
    expect(result.chunks.length).toBeGreaterThan(20)
    expect(Math.max(...result.chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(4096)
    expect(result.records[rows]).toEqual([
      `STU-${rows - 1}`,
      `Student ${rows - 1}`,
      String((rows - 1) % 100),
      `ok, ${rows - 1}`,
    ])
  })

  it("gives the same records however the bytes are chunked, in any encoding (round trip through Papa.unparse)", async () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", "Z", "é", "李", "😀", " ", ",", ";", '"', "\n", "\r", "\t", "|", "0"),
    })
    const records = fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 12 })
    const encodings = fc.constantFrom(
      utf8,
      utf8Bom,
      (text: string) => utf16le(text),
      (text: string) => utf16be(text),
    )
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.constantFrom("\n", "\r\n"),
        encodings,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        async (rows, newline, encode, sizes) => {
          const table = [["id", "name", "notes"], ...rows]
          const text = Papa.unparse(table, { newline, quotes: (value) => value !== "" })
          const result = await collect(CsvParser, chunkedSource(encode(text), sizes))
          // A CRLF file's records lose one trailing CR from their last cell (a mixed line end).
          const expected = table.map((row) =>
            newline === "\r\n" ? row.map((value, i) => (i === row.length - 1 ? value.replace(/\r$/, "") : value)) : row,
          )
          expect(result.details.delimiter).toBe(",")
          expect(result.records).toEqual(expected)
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe("CsvParser detection", () => {
  it("accepts text and rejects images, PDFs, workbooks and binary data", () => {
    expect(CsvParser.detect(utf8("a,b\n1,2\n"))).toBe(true)
    expect(CsvParser.detect(new Uint8Array(0))).toBe(true)
    expect(CsvParser.detect(utf16le("a,b\n"))).toBe(true)
    expect(CsvParser.detect(PNG_BYTES)).toBe(false)
    expect(CsvParser.detect(utf8("%PDF-1.7\n%âãÏÓ\n"))).toBe(false)
    expect(CsvParser.detect(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]))).toBe(false)
    const binary = Uint8Array.from({ length: 512 }, (_, i) => (i % 7 === 0 ? 0 : (i * 37) % 256))
    expect(CsvParser.detect(binary)).toBe(false)
    const littleEndianInts = Uint8Array.from({ length: 512 }, (_, i) => (i % 2 === 1 ? 0 : i % 5))
    expect(CsvParser.detect(littleEndianInts)).toBe(false)
  })

  it("fails clearly when asked to parse an image", async () => {
    const error = await failure(CsvParser, PNG_BYTES)
    expect(error.message).toBe("the file looks like a PNG image, not delimited text")
  })
})

describe("CsvParser marks chunks whose cells need no cleaning", () => {
  it("only when every cell of the chunk is already trimmed and collapsed", async () => {
    const cell = fc.string({
      unit: fc.constantFrom(
        "a",
        "Z",
        "7",
        "é",
        "李",
        " ",
        "  ",
        "\t",
        "\u00a0",
        "\u3000",
        "\r",
        "-",
        // cleaning removes zero-width spaces and normalizes to NFC: a chunk holding them is not clean
        "\u200b",
        "\u0301",
        "\u202f",
      ),
      maxLength: 6,
    })
    const lines = fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 30 })
    await fc.assert(
      fc.asyncProperty(
        lines,
        fc.constantFrom(",", ";", "\t", "|"),
        fc.constantFrom("\n", "\r\n"),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        async (rows, delimiter, newline, sizes) => {
          // Cells holding the delimiter or a line break would be quoted by any exporter; keep them out.
          const body = rows
            .map((row) => row.map((value) => value.replaceAll(delimiter, "").replace(/[\r\n]/g, "")).join(delimiter))
            .join(newline)
          const text = `id${delimiter}name${delimiter}notes${newline}${body}${newline}`
          const result = await collect(CsvParser, chunkedSource(utf8(text), sizes))
          for (const chunk of result.chunks) {
            if (!isMarkedClean(chunk)) continue
            for (const record of chunk) {
              for (const value of record) {
                if (value === null || value === undefined || value === "") continue
                expect(cleanCell(value)).toBe(value)
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it("marks the chunks of an ordinary export", async () => {
    const text = `Student ID,Name,Score\n${Array.from({ length: 500 }, (_, i) => `S${i},Ann Lee,${i % 100}`).join("\n")}\n`
    const result = await collect(CsvParser, chunkedSource(utf8(text), [4096]))
    expect(result.chunks.filter((chunk) => isMarkedClean(chunk)).length).toBeGreaterThan(0)
  })
})
