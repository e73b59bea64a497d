/**
 * What the fuzzer does to a valid file: byte-level damage for every format (bit flips,
 * truncation, inserted, removed and repeated runs), text damage for CSV (huge cells, stray
 * quotes, thousands of columns, text hard to render in a report), ZIP damage for workbooks (duplicated and removed entries,
 * lying sizes, checksums and methods) and the XML inside them (deep nesting, huge cells,
 * cell references at the edge of the sheet, entities), and PDF structure damage (deep
 * nesting, lying lengths, offsets and page counts).
 */
import type { Random } from "./Random.js"
import type { SeedFormat } from "./SeedFiles.js"
import { partContent, readZip, writeZip, type ZipLies, type ZipPart, zipPart } from "./Zip.js"

/** One mutation applied: its bytes and a label saying what was done, for the failure report. */
export interface Mutated {
  readonly bytes: Uint8Array
  readonly label: string
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")
const fromLatin1 = (text: string) => new Uint8Array(Buffer.from(text, "latin1"))
const utf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const fromUtf8 = (text: string) => new TextEncoder().encode(text)

const splice = (bytes: Uint8Array, at: number, remove: number, insert: Uint8Array = new Uint8Array()) =>
  new Uint8Array(Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(at + remove)]))

/** A position in `bytes`, sometimes in its first KiB, where headers and magic numbers are. */
const position = (random: Random, length: number) =>
  random.chance(0.3) ? random.int(0, Math.min(length, 1024)) : random.int(0, length)

/** A length for a huge run: past a spreadsheet cell's 32,767 characters or far past it. */
const hugeLength = (random: Random) => random.pick([5_000, 32_768, 100_000, 1_000_000])

/** `text` with some matches of `pattern` replaced (each with probability `p`, at most `max`), and how many. */
const replaceSome = (
  random: Random,
  text: string,
  pattern: RegExp,
  p: number,
  max: number,
  replace: (match: string, ...groups: Array<string>) => string,
) => {
  let count = 0
  const replaced = text.replace(pattern, (match: string, ...groups: Array<string>) => {
    if (count >= max || !random.chance(p)) return match
    count += 1
    return replace(match, ...groups)
  })
  return { text: replaced, count }
}

/** Cell text that is hard to render: long, right-to-left, combining, astral, unpaired, formula-like. */
const HOSTILE_TEXT = [
  "w".repeat(32_767),
  `${"word ".repeat(6_000)}end`,
  "\u202eSTU-2024-0001\u202c",
  `e${"\u0301".repeat(5_000)}`,
  "👩‍👩‍👧‍👦🏳️‍🌈".repeat(200),
  "\ud800\udfff\ud83d",
  '=HYPERLINK("http://x.example","y")',
  "\u0000\u0001\u0008\u001b[31m",
  "ﷺ".repeat(2_000),
  "\t\v\f\u00a0\u2028\u3000",
]

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x2c, 0x3b, 0x09, 0x0a, 0x0d, 0x3c, 0x3e, 0x26, 0xef, 0xfe]

// ---------------------------------------------------------------------------------------------
// Any format: bytes

export const byteMutations: ReadonlyArray<(random: Random, bytes: Uint8Array) => Mutated> = [
  (random, bytes) => {
    const flipped = bytes.slice()
    const count = random.int(1, 32)
    for (let i = 0; i < count && flipped.length > 0; i++) {
      flipped[position(random, flipped.length - 1)]! ^= 1 << random.int(0, 7)
    }
    return { bytes: flipped, label: `bit-flips(${count})` }
  },
  (random, bytes) => {
    const changed = bytes.slice()
    const count = random.int(1, 16)
    for (let i = 0; i < count && changed.length > 0; i++) {
      changed[position(random, changed.length - 1)] = random.pick(INTERESTING)
    }
    return { bytes: changed, label: `interesting-bytes(${count})` }
  },
  (random, bytes) => {
    const at = random.chance(0.3) ? Math.max(0, bytes.length - random.int(1, 64)) : random.int(0, bytes.length)
    return { bytes: bytes.slice(0, at), label: `truncate(${at} of ${bytes.length})` }
  },
  (random, bytes) => {
    const at = position(random, bytes.length)
    const junk = Uint8Array.from({ length: random.int(1, 4096) }, () => random.int(0, 255))
    return { bytes: splice(bytes, at, 0, junk), label: `insert-junk(${junk.length} at ${at})` }
  },
  (random, bytes) => {
    const at = position(random, bytes.length)
    const length = random.int(1, Math.max(1, Math.min(4096, bytes.length - at)))
    return { bytes: splice(bytes, at, length), label: `delete(${length} at ${at})` }
  },
  (random, bytes) => {
    const from = random.int(0, bytes.length)
    const length = random.int(1, Math.max(1, Math.min(8192, bytes.length - from)))
    const at = position(random, bytes.length)
    const copies = random.pick([1, 1, 2, 50])
    const run = Buffer.concat(Array.from({ length: copies }, () => bytes.subarray(from, from + length)))
    return { bytes: splice(bytes, at, 0, run), label: `repeat(${length}x${copies} from ${from} at ${at})` }
  },
]

