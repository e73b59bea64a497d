import { describe, expect, it } from "vitest"
import { readAtMost } from "../src/index.js"

/** A stream of the given chunks that records whether it was cancelled and how many chunks were pulled. */
const chunks = (parts: ReadonlyArray<Uint8Array>) => {
  const seen = { pulled: 0, cancelled: false }
  const stream = new ReadableStream<Uint8Array>(
    {
      pull: (controller) => {
        const part = parts[seen.pulled++]
        if (part === undefined) controller.close()
        else controller.enqueue(part)
      },
      cancel: () => {
        seen.cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, seen }
}

describe("readAtMost", () => {
  it("joins the chunks of a stream within the limit, the limit itself included", async () => {
    const { stream } = chunks([new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5])])
    expect(await readAtMost(stream, 5)).toEqual(new Uint8Array([1, 2, 3, 4, 5]))
  })

  it("answers undefined once the bytes pass the limit and cancels the stream, reading no further", async () => {
    const { stream, seen } = chunks([new Uint8Array(4), new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)])
    expect(await readAtMost(stream, 6)).toBeUndefined()
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBe(2)
  })

  it("reads no body as no bytes", async () => {
    expect(await readAtMost(null, 0)).toEqual(new Uint8Array(0))
  })
})
