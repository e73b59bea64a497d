/**
 * Large files on disk are read and split by a second thread (CsvThread). These tests make the
 * parser use it for every file (`threadFromBytes: 0`) and check that it gives exactly what the
 * parser gives reading on its own thread: the same records, details and errors, whatever the
 * encoding, line ends, quotes, blank lines and chunk boundaries, and that a stream stopped
 * early stops the thread.
 */
import { cleanCell, type FileParser, isMarkedClean } from "@batchops/core"
import { fromPath } from "@batchops/parsers"
import { Effect, Exit, Stream } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { csvParserWith } from "../src/CsvParser.js"
import { recordsFromEnds, splitRecords } from "../src/internal/CsvText.js"
import { fixtureDirectory, utf8, utf8Bom, utf16le } from "./helpers.js"

const inThread = csvParserWith({ threadFromBytes: 0 })
const onItsOwn = csvParserWith({ threadFromBytes: Number.POSITIVE_INFINITY })

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>
beforeAll(async () => {
  fixtures = await fixtureDirectory()
})
afterAll(() => fixtures.cleanup())

let written = 0

/** What a parser makes of a file on disk: its records, chunks and details, or its error message. */
const read = async (parser: FileParser, path: string) => {
  const exit = await Effect.runPromiseExit(
    Effect.gen(function* () {
      const source = yield* fromPath(path)
      const parsed = yield* parser.parse(source)
      const chunks = yield* Stream.runCollect(parsed.records)
      return { details: parsed.details, chunks }
    }),
  )
  if (Exit.isFailure(exit)) {
    const error = exit.cause.reasons[0]
    return { error: error !== undefined && "error" in error ? (error.error as Error).message : String(exit.cause) }
  }
  return { details: exit.value.details, records: exit.value.chunks.flat(), chunks: exit.value.chunks }
}

/** Both ways of reading agree on the file; every chunk marked clean holds clean cells only. */
const expectSame = async (data: Uint8Array | string) => {
  const path = await fixtures.write(`file-${written++}.csv`, data)
  const [split, own] = await Promise.all([read(inThread, path), read(onItsOwn, path)])
  expect(split.error).toEqual(own.error)
  expect(split.details).toEqual(own.details)
  expect(split.records).toEqual(own.records)
  for (const chunk of split.chunks ?? []) {
    if (!isMarkedClean(chunk)) continue
    for (const record of chunk) for (const value of record) if (value) expect(cleanCell(value)).toBe(value)
  }
  return split
}

const row = (i: number) =>
  `STU-${String(i).padStart(6, "0")},Nguyễn Văn An,李华,${(i * 7) % 100}.5,${i % 3 === 0 ? "N/A" : "ok"}`

describe("CsvThread", () => {
  it("splits records the way papaparse does text without quotes", () => {
    const text = "a,b,,c\n\nd\r\ne,f\nlast,cell"
    const ends = new Int32Array(text.length + 1)
    const partial = splitRecords(text, ",", false, ends)
    expect(text.slice(partial.consumed)).toBe("last,cell")
    expect(recordsFromEnds(text, ends, partial.count, true)).toEqual([["a", "b", "", "c"], [""], ["d"], ["e", "f"]])
    const whole = splitRecords(text, ",", true, ends)
    expect(whole.consumed).toBe(text.length)
    expect(recordsFromEnds(text, ends, whole.count, false).at(-1)).toEqual(["last", "cell"])
  })

  it("gives a large export the records the parser gives on its own, in chunks of whole records", async () => {
    const text = `Student ID,Name,Other,Score,Status\n${Array.from({ length: 20_000 }, (_, i) => row(i)).join("\n")}\n`
    const result = await expectSame(text)
    expect(result.records).toHaveLength(20_001)
    expect(result.chunks!.length).toBeGreaterThan(20)
    expect(result.chunks!.filter((chunk) => isMarkedClean(chunk)).length).toBeGreaterThan(20)
  })

  it("hands over to the parser's own reader when a quote appears after the first chunks", async () => {
    const before = Array.from({ length: 3_000 }, (_, i) => row(i)).join("\n")
    const after = Array.from({ length: 3_000 }, (_, i) => row(i + 3_000)).join("\r\n")
    const text = `id,name,other,score,status\n${before}\n"STU-X","Lee, Ann ""Jo""","line\nbreak",1,ok\n${after}`
    const result = await expectSame(text)
    expect(result.records).toContainEqual(["STU-X", 'Lee, Ann "Jo"', "line\nbreak", "1", "ok"])
    expect(result.records).toHaveLength(6_002)
  })

  it("hands over a line longer than it splits, and reports an unclosed quote as the parser does", async () => {
    const long = "x".repeat(1_200_000)
    await expectSame(`id,notes\n1,${long}\n2,short\n`)
    await expectSame(
      `id,notes\n${Array.from({ length: 2_000 }, (_, i) => `${i},a`).join("\n")}\n3,"never closed\n4,b\n`,
    )
  })

  it("reads UTF-16, a byte-order mark, Windows-1252, lone CR line ends and no final line end alike", async () => {
    const rows = Array.from({ length: 4_000 }, (_, i) => `S${i};José Zoë;${i % 100},5`)
    await expectSame(utf16le(`id;name;score\r\n${rows.join("\r\n")}\r\n`))
    await expectSame(utf8Bom(`id;name;score\n${rows.join("\n")}`))
    await expectSame(Uint8Array.from(Buffer.from(`id;name;score\n${rows.join("\n")}\n`, "latin1")))
    await expectSame(utf8(`id;name;score\r${rows.join("\r")}\r`))
    await expectSame(utf8(`\n\nid;name;score\n\n${rows.join("\n")}\n\n`))
  })

  it("agrees with the parser on its own over generated files", async () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", "Z", "7", ".", "é", "e\u0301", "李", "😀", " ", "  ", "\t", "\u00a0", "\u200b", "-"),
      maxLength: 8,
    })
    const line = fc.array(cell, { minLength: 1, maxLength: 5 })
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(",", ";", "\t", "|"),
        fc.constantFrom("\n", "\r\n"),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        async (lines, delimiter, newline, copies, finalNewline) => {
          // repeated so that the text spans several reads of the thread; cells never hold the delimiter or a line end
          const body = lines.map((cells) => cells.map((value) => value.replaceAll(delimiter, "")).join(delimiter))
          const text = Array.from({ length: copies }, () => body.join(newline)).join(newline)
          await expectSame(`h1${delimiter}h2${newline}${text}${finalNewline ? newline : ""}`)
        },
      ),
      { numRuns: 40 },
    )
  })

  it("stops its thread when the stream is left early", async () => {
    const text = `id,name\n${Array.from({ length: 200_000 }, (_, i) => `${i},Ann Lee`).join("\n")}\n`
    const path = await fixtures.write("early.csv", text)
    const threads = () => process.getActiveResourcesInfo().filter((kind) => kind === "MessagePort").length
    const idle = threads()
    let running = 0
    const first = await Effect.runPromise(
      Effect.gen(function* () {
        const parsed = yield* inThread.parse(yield* fromPath(path))
        const taken = Stream.tap(Stream.take(parsed.records, 2), () => Effect.sync(() => (running = threads())))
        return yield* Stream.runCollect(taken)
      }),
    )
    expect(running).toBeGreaterThan(idle)
    expect(first).toHaveLength(2)
    expect(first[0]![0]).toEqual(["id", "name"])
    // the thread is gone: nothing of it keeps the process alive
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(threads()).toBe(idle)
  })
})