// ---------------------------------------------------------------------------------------------
// CSV: text

const csvMutations: ReadonlyArray<(random: Random, bytes: Uint8Array) => Mutated> = [
  (random, bytes) => {
    const length = hugeLength(random)
    const at = position(random, bytes.length)
    const cell = fromUtf8(random.pick(["x", "é", "9", " "]).repeat(length))
    return { bytes: splice(bytes, at, 0, cell), label: `huge-cell(${length} at ${at})` }
  },
  (random, bytes) => {
    const at = position(random, bytes.length)
    return { bytes: splice(bytes, at, 0, fromUtf8('"')), label: `stray-quote(at ${at})` }
  },
  (random, bytes) => {
    // text that reaches the published reports: a nearly full cell, scripts and marks the PDF fonts may lack
    const text = random.pick(HOSTILE_TEXT)
    const cells = random.int(1, 5)
    let current = bytes
    for (let i = 0; i < cells; i++) current = splice(current, position(random, current.length), 0, fromUtf8(text))
    return {
      bytes: current,
      label: `hostile-text(${cells}x ${JSON.stringify(text.slice(0, 12))}, ${text.length} chars)`,
    }
  },
  (random, bytes) => {
    const count = random.pick([100, 5_000, 20_000])
    const at = position(random, bytes.length)
    const delimiter = random.pick([",", ";", "\t"])
    return { bytes: splice(bytes, at, 0, fromUtf8(delimiter.repeat(count))), label: `many-columns(${count} at ${at})` }
  },
  (random, bytes) => {
    const count = random.pick([1_000, 20_000])
    const line = random.pick(["\n", ",,,\n", "STU-1,1\n", '"\n'])
    return { bytes: splice(bytes, bytes.length, 0, fromUtf8(line.repeat(count))), label: `many-rows(${count})` }
  },
  (random, bytes) => {
    const bom = random.pick([
      [0xef, 0xbb, 0xbf],
      [0xff, 0xfe],
      [0xfe, 0xff],
    ])
    const at = random.chance(0.5) ? 0 : position(random, bytes.length)
    return { bytes: splice(bytes, at, 0, Uint8Array.from(bom)), label: `byte-order-mark(${bom.length} at ${at})` }
  },
  (random, bytes) => {
    const text = latin1(bytes)
    const breaks = random.pick(["\r", "\n", "\r\r\n", "\x85"])
    const { text: replaced, count } = replaceSome(random, text, /\r?\n/g, 0.3, Number.POSITIVE_INFINITY, () => breaks)
    return { bytes: fromLatin1(replaced), label: `line-breaks(${count} to ${JSON.stringify(breaks)})` }
  },
]

// ---------------------------------------------------------------------------------------------
// Workbooks: the XML inside the ZIP

const xmlParts = (parts: ReadonlyArray<ZipPart>) => parts.filter((part) => /\.(xml|rels)$/.test(part.name))

