// Benchmark: `batchops process` on generated workbooks beside the same rows as CSV, and on a
// 200-page PDF table. The .xlsx files are written here as Excel writes them (shared strings,
// a percent style, one deflated sheet part), streaming the sheet's XML through zlib, so a
// 1,048,576-row workbook takes seconds to make and little memory. Budgets:
//   200,000-row .xlsx: within 2.5x the CSV time, peak RSS under 300 MB;
//   1,048,576-row .xlsx (11 columns): within 3x the CSV time, peak RSS under 400 MB;
//   200-page PDF table: peak RSS under 400 MB (time recorded).
// BENCH_WORKBOOK_ROWS (comma-separated) chooses the sizes; BENCH_RUNS the rounds.
import { spawnSync } from "node:child_process"
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { crc32, createDeflateRaw } from "node:zlib"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const dir = join(root, ".bench")
mkdirSync(dir, { recursive: true })
const sizes = (process.env.BENCH_WORKBOOK_ROWS ?? "200000,1048576").split(",").map(Number)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

const NAMES = ["Amara", "José", "Nguyễn Văn An", "李华", "Olivia", "Mateo", "Sofia", "Liam", "Aisha", "Noah"]
const CLASSES = ["9A", "9B", "10A", "10B", "11A", "11B"]
const HEADER = [
  "Student ID",
  "First Name",
  "Last Name",
  "Email",
  "Class",
  "Math",
  "English",
  "Science",
  "History",
  "Art",
  "Attendance (%)",
]

/** The rows of the benchmark, the same for the CSV and the workbook: [id, first, last, email, class, 5 scores, attendance 0..1]. */
const rowsOf = function* (count) {
  let seed = 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  const score = () => (random() < 0.02 ? "N/A" : Number((40 + random() * 60).toFixed(1)))
  for (let i = 1; i <= count; i++) {
    const id = String(i).padStart(7, "0")
    yield [
      `STU-2024-${id}`,
      NAMES[i % NAMES.length],
      NAMES[(i * 7) % NAMES.length],
      `stu${id}@students.example.edu`,
      CLASSES[i % CLASSES.length],
      score(),
      score(),
      score(),
      score(),
      score(),
      Number((0.8 + random() * 0.2).toFixed(3)),
    ]
  }
}

const writeAll = async (out, source) => {
  for await (const text of source) {
    if (!out.write(text)) await new Promise((resolve) => out.once("drain", resolve))
  }
  await new Promise((resolve) => out.end(resolve))
}

const csvFile = async (count) => {
  const file = join(dir, `workbook-rows-${count}.csv`)
  if (existsSync(file)) return file
  const lines = async function* () {
    yield `${HEADER.join(",")}\n`
    let buffer = ""
    for (const row of rowsOf(count)) {
      buffer += `${row.slice(0, 10).join(",")},${(row[10] * 100).toFixed(1)}%\n`
      if (buffer.length > 1 << 20) {
        yield buffer
        buffer = ""
      }
    }
    yield buffer
  }
  await writeAll(createWriteStream(`${file}.part`), lines())
  renameSync(`${file}.part`, file)
  return file
}

const escapeXml = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;")

const columnName = (index) => String.fromCharCode(65 + index)

/** The worksheet XML in pieces, strings as shared-string indexes, attendance with the percent style. */
const sheetXml = function* (count, strings) {
  const index = (text) => {
    let at = strings.get(text)
    if (at === undefined) {
      at = strings.size
      strings.set(text, at)
    }
    return at
  }
  yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
  const cell = (ref, value, style) =>
    typeof value === "number"
      ? `<c r="${ref}"${style ? ` s="${style}"` : ""}><v>${value}</v></c>`
      : `<c r="${ref}" t="s"><v>${index(value)}</v></c>`
  yield `<row r="1">${HEADER.map((name, c) => cell(`${columnName(c)}1`, name)).join("")}</row>`
  let buffer = ""
  let r = 1
  for (const row of rowsOf(count)) {
    r += 1
    buffer += `<row r="${r}">${row.map((value, c) => cell(`${columnName(c)}${r}`, value, c === 10 ? 1 : 0)).join("")}</row>`
    if (buffer.length > 1 << 20) {
      yield buffer
      buffer = ""
    }
  }
  yield `${buffer}</sheetData></worksheet>`
}

