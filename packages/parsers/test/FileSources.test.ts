import { join } from "node:path"
import { fromPath } from "@batchops/parsers"
import { Effect, Stream } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fixtureDirectory } from "./helpers.js"

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>
beforeAll(async () => {
  fixtures = await fixtureDirectory()
})
afterAll(() => fixtures.cleanup())

describe("fromPath", () => {
  it("reads a file's head, bytes and 32 KiB chunks, and can stream it twice", async () => {
    const data = Uint8Array.from({ length: 2.5 * 32 * 1024 }, (_, i) => (i * 7) % 251)
    const path = await fixtures.write("data.bin", data)
    const source = await Effect.runPromise(fromPath(path))
    expect(source.name).toBe("data.bin")
    expect(source.size).toBe(data.length)
    expect(await Effect.runPromise(source.head(10))).toEqual(data.subarray(0, 10))
    const same = (bytes: Uint8Array) => Buffer.from(bytes).equals(Buffer.from(data))
    expect(same(await Effect.runPromise(source.head(data.length + 100)))).toBe(true)
    expect(same(await Effect.runPromise(source.bytes()))).toBe(true)
    for (let run = 0; run < 2; run++) {
      const chunks = await Effect.runPromise(Stream.runCollect(source.stream()))
      expect(chunks.map((chunk) => chunk.length)).toEqual([1 << 15, 1 << 15, data.length - (2 << 15)])
      expect(same(Buffer.concat(chunks))).toBe(true)
    }
  })

  it("stops reading when the stream is not run to the end", async () => {
    const path = await fixtures.write("big.bin", new Uint8Array(4 * 1024 * 1024))
    const source = await Effect.runPromise(fromPath(path))
    const first = await Effect.runPromise(Stream.runCollect(Stream.take(source.stream(), 1)))
    expect(first.length).toBe(1)
  })

  it("fails with the path and a plain reason", async () => {
    const missing = join(fixtures.path, "nope.csv")
    const error = await Effect.runPromise(Effect.flip(fromPath(missing)))
    expect(error._tag).toBe("ParseError")
    expect(error.message).toBe(`cannot read ${missing}: no such file`)
    const directory = await Effect.runPromise(Effect.flip(fromPath(fixtures.path)))
    expect(directory.message).toBe(`cannot read ${fixtures.path}: it is a directory`)
  })
})