/** The part the mutation works on: mostly the sheet's own XML, where the cells are. */
const pickXmlPart = (random: Random, parts: ReadonlyArray<ZipPart>): ZipPart | undefined => {
  const candidates = xmlParts(parts)
  const sheets = candidates.filter((part) => /sheet\d*\.xml$|sharedStrings\.xml$|content\.xml$/.test(part.name))
  return random.chance(0.7) && sheets.length > 0
    ? random.pick(sheets)
    : candidates.length > 0
      ? random.pick(candidates)
      : undefined
}

/** Where an element may go in the XML: after a random tag's end. */
const tagEnd = (random: Random, xml: string): number => {
  const ends: Array<number> = []
  for (let i = xml.indexOf(">"); i >= 0 && ends.length < 10_000; i = xml.indexOf(">", i + 1)) ends.push(i + 1)
  return ends.length === 0 ? xml.length : random.pick(ends)
}

const xmlMutations: ReadonlyArray<(random: Random, xml: string) => { xml: string; label: string }> = [
  (random, xml) => {
    const depth = random.pick([1_000, 10_000, 100_000])
    const tag = random.pick(["x", "row", "c", "si", "table:table-row", "text:span"])
    const at = tagEnd(random, xml)
    const closed = random.chance(0.5)
    const nest = `<${tag}>`.repeat(depth) + (closed ? `</${tag}>`.repeat(depth) : "")
    return {
      xml: xml.slice(0, at) + nest + xml.slice(at),
      label: `deep-nesting(${depth} <${tag}>${closed ? "" : " unclosed"})`,
    }
  },
  (random, xml) => {
    const length = hugeLength(random)
    const text = random.pick(["x", "é", "1"]).repeat(length)
    const target = /<(t|v|text:p)( [^>]*)?>[^<]*</.exec(xml.slice(random.int(0, xml.length)))
    if (target === null)
      return { xml: xml.replace(/(<\/[^>]+>)$/, `<t>${text}</t>$1`), label: `huge-cell(${length}, appended)` }
    return {
      xml: xml.replace(target[0], `${target[0].slice(0, -1)}${text}<`),
      label: `huge-cell(${length} in <${target[1]}>)`,
    }
  },
  (random, xml) => {
    const edge = random.pick(["XFD1048576", "A1048576", "XFD1", "ZZZZ99999999", "B4294967295", "A0", "-1", ""])
    const { text: replaced, count } = replaceSome(random, xml, / (r|ref)="[^"]*"/g, 0.2, 3, (_, attribute) =>
      attribute === "ref" ? ` ref="A1:${edge}"` : ` r="${edge}"`,
    )
    return { xml: replaced, label: `cell-references(${count} to ${JSON.stringify(edge)})` }
  },
  (random, xml) => {
    const value = random.pick(["1048576", "16384", "100000", "-5", "NaN"])
    const attribute = random.pick(["table:number-rows-repeated", "table:number-columns-repeated"])
    const { text: replaced, count } = replaceSome(
      random,
      xml,
      /<(table:table-(?:row|cell))( |>|\/)/g,
      0.1,
      2,
      (_, name, after) => `<${name} ${attribute}="${value}"${after}`,
    )
    return { xml: replaced, label: `repeated(${count} ${attribute}=${value})` }
  },
  (random, xml) => {
    // a few levels of entities: far short of a billion laughs, enough to see whether they expand
    const levels = random.int(1, 4)
    let doctype = '<!DOCTYPE x [<!ENTITY e0 "lol">'
    for (let i = 1; i <= levels; i++) doctype += `<!ENTITY e${i} "${`&e${i - 1};`.repeat(10)}">`
    doctype += "]>"
    const declared = xml.replace(/^(<\?xml[^>]*\?>)?/, (declaration) => declaration + doctype)
    return { xml: declared.replace(/<(t|v|text:p)>/, `<$1>&e${levels};`), label: `entities(${levels} levels)` }
  },
  (random, xml) => {
    const at = random.int(0, xml.length)
    return { xml: xml.slice(0, at), label: `xml-truncate(${at} of ${xml.length})` }
  },
  (random, xml) => {
    const chars = Array.from(xml)
    const count = random.int(1, 16)
    for (let i = 0; i < count && chars.length > 0; i++) {
      chars[random.int(0, chars.length - 1)] = random.pick(["<", ">", "&", '"', "/", "\u0000", "\uffff", "é", " "])
    }
    return { xml: chars.join(""), label: `xml-characters(${count})` }
  },
]