/** A ZIP written as it goes: each part deflated (or given already deflated), sizes in data descriptors and the directory. */
class ZipWriter {
  offset = 0
  directory = []
  constructor(out) {
    this.out = out
  }
  async write(bytes) {
    this.offset += bytes.length
    if (!this.out.write(bytes)) await new Promise((resolve) => this.out.once("drain", resolve))
  }
  async part(name, pieces) {
    const nameBytes = Buffer.from(name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0808, 6) // sizes in a data descriptor; UTF-8 names
    local.writeUInt16LE(8, 8)
    local.writeUInt16LE(nameBytes.length, 26)
    const start = this.offset
    await this.write(Buffer.concat([local, nameBytes]))
    let crc = 0
    let size = 0
    let compressed = 0
    const deflate = createDeflateRaw({ level: 6 })
    const done = (async () => {
      for await (const chunk of deflate) {
        compressed += chunk.length
        await this.write(chunk)
      }
    })()
    for (const piece of pieces) {
      const bytes = Buffer.from(piece)
      crc = crc32(bytes, crc)
      size += bytes.length
      if (!deflate.write(bytes)) await new Promise((resolve) => deflate.once("drain", resolve))
    }
    deflate.end()
    await done
    const descriptor = Buffer.alloc(16)
    descriptor.writeUInt32LE(0x08074b50, 0)
    descriptor.writeUInt32LE(crc >>> 0, 4)
    descriptor.writeUInt32LE(compressed, 8)
    descriptor.writeUInt32LE(size, 12)
    await this.write(descriptor)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0808, 8)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(crc >>> 0, 16)
    central.writeUInt32LE(compressed, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE(start, 42)
    this.directory.push(central, nameBytes)
  }
  async end() {
    const directory = Buffer.concat(this.directory)
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(this.directory.length / 2, 8)
    end.writeUInt16LE(this.directory.length / 2, 10)
    end.writeUInt32LE(directory.length, 12)
    end.writeUInt32LE(this.offset, 16)
    await this.write(Buffer.concat([directory, end]))
    await new Promise((resolve) => this.out.end(resolve))
  }
}

const NS = "http://schemas.openxmlformats.org"

const xlsxFile = async (count) => {
  const file = join(dir, `workbook-rows-${count}.xlsx`)
  if (existsSync(file)) return file
  const zip = new ZipWriter(createWriteStream(`${file}.part`))
  await zip.part("[Content_Types].xml", [
    `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="${NS}/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' +
      "</Types>",
  ])
  await zip.part("_rels/.rels", [
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${NS}/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  ])
  await zip.part("xl/workbook.xml", [
    `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships">` +
      '<sheets><sheet name="Grades" sheetId="1" r:id="rId1"/></sheets></workbook>',
  ])
  await zip.part("xl/_rels/workbook.xml.rels", [
    `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${NS}/package/2006/relationships">` +
      `<Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
      `<Relationship Id="rId2" Type="${NS}/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
      `<Relationship Id="rId3" Type="${NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
      "</Relationships>",
  ])
  await zip.part("xl/styles.xml", [
    `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${NS}/spreadsheetml/2006/main">` +
      '<numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>' +
      '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
  ])
  const strings = new Map()
  await zip.part("xl/worksheets/sheet1.xml", sheetXml(count, strings))
  await zip.part(
    "xl/sharedStrings.xml",
    (function* () {
      yield `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}/spreadsheetml/2006/main" count="${strings.size}" uniqueCount="${strings.size}">`
      let buffer = ""
      for (const text of strings.keys()) {
        buffer += `<si><t>${escapeXml(text)}</t></si>`
        if (buffer.length > 1 << 20) {
          yield buffer
          buffer = ""
        }
      }
      yield `${buffer}</sst>`
    })(),
  )
  await zip.end()
  renameSync(`${file}.part`, file)
  return file
}

