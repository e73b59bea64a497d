import { brotliCompressSync, constants } from "node:zlib"
import { sourceFromBytes } from "@batchops/core"
import { fromPath, makePdfParser, PdfParser } from "@batchops/parsers"
import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { measure, repeatedDeflate } from "../../../test/support/bombs.js"
import { collect, failure, fixtureDirectory, PNG_BYTES, utf8 } from "./helpers.js"
import {
  ascii85,
  drawGradebook,
  HEADER,
  handWrittenPdf,
  lzwRun,
  pagesPdf,
  pdfBytes,
  SPLIT_IDS,
  STUDENTS,
  streamObject,
  textContent,
} from "./pdfFixtures.js"

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>
let gradebook: Uint8Array
beforeAll(async () => {
  fixtures = await fixtureDirectory()
  gradebook = await pdfBytes(drawGradebook, { bufferPages: true })
})
afterAll(() => fixtures.cleanup())
afterEach(() => {
  vi.restoreAllMocks()
})

const expectedTable = [HEADER, ...STUDENTS.map((s) => [s.id, s.name, s.score, s.grade, s.comment])]

const MB = 1024 * 1024

/** zlib data (FlateDecode) of a content stream that writes a line of text, then `megabytes` MB of spaces. */
const flateBomb = (megabytes: number): Uint8Array =>
  Buffer.concat([
    Uint8Array.of(0x78, 0x9c),
    repeatedDeflate("BT /F1 10 Tf 72 720 Td (bomb) Tj ET\n", " ".repeat(MB), megabytes, "\n"),
    new Uint8Array(4), // the Adler-32 checksum, which no reader needs to reach
  ])