// ---------------------------------------------------------------------------------------------
// Workbooks: the ZIP's entries and headers

interface ZipModel {
  parts: Array<ZipPart>
  lies: { -readonly [K in keyof ZipLies]: ZipLies[K] }
}

const SIZE_LIES = [0, 1, 0x7fffffff, 0xffffffff, 0x40000000]

/** Damage to the XML of one part, the ZIP rewritten around it so that only the XML is wrong. */
const xmlMutation = (random: Random, zip: ZipModel): string => {
  const part = pickXmlPart(random, zip.parts)
  if (part === undefined) return "xml(no XML entry)"
  const { xml, label } = random.pick(xmlMutations)(random, utf8(partContent(part)))
  zip.parts[zip.parts.indexOf(part)] = zipPart(part.name, fromUtf8(xml), part.method === 8)
  return `xml:${label} in ${part.name}`
}

const zipMutations: ReadonlyArray<(random: Random, zip: ZipModel) => string> = [
  (random, zip) => {
    const index = random.int(0, zip.parts.length - 1)
    const [removed] = zip.parts.splice(index, 1)
    return `zip:remove-entry(${removed?.name})`
  },
  (random, zip) => {
    const original = random.pick(zip.parts)
    const content = random.chance(0.5) ? partContent(random.pick(zip.parts)) : partContent(original)
    zip.parts.splice(random.int(0, zip.parts.length), 0, zipPart(original.name, content, original.method === 8))
    return `zip:duplicate-entry(${original.name})`
  },
  (random, zip) => {
    const part = random.pick(zip.parts)
    const where = random.pick(["local", "central", "both"] as const)
    const which = random.pick(["compressed", "uncompressed"] as const)
    const value = random.chance(0.5) ? random.pick(SIZE_LIES) : random.int(0, part.uncompressedSize * 4 + 16)
    const sizes = { compressed: part.data.length, uncompressed: part.uncompressedSize, [which]: value }
    if (where !== "central") part.localSizes = sizes
    if (where !== "local") part.centralSizes = sizes
    return `zip:lying-size(${part.name} ${where} ${which}=${value})`
  },
  (random, zip) => {
    const part = random.pick(zip.parts)
    part.crc = random.int(0, 0xffffffff)
    return `zip:bad-checksum(${part.name})`
  },
  (random, zip) => {
    const part = random.pick(zip.parts)
    part.method = random.pick([0, 8, 9, 12, 14, 93, 99, 0xffff])
    return `zip:method(${part.name} ${part.method})`
  },
  (random, zip) => {
    const part = random.pick(zip.parts)
    part.flags |= random.pick([0x1, 0x8, 0x40])
    return `zip:flags(${part.name} ${part.flags})`
  },
  (random, zip) => {
    const lie = random.pick(["count", "offsetShift", "commentLength"] as const)
    zip.lies[lie] = lie === "count" ? random.pick([0, 1, 0xffff, zip.parts.length + 5]) : random.int(-64, 64)
    return `zip:end-record(${lie}=${zip.lies[lie]})`
  },
  (random, zip) => {
    for (let i = zip.parts.length - 1; i > 0; i--) {
      const j = random.int(0, i)
      ;[zip.parts[i], zip.parts[j]] = [zip.parts[j]!, zip.parts[i]!]
    }
    return "zip:shuffle-entries"
  },
  (random, zip) => {
    const part = random.pick(zip.parts)
    const index = zip.parts.indexOf(part)
    const name = random.pick([part.name.toUpperCase(), `../../${part.name}`, `${part.name}\u0000`, `/${part.name}`, ""])
    zip.parts[index] = { ...part, name }
    return `zip:rename(${part.name} to ${JSON.stringify(name)})`
  },
]

// ---------------------------------------------------------------------------------------------
// PDF: structure