/** A 200-page PDF table from pdfkit (about 10,000 rows), made with the reports package's own dependency. */
const pdfFile = async () => {
  const file = join(dir, "workbook-table-200-pages.pdf")
  if (existsSync(file)) return file
  const { default: PDFDocument } = await import(join(root, "node_modules", "pdfkit", "js", "pdfkit.js"))
  const doc = new PDFDocument({ size: "A4", margin: 40 })
  const out = createWriteStream(`${file}.part`)
  doc.pipe(out)
  const widths = [90, 70, 70, 50, 45, 45, 45, 45]
  const header = ["Student ID", "First Name", "Last Name", "Class", "Math", "English", "Science", "History"]
  const line = (cells, y) => {
    let x = 40
    cells.forEach((text, i) => {
      doc.text(String(text), x, y, { width: widths[i] - 4, lineBreak: false })
      x += widths[i]
    })
  }
  const rows = rowsOf(10_000)
  for (let page = 0; page < 200; page++) {
    if (page > 0) doc.addPage()
    doc.fontSize(8)
    line(header, 40)
    for (let r = 0; r < 50; r++) {
      const row = rows.next().value
      line([row[0], row[1], row[2], row[4], row[5], row[6], row[7], row[8]], 54 + r * 14)
    }
  }
  doc.end()
  await new Promise((resolve) => out.on("finish", resolve))
  renameSync(`${file}.part`, file)
  return file
}

const measure = join(root, "scripts", "bench-measure.mjs")
const run = (label, file) => {
  const stats = join(dir, `${label}.json`)
  rmSync(stats, { force: true })
  const started = performance.now()
  const child = spawnSync(
    process.execPath,
    [join(root, "packages", "server", "bin", "batchops.js"), "process", file, "--out", join(dir, "exports"), "--json"],
    {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: `--import=${measure}`, BENCH_STATS: stats },
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 << 20,
    },
  )
  const wallMs = Math.round(performance.now() - started)
  const result = JSON.parse(child.stdout.toString() || "{}")
  if (result.status !== "published") {
    throw new Error(`${label}: the pipeline did not publish: ${JSON.stringify(result.incident ?? child.status)}`)
  }
  const { maxRssKiB } = JSON.parse(readFileSync(stats, "utf8"))
  return { wallMs, peakRssMB: Math.round(maxRssKiB / 1024), rows: result.rows, format: result.format }
}

const report = { node: process.version, runs: RUNS, workbooks: [], pdf: undefined }
let within = true
for (const count of sizes) {
  process.stderr.write(`workbook of ${count} rows: generating ...\n`)
  const csv = await csvFile(count)
  const xlsx = await xlsxFile(count)
  run("csv", csv) // warm-up: the compile cache, the file in the page cache
  run("xlsx", xlsx)
  // alternating rounds, as in bench.mjs: the median round's ratio, each side's highest RSS
  const rounds = Array.from({ length: RUNS }, () => {
    const fromCsv = run("csv", csv)
    const fromXlsx = run("xlsx", xlsx)
    if (fromCsv.rows !== count || fromXlsx.rows !== count || fromXlsx.format !== "xlsx") {
      throw new Error(`read ${fromCsv.rows} rows of CSV and ${fromXlsx.rows} of ${fromXlsx.format}; expected ${count}`)
    }
    return { fromCsv, fromXlsx, ratio: fromXlsx.wallMs / fromCsv.wallMs }
  }).sort((a, b) => a.ratio - b.ratio)
  const middle = rounds[Math.floor(rounds.length / 2)]
  const budget = count >= 1_000_000 ? { ratioMax: 3, peakRssMBMax: 400 } : { ratioMax: 2.5, peakRssMBMax: 300 }
  const xlsxPeak = Math.max(...rounds.map((r) => r.fromXlsx.peakRssMB))
  const entry = {
    rows: count,
    xlsxMB: Math.round(statSync(xlsx).size / 1e6),
    csvMB: Math.round(statSync(csv).size / 1e6),
    csv: { wallMs: middle.fromCsv.wallMs, peakRssMB: Math.max(...rounds.map((r) => r.fromCsv.peakRssMB)) },
    xlsx: { wallMs: middle.fromXlsx.wallMs, peakRssMB: xlsxPeak },
    roundRatios: rounds.map((r) => Number(r.ratio.toFixed(2))),
    ratio: Number(middle.ratio.toFixed(2)),
    budgets: budget,
    withinBudget: middle.ratio <= budget.ratioMax && xlsxPeak < budget.peakRssMBMax,
  }
  within &&= entry.withinBudget
  report.workbooks.push(entry)
}
if (process.env.BENCH_PDF !== "0") {
  const pdf = await pdfFile()
  run("pdf", pdf)
  const result = run("pdf", pdf)
  report.pdf = { pages: 200, fileMB: Number((statSync(pdf).size / 1e6).toFixed(1)), ...result, peakRssMBMax: 400 }
  within &&= result.peakRssMB < 400
}
report.withinBudget = within
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
if (!within) process.exitCode = 1
