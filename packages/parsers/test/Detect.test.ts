import { builtinParsers, CsvParser, describeBinary, detectFormat, PdfParser, XlsxParser } from "@batchops/parsers"
import { describe, expect, it } from "vitest"
import * as XLSX from "xlsx"
import { PNG_BYTES, utf8, utf8Bom, utf16be, utf16le } from "./helpers.js"

const bytes = (...parts: ReadonlyArray<string | ReadonlyArray<number>>) =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === "string" ? [...utf8(part)] : [...part])))

const xlsx = () => {
  const workbook = XLSX.utils.book_new()
  XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet([["ID"], ["S1"]]), "Sheet1")
  return new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xlsx" }))
}

describe("detectFormat", () => {
  it("recognizes workbooks, PDFs and text", () => {
    expect(detectFormat(xlsx())).toBe("xlsx")
    // an OLE2 compound file that is not another Office document: a legacy .xls
    expect(detectFormat(bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], new Array(504).fill(0)))).toBe("xls")
    expect(detectFormat(utf8("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj"))).toBe("pdf")
    expect(detectFormat(bytes("\n\n   junk before the header ", "%PDF-1.4\n"))).toBe("pdf")
    expect(detectFormat(utf8("Student ID,Name\nS1,José\n"))).toBe("csv")
    expect(detectFormat(utf8Bom("a;b\n"))).toBe("csv")
    expect(detectFormat(utf16le("a\tb\r\n"))).toBe("csv")
    expect(detectFormat(utf16be("a\tb\r\n"))).toBe("csv")
    expect(detectFormat(utf16le("Student ID,Name\r\nS1,Ana\r\n", false))).toBe("csv")
    expect(detectFormat(Uint8Array.from([0x4a, 0x6f, 0x73, 0xe9, 0x2c, 0x80, 0x0a]))).toBe("csv")
    expect(detectFormat(new Uint8Array(0))).toBe("csv")
  })

  it("names known files BatchOps does not read", () => {
    expect(detectFormat(PNG_BYTES)).toBe("a PNG image")
    expect(detectFormat(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "JFIF"))).toBe("a JPEG image")
    expect(detectFormat(bytes("GIF89a", [1, 0, 1, 0]))).toBe("a GIF image")
    expect(detectFormat(bytes([0x1f, 0x8b, 8, 0, 0, 0]))).toBe("a gzip-compressed file")
    expect(detectFormat(bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "))).toBe("a WebP image")
    expect(detectFormat(bytes("{\\rtf1\\ansi Hello}"))).toBe("a Rich Text (RTF) document")
    expect(detectFormat(bytes("<!DOCTYPE html><html><table>"))).toBe("an HTML page")
    expect(detectFormat(bytes([0x00, 0x01, 0x02, 0x03, 0x00, 0xff]))).toBe("binary data")
  })
})

describe("describeBinary", () => {
  it("is undefined for what BatchOps reads", () => {
    expect(describeBinary(utf8("a,b\n"))).toBeUndefined()
    expect(describeBinary(utf8("%PDF-1.7\n"))).toBeUndefined()
    expect(describeBinary(xlsx())).toBeUndefined()
  })

  it("tells ZIP archives apart by their parts", () => {
    const zip = (name: string) => {
      const container = XLSX.CFB.utils.cfb_new()
      XLSX.CFB.utils.cfb_add(container, name, utf8("<x/>"))
      return new Uint8Array(XLSX.CFB.write(container, { fileType: "zip", type: "buffer" }))
    }
    expect(describeBinary(zip("word/document.xml"))).toBe("a Word document (.docx)")
    expect(describeBinary(zip("ppt/presentation.xml"))).toBe("a PowerPoint presentation (.pptx)")
    expect(describeBinary(zip("holiday/photo.jpg"))).toBe("a ZIP archive")
  })
})

describe("builtinParsers", () => {
  it("lists xlsx, pdf and csv in detection order", () => {
    expect(builtinParsers.map((parser) => parser.name)).toEqual(["xlsx", "pdf", "csv"])
    expect(builtinParsers).toEqual([XlsxParser, PdfParser, CsvParser])
  })

  it("gives every head to at most the right parser", () => {
    const pick = (head: Uint8Array) => builtinParsers.find((parser) => parser.detect(head))?.name
    expect(pick(xlsx())).toBe("xlsx")
    expect(pick(utf8("%PDF-1.7\n"))).toBe("pdf")
    expect(pick(utf8("a,b\n1,2\n"))).toBe("csv")
    expect(pick(PNG_BYTES)).toBeUndefined()
  })
})