const pdfMutations: ReadonlyArray<(random: Random, text: string) => { text: string; label: string }> = [
  (random, text) => {
    const depth = random.pick([1_000, 10_000, 100_000])
    const open = random.pick(["[", "<<"])
    const nest = open === "[" ? "[".repeat(depth) + "]".repeat(depth) : "<</A ".repeat(depth) + "1" + ">>".repeat(depth)
    const at = text.search(/\/Resources|\/Type \/Page\b/)
    const where = at >= 0 && random.chance(0.7) ? at : random.int(0, text.length)
    return {
      text: `${text.slice(0, where)}/Deep ${nest} ${text.slice(where)}`,
      label: `pdf:deep-nesting(${depth} ${open})`,
    }
  },
  (random, text) => {
    const length = hugeLength(random)
    const replaced = text.replace(/\(([^()\\]*)\) Tj/, (_, cell) => `(${cell}${"x".repeat(length)}) Tj`)
    return { text: replaced, label: `pdf:huge-cell(${length}${replaced === text ? ", no text operator" : ""})` }
  },
  (random, text) => {
    const value = random.pick([0, 1, 999_999_999, -1]) + (random.chance(0.5) ? 0 : random.int(0, text.length))
    return { text: text.replace(/startxref\s+\d+/, `startxref\n${value}`), label: `pdf:startxref(${value})` }
  },
  (random, text) => {
    const { text: replaced, count } = replaceSome(
      random,
      text,
      /\/Length (\d+)/g,
      0.3,
      Number.POSITIVE_INFINITY,
      (_, length) => `/Length ${random.pick([0, 1, Number(length) * 10, 2_147_483_647])}`,
    )
    return { text: replaced, label: `pdf:lying-length(${count})` }
  },
  (random, text) => {
    const count = random.pick([0, 10_000, 1_000_000, 2_147_483_647, -1])
    return { text: text.replace(/\/Count \d+/, `/Count ${count}`), label: `pdf:page-count(${count})` }
  },
  (random, text) => {
    const number = random.int(1, 12)
    const replaced = text.replace(new RegExp(`\\b${number} 0 R\\b`, "g"), `${random.pick([number, 0, 99999])} 0 R`)
    return {
      text: replaced.replace(new RegExp(`\\b${number} 0 obj`), "0 0 obj"),
      label: `pdf:object-numbers(${number})`,
    }
  },
]

// ---------------------------------------------------------------------------------------------

/** `count` mutations of the format's structure: its text (CSV), its ZIP and XML (workbooks), its objects (PDF). */
const structural = (random: Random, format: SeedFormat, bytes: Uint8Array, count: number): Array<Mutated> => {
  if (count === 0) return []
  if (format === "csv") {
    const steps: Array<Mutated> = []
    let current = bytes
    for (let i = 0; i < count; i++) {
      const step = random.pick(csvMutations)(random, current)
      steps.push(step)
      current = step.bytes
    }
    return steps
  }
  if (format === "pdf") {
    const steps: Array<Mutated> = []
    let text = latin1(bytes)
    for (let i = 0; i < count; i++) {
      const step = random.pick(pdfMutations)(random, text)
      text = step.text
      steps.push({ bytes: fromLatin1(text), label: step.label })
    }
    return steps
  }
  const zip: ZipModel = { parts: readZip(bytes), lies: {} }
  const labels = Array.from({ length: count }, () =>
    random.chance(0.4) ? xmlMutation(random, zip) : random.pick(zipMutations)(random, zip),
  )
  return [{ bytes: writeZip(zip.parts, zip.lies), label: labels.join(", ") }]
}

/**
 * The file after 1 to 4 mutations (structural first, then bytes), with what was done. A
 * twentieth of the cases are left whole: a valid file must publish.
 */
export const mutate = (random: Random, format: SeedFormat, bytes: Uint8Array): Mutated => {
  if (random.chance(0.05)) return { bytes, label: "none" }
  const structuralCount = random.int(0, 2)
  const byteCount = random.int(structuralCount === 0 ? 1 : 0, 2)
  const steps = structural(random, format, bytes, structuralCount)
  let current = steps.at(-1)?.bytes ?? bytes
  for (let i = 0; i < byteCount; i++) {
    const step = random.pick(byteMutations)(random, current)
    steps.push(step)
    current = step.bytes
  }
  return { bytes: current, label: steps.map((step) => step.label).join(" + ") }
}
