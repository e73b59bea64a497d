/**
 * Workbooks written part by part for the parser tests: .xlsx and .ods whose XML says exactly
 * what a test needs (number formats, cached formula results, error cells, hidden sheets), in a
 * ZIP assembled here, and legacy .xls written by SheetJS.
 */
import { crc32, deflateRawSync } from "node:zlib"
import * as XLSX from "xlsx"

const encoder = new TextEncoder()

export interface ZipInput {
  readonly name: string
  /** the part's text or bytes */
  readonly data?: string | Uint8Array
  /** already deflated data (with `size`, what it inflates to), for parts too large to build in memory */
  readonly deflated?: Uint8Array
  readonly size?: number
  /** stored uncompressed (an OpenDocument `mimetype`) */
  readonly store?: boolean
}

/** A ZIP of the parts, in order: local headers, data, central directory, end record. */
export const zipOf = (parts: ReadonlyArray<ZipInput>): Uint8Array => {
  const chunks: Array<Uint8Array> = []
  const directory: Array<Uint8Array> = []
  let offset = 0
  for (const input of parts) {
    const raw = typeof input.data === "string" ? encoder.encode(input.data) : (input.data ?? new Uint8Array())
    const method = input.store ? 0 : 8
    const body = input.deflated ?? (input.store ? raw : deflateRawSync(raw))
    const size = input.deflated !== undefined ? (input.size ?? 0) : raw.length
    const crc = input.deflated !== undefined ? 0 : crc32(raw)
    const name = encoder.encode(input.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc >>> 0, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size >>> 0, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc >>> 0, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size >>> 0, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    chunks.push(local, name, body)
    directory.push(central, name)
    offset += local.length + name.length + body.length
  }
  const directorySize = directory.reduce((total, chunk) => total + chunk.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(directorySize, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...chunks, ...directory, end]))
}

const NS = "http://schemas.openxmlformats.org"

export interface XlsxSheetInput {
  readonly name: string
  /** the `<row>` elements of its `<sheetData>` */
  readonly rows: string
  readonly state?: "hidden" | "veryHidden"
}

export interface XlsxInput {
  readonly sheets: ReadonlyArray<XlsxSheetInput>
  readonly strings?: ReadonlyArray<string>
  /** the format code of each cell style after style 0 (General): `s="1"` is the first */
  readonly formats?: ReadonlyArray<string | number>
  readonly date1904?: boolean
  /** the sheet part as already deflated data (the first sheet's), for sheets too large to build */
  readonly deflatedSheet?: { readonly data: Uint8Array; readonly size: number }
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")

/** An .xlsx as Excel lays it out: workbook, relationships, styles, shared strings and sheets. */
export const xlsxOf = ({ sheets, strings = [], formats = [], date1904 = false, deflatedSheet }: XlsxInput) => {
  const custom = formats.filter((format): format is string => typeof format === "string")
  const numFmts = custom.map((code, i) => `<numFmt numFmtId="${164 + i}" formatCode="${escapeXml(code)}"/>`).join("")
  let next = 164
  const xfs = formats
    .map((format) => `<xf numFmtId="${typeof format === "number" ? format : next++}" applyNumberFormat="1"/>`)
    .join("")
  return zipOf([
    {
      name: "[Content_Types].xml",
      data: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="${NS}/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
    },
    {
      name: "xl/workbook.xml",
      data:
        `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships">` +
        (date1904 ? '<workbookPr date1904="1"/>' : "<workbookPr/>") +
        "<sheets>" +
        sheets
          .map(
            (sheet, i) =>
              `<sheet name="${escapeXml(sheet.name)}" sheetId="${i + 1}"${sheet.state ? ` state="${sheet.state}"` : ""} r:id="rId${i + 1}"/>`,
          )
          .join("") +
        "</sheets></workbook>",
    },
    {
      name: "xl/_rels/workbook.xml.rels",
      data:
        `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${NS}/package/2006/relationships">` +
        sheets
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join("") +
        `<Relationship Id="rIdS" Type="${NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
        `<Relationship Id="rIdT" Type="${NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
        "</Relationships>",
    },
    {
      name: "xl/styles.xml",
      data:
        `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${NS}/spreadsheetml/2006/main">` +
        `<numFmts count="${custom.length}">${numFmts}</numFmts>` +
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>' +
        `<cellXfs count="${formats.length + 1}"><xf numFmtId="0"/>${xfs}</cellXfs></styleSheet>`,
    },
    {
      name: "xl/sharedStrings.xml",
      data:
        `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}/spreadsheetml/2006/main" count="${strings.length}">` +
        strings.map((text) => `<si><t xml:space="preserve">${escapeXml(text)}</t></si>`).join("") +
        "</sst>",
    },
    ...sheets.map((sheet, i) =>
      i === 0 && deflatedSheet !== undefined
        ? { name: "xl/worksheets/sheet1.xml", deflated: deflatedSheet.data, size: deflatedSheet.size }
        : {
            name: `xl/worksheets/sheet${i + 1}.xml`,
            data: `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}/spreadsheetml/2006/main"><sheetData>${sheet.rows}</sheetData></worksheet>`,
          },
    ),
  ])
}

/** The opening and closing of a sheet part's XML, for sheets built from repeated pieces. */
export const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}/spreadsheetml/2006/main"><sheetData>`
export const SHEET_TAIL = "</sheetData></worksheet>"

export interface OdsTableInput {
  readonly name: string
  /** the `<table:table-row>` elements */
  readonly rows: string
  readonly hidden?: boolean
}

const ODS_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" ' +
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ' +
  'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'

/** An .ods as LibreOffice lays it out: a stored `mimetype` first, then `content.xml` (left out with `content: false`). */
export const odsOf = (tables: ReadonlyArray<OdsTableInput>, { content = true } = {}) =>
  zipOf([
    { name: "mimetype", data: "application/vnd.oasis.opendocument.spreadsheet", store: true },
    { name: "META-INF/manifest.xml", data: '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest/>' },
    ...(content
      ? [
          {
            name: "content.xml",
            data:
              `<?xml version="1.0" encoding="UTF-8"?><office:document-content ${ODS_NS} office:version="1.3">` +
              '<office:automatic-styles><style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>' +
              '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles>' +
              "<office:body><office:spreadsheet>" +
              tables
                .map(
                  (table) =>
                    `<table:table table:name="${escapeXml(table.name)}" table:style-name="${table.hidden ? "ta2" : "ta1"}">` +
                    `<table:table-column table:number-columns-repeated="1024"/>${table.rows}</table:table>`,
                )
                .join("") +
              "</office:spreadsheet></office:body></office:document-content>",
          },
        ]
      : []),
  ])

/** A legacy Excel 97-2003 .xls (BIFF8) written by SheetJS, cells as SheetJS cell objects or plain values. */
export const xlsOf = (
  sheets: ReadonlyArray<readonly [name: string, rows: ReadonlyArray<ReadonlyArray<unknown>>, hidden?: boolean]>,
): Uint8Array => {
  const workbook = XLSX.utils.book_new()
  for (const [name, rows] of sheets) {
    XLSX.utils.book_append_sheet(workbook, XLSX.utils.aoa_to_sheet(rows as Array<Array<unknown>>), name)
  }
  workbook.Workbook = { Sheets: sheets.map(([, , hidden]) => ({ Hidden: hidden ? 1 : 0 })) }
  return new Uint8Array(XLSX.write(workbook, { type: "buffer", bookType: "xls" }))
}
