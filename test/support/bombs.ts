/**
 * Hostile files for the resource-limit tests, generated in milliseconds: a workbook whose
 * sheet declares a small size but inflates to a gigabyte, and the peak memory a piece of work
 * costs the process.
 */
import { Worker } from "node:worker_threads"
import { constants, crc32, deflateRawSync } from "node:zlib"

const encoder = new TextEncoder()

interface ZipPart {
  readonly name: string
  /** the part's compressed (DEFLATE) bytes */
  readonly deflated: Uint8Array
  /** the uncompressed size its headers declare */
  readonly declaredSize: number
  readonly crc: number
}

const part = (name: string, text: string): ZipPart => {
  const bytes = encoder.encode(text)
  return { name, deflated: deflateRawSync(bytes), declaredSize: bytes.length, crc: crc32(bytes) }
}

/** A ZIP of deflated parts, written byte by byte: local headers, data, central directory, end record. */
const zip = (parts: ReadonlyArray<ZipPart>): Uint8Array => {
  const chunks: Array<Uint8Array> = []
  const directory: Array<Uint8Array> = []
  let offset = 0
  for (const { name, deflated, declaredSize, crc } of parts) {
    const nameBytes = encoder.encode(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(8, 8) // deflated
    local.writeUInt32LE(crc >>> 0, 14)
    local.writeUInt32LE(deflated.length, 18)
    local.writeUInt32LE(declaredSize, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(crc >>> 0, 16)
    central.writeUInt32LE(deflated.length, 20)
    central.writeUInt32LE(declaredSize, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(offset, 42)
    chunks.push(local, nameBytes, deflated)
    directory.push(central, nameBytes)
    offset += local.length + nameBytes.length + deflated.length
  }
  const directorySize = directory.reduce((size, chunk) => size + chunk.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(parts.length, 8)
  end.writeUInt16LE(parts.length, 10)
  end.writeUInt32LE(directorySize, 12)
  end.writeUInt32LE(offset, 16)
  return new Uint8Array(Buffer.concat([...chunks, ...directory, end]))
}

const MIB = 1024 * 1024

/**
 * The raw DEFLATE data of `head`, then `block` `copies` times, then `tail`, built without
 * compressing the whole: each piece is compressed on its own and ends on a full flush (byte
 * aligned, no reference to earlier data), so the compressed block can simply be repeated.
 */
export const repeatedDeflate = (head: string, block: string, copies: number, tail: string): Uint8Array => {
  const flush = { finishFlush: constants.Z_FULL_FLUSH }
  const compressedBlock = deflateRawSync(encoder.encode(block), flush)
  return Buffer.concat([
    deflateRawSync(encoder.encode(head), flush),
    ...Array.from({ length: copies }, () => compressedBlock),
    deflateRawSync(encoder.encode(tail)),
  ])
}

export interface WorkbookBombOptions {
  /** what each sheet inflates to (about; whole rows): default 1 GiB */
  readonly sheetBytes?: number
  /** how many such sheets (default 1) */
  readonly sheets?: number
  /**
   * the uncompressed size each sheet declares in the local header and the directory (default
   * 0, "unknown": a reader that trusts it grows its buffer to what comes out; one that trusts a
   * small size spends the time and drops the rest)
   */
  readonly declaredSize?: number
}

/**
 * A real .xlsx whose sheets each declare `declaredSize` but inflate to `sheetBytes` of rows:
 * with the defaults, about 1 MB on disk and 1 GiB inflated.
 */
export const workbookBomb = ({
  sheetBytes = 1024 * MIB,
  sheets = 1,
  declaredSize = 0,
}: WorkbookBombOptions = {}): Uint8Array => {
  // A row of one long cell: a long run is what DEFLATE compresses most, about 1,000 times.
  const block = `<row><c t="inlineStr"><is><t>${"A".repeat(MIB - 64)}</t></is></c></row>`
  const names = Array.from({ length: sheets }, (_, i) => `Sheet${i + 1}`)
  const sheetData = repeatedDeflate(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
    block,
    Math.max(1, Math.round(sheetBytes / block.length)),
    "</sheetData></worksheet>",
  )
  const ns = "http://schemas.openxmlformats.org"
  return zip([
    part(
      "[Content_Types].xml",
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="${ns}/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        names
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join("") +
        "</Types>",
    ),
    part(
      "_rels/.rels",
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${ns}/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
        "</Relationships>",
    ),
    part(
      "xl/workbook.xml",
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${ns}/spreadsheetml/2006/main" ` +
        `xmlns:r="${ns}/officeDocument/2006/relationships"><sheets>` +
        names.map((name, i) => `<sheet name="${name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("") +
        "</sheets></workbook>",
    ),
    part(
      "xl/_rels/workbook.xml.rels",
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${ns}/package/2006/relationships">` +
        names
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="${ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join("") +
        "</Relationships>",
    ),
    ...names.map((_, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      deflated: sheetData,
      declaredSize,
      crc: 0,
    })),
  ])
}

export interface Measured<A> {
  readonly result: A
  /** wall-clock time of the work, in milliseconds */
  readonly ms: number
  /** how far the process's resident memory rose above where it was when the work started, in bytes */
  readonly peakGrowth: number
}

/**
 * Samples the process's resident memory every millisecond or two from a thread of its own,
 * so synchronous work on the main thread (a parser inflating) cannot hide its peak.
 */
const SAMPLER = `
const { workerData, parentPort } = require("node:worker_threads")
const peak = new BigInt64Array(workerData)
const sample = () => {
  const rss = BigInt(process.memoryUsage.rss())
  if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss)
}
sample()
parentPort.postMessage("sampling")
setInterval(sample, 1)
`

/** Runs `work` and measures its time and the highest resident memory of the process meanwhile. */
export const measure = async <A>(work: () => Promise<A>): Promise<Measured<A>> => {
  const peak = new BigInt64Array(new SharedArrayBuffer(8))
  const sampler = new Worker(SAMPLER, { eval: true, workerData: peak.buffer })
  await new Promise((resolve) => sampler.once("message", resolve))
  const before = process.memoryUsage.rss()
  const started = performance.now()
  try {
    const result = await work()
    const ms = performance.now() - started
    return { result, ms, peakGrowth: Math.max(0, Number(Atomics.load(peak, 0)) - before) }
  } finally {
    await sampler.terminate()
  }
}