describe("PdfParser", () => {
  it("reads a table that runs over pages: header once, rows in order, wrapped cells rejoined", async () => {
    const path = await fixtures.write("gradebook.pdf", gradebook)
    expect(PdfParser.detect(gradebook.subarray(0, 65536))).toBe(true)
    const result = await collect(PdfParser, await Effect.runPromise(fromPath(path)))
    expect(result.format).toBe("pdf")
    expect(result.details).toEqual({ pages: 3, tableRows: 121 })
    expect(result.records).toEqual(expectedTable)
    expect(result.records.filter((record) => record[0] === "Student ID").length).toBe(1)
    for (const i of SPLIT_IDS) expect(result.records[i + 1]![0]).toBe(STUDENTS[i]!.id)
    expect(result.records[17]![0]).toBe("STU-2024-0017")
    const text = result.records.flat().join(" ")
    for (const stray of ["Westfield", "Printed", "Gradebook", "Page 1 of 3", "Page 3 of 3"]) {
      expect(text).not.toContain(stray)
    }
  })

  it("does not print warnings and leaves the source's bytes usable", async () => {
    const log = vi.spyOn(console, "log")
    const warn = vi.spyOn(console, "warn")
    const error = vi.spyOn(console, "error")
    const source = sourceFromBytes("gradebook.pdf", gradebook)
    await collect(PdfParser, source)
    const again = await collect(PdfParser, source)
    expect(again.records.length).toBe(121)
    const buffer = Buffer.from(gradebook) // a Buffer's slice() is a view: the parser must still copy
    await collect(PdfParser, sourceFromBytes("gradebook.pdf", buffer))
    expect(buffer.byteLength).toBe(gradebook.byteLength)
    expect((await collect(PdfParser, sourceFromBytes("gradebook.pdf", buffer))).records.length).toBe(121)
    await failure(PdfParser, utf8("%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage"))
    expect(log).not.toHaveBeenCalled()
    expect(warn).not.toHaveBeenCalled()
    expect(error).not.toHaveBeenCalled()
  })

  it("joins a split identifier even when the continuation sits at the usual row distance", async () => {
    const bytes = await pdfBytes((doc) => {
      doc.font("Helvetica").fontSize(10)
      const rows = [
        ["Student ID", "Name", "Score"],
        ["STU-2024-0001", "Ana Lopez", "90"],
        ["STU-2024-", "Bo Chen", "85"],
        ["0017", "", ""],
        ["STU-2024-0003", "Cy Diaz", "77"],
      ]
      for (const [r, cells] of rows.entries()) {
        for (const [c, cell] of cells.entries()) {
          if (cell !== "") doc.text(cell, 60 + c * 150, 100 + r * 14, { lineBreak: false })
        }
      }
    })
    const result = await collect(PdfParser, bytes)
    expect(result.records).toEqual([
      ["Student ID", "Name", "Score"],
      ["STU-2024-0001", "Ana Lopez", "90"],
      ["STU-2024-0017", "Bo Chen", "85"],
      ["STU-2024-0003", "Cy Diaz", "77"],
    ])
  })

  it("reads a table drawn sideways, ignoring a slanted watermark and text drawn twice for bold", async () => {
    const rows = [
      ["Student ID", "Name", "Score"],
      ["STU-1", "Ana Lopez", "90"],
      ["STU-2", "Bo Chen", "85"],
      ["STU-3", "Cy Diaz", "77"],
    ]
    const bytes = await pdfBytes((doc) => {
      doc
        .save()
        .rotate(-60, { origin: [300, 420] })
        .fontSize(40)
        .text("DRAFT", 200, 400, { lineBreak: false })
      doc
        .restore()
        .save()
        .rotate(-90, { origin: [300, 420] })
        .fontSize(10)
      for (const [r, cells] of rows.entries()) {
        for (const [c, cell] of cells.entries()) {
          doc.text(cell, 150 + c * 120, 300 + r * 14, { lineBreak: false })
          if (r === 0) doc.text(cell, 150.3 + c * 120, 300 + r * 14, { lineBreak: false })
        }
      }
      doc.restore()
    })
    expect((await collect(PdfParser, bytes)).records).toEqual(rows)
  })

  it("fails when the PDF has only a paragraph of text", async () => {
    const bytes = await pdfBytes((doc) => {
      doc.fontSize(16).text("Letter to parents")
      doc
        .moveDown()
        .fontSize(11)
        .text(
          "Dear parents, the end of term report cards will be sent home on Friday. Please sign and return " +
            "the attached slip. Students who missed the mathematics assessment can sit it on Tuesday at 3 pm " +
            "in room 12. Thank you for your support this term.",
          { width: 400, align: "justify" },
        )
    })
    const error = await failure(PdfParser, bytes)
    expect(error.parser).toBe("pdf")
    expect(error.message).toBe("no table was found in the PDF")
  })

  it("fails on a password-protected PDF", async () => {
    const bytes = await pdfBytes((doc) => drawGradebook(doc), { userPassword: "secret", bufferPages: true })
    const error = await failure(PdfParser, bytes)
    expect(error.message).toBe("the PDF is password-protected; ask the department for an unprotected copy")
  })

  it("fails on a damaged PDF", async () => {
    const garbage = Uint8Array.from([...utf8("%PDF-1.7\n"), ...Array.from({ length: 2000 }, (_, i) => (i * 131) % 256)])
    const error = await failure(PdfParser, garbage)
    expect(error.message).toMatch(/^the PDF could not be read: /)
    const truncated = await failure(PdfParser, gradebook.subarray(0, gradebook.length >> 1))
    expect(truncated.message).toMatch(/^the PDF could not be read: |^no table was found/)
  })

  it("fails on a file that is not a PDF", async () => {
    const error = await failure(PdfParser, PNG_BYTES)
    expect(error.message).toBe("the PDF could not be read: the file does not start like a PDF")
    expect(PdfParser.detect(PNG_BYTES)).toBe(false)
    expect(PdfParser.detect(utf8("a,b\n1,2\n"))).toBe(false)
  })

  it("refuses a PDF of 10,000 pages before reading them", async () => {
    const bytes = pagesPdf([textContent("Student ID")], 10_000)
    const { result: error, ms } = await measure(() => failure(PdfParser, bytes))
    expect(error.message).toBe("the PDF has 10,000 pages, more than 2,000 (resource limit BATCHOPS_MAX_PDF_PAGES)")
    expect(ms).toBeLessThan(5000)
  })

  it("refuses a stream that inflates to 512 MB before pdfjs decodes it, in little time and memory", async () => {
    const bytes = pagesPdf([streamObject("/Filter /FlateDecode", flateBomb(512))])
    expect(bytes.length).toBeLessThan(1024 * 1024)
    const { result: error, ms, peakGrowth } = await measure(() => failure(PdfParser, bytes))
    expect(error.message).toBe(
      "a stream of the PDF expands to more than 64 MB (resource limit BATCHOPS_MAX_PDF_STREAM_MB)",
    )
    expect(ms).toBeLessThan(5000)
    // up to 64 MB of output is counted and dropped before the refusal; how much of that garbage
    // is resident at once depends on when the collector runs (128-140 MB seen), never on the 512 MB
    expect(peakGrowth).toBeLessThan(192 * MB)
  })

  it("decodes a stream through every filter it names, chained as it says, to measure it", async () => {
    const parser = makePdfParser({ maxPdfStreamBytes: 16 * MB })
    const spaces = Buffer.alloc(24 * MB, 0x20)
    const bombs: Array<readonly [string, Uint8Array]> = [
      ["[/ASCIIHexDecode /FlateDecode]", Buffer.from(`${Buffer.from(flateBomb(24)).toString("hex")}>`, "latin1")],
      ["[/A85 /Fl]", ascii85(flateBomb(24))],
      ["/ASCII85Decode", Buffer.from(`${"z".repeat(5 * MB)}~>`, "latin1")],
      ["/LZWDecode", lzwRun(0x20, 4)],
      ["/RunLengthDecode", Buffer.alloc(400_000, Uint8Array.of(129, 0x20))],
      ["/BrotliDecode", brotliCompressSync(spaces, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })],
    ]
    for (const [filter, data] of bombs) {
      const error = await failure(parser, pagesPdf([streamObject(`/Filter ${filter}`, data)]))
      expect(error.message, filter).toBe(
        "a stream of the PDF expands to more than 16 MB (resource limit BATCHOPS_MAX_PDF_STREAM_MB)",
      )
    }
    // Within the limit, the same filters decode to what pdfjs reads.
    const small = lzwRun(0x20, 1)
    expect((await failure(parser, pagesPdf([streamObject("/Filter /LZWDecode", small)]))).message).toBe(
      "the PDF has no text layer (a scanned image?), so no table can be read",
    )
  })

  it("finds an indirect /Length in linear time, whatever runs of digits the file holds", async () => {
    const bomb = flateBomb(100)
    const bytes = handWrittenPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Count 1 /Kids [6 0 R] >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      Buffer.concat([
        Buffer.from("<< /Length 5 0 R /Filter /FlateDecode >>\nstream\n", "latin1"),
        bomb,
        Buffer.from("\nendstream", "latin1"),
      ]),
      String(bomb.length),
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
      `(${"7".repeat(2_000_000)})`,
    ])
    const { result: error, ms } = await measure(() => failure(PdfParser, bytes))
    expect(error.message).toBe(
      "a stream of the PDF expands to more than 64 MB (resource limit BATCHOPS_MAX_PDF_STREAM_MB)",
    )
    expect(ms).toBeLessThan(5000)
  })

  it("counts the expansion of all streams together, and the pieces of text", async () => {
    const parser = makePdfParser({ maxPdfStreamBytes: 16 * MB, maxExpandedBytes: 24 * MB })
    const pages = [streamObject("/Filter /FlateDecode", flateBomb(14)), streamObject("/Filter /Fl", flateBomb(14))]
    expect((await failure(parser, pagesPdf(pages))).message).toBe(
      "the PDF's streams expand to more than 24 MB (resource limit BATCHOPS_MAX_EXPANDED_MB)",
    )
    expect((await collect(parser, gradebook)).records.length).toBe(121)
    const error = await failure(makePdfParser({ maxPdfTextItems: 50 }), gradebook)
    expect(error.message).toBe("the PDF draws more than 50 pieces of text (resource limit BATCHOPS_MAX_PDF_TEXT_ITEMS)")
  })

  it("fails on a PDF without a text layer", async () => {
    const bytes = await pdfBytes((doc) => {
      doc.rect(40, 40, 300, 200).fill("#336699")
      doc.rect(60, 300, 200, 100).stroke()
    })
    const error = await failure(PdfParser, bytes)
    expect(error.message).toBe("the PDF has no text layer (a scanned image?), so no table can be read")
  })
})
