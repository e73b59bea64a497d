import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Row, StateSnapshot } from "@batchops/core"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { diskCheckpoints, readCheckpoint, removeCheckpoints } from "../src/Checkpoints.js"

const root = mkdtempSync(join(tmpdir(), "batchops-checkpoints-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => join(root, `c${++dirs}`)

const SNAPSHOT: StateSnapshot = {
  format: "csv",
  profile: "gradebook",
  output: "summary",
  datasetRows: 0,
  datasetColumns: [],
  note: null,
  summary: null,
  problems: [],
  problemCount: 0,
  columns: ["student_id", "name", "score"],
}

/** Rows with text the line format must survive: quotes, commas, line breaks, non-Latin names. */
const rows = (n: number): Array<Row> =>
  Array.from({ length: n }, (_, i) => ({
    number: i + 2,
    cells: [
      `S${i}`,
      i % 3 === 0 ? `Zoë "Zed", ${"李".repeat(i % 7)}\nline two` : `Name ${i}`,
      i % 5 === 0 ? undefined : i,
    ],
  }))

const store = (dir: string, stage: string, chunks: ReadonlyArray<ReadonlyArray<Row>>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const checkpoints = diskCheckpoints(dir)
      const writer = yield* checkpoints.open(0, stage)
      for (const chunk of chunks) yield* writer.write(chunk)
      return yield* writer.seal(SNAPSHOT)
    }),
  )

const readAll = (dir: string, stage: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const stored = yield* readCheckpoint(dir, 0, stage)
      const chunks: Array<ReadonlyArray<Row>> = []
      while (true) {
        const chunk = yield* stored.next()
        if (chunk === undefined) break
        chunks.push(chunk)
      }
      return { stored, chunks }
    }),
  )

describe("checkpoints on disk", () => {
  it("reads back exactly the rows that were stored, across read blocks, with the snapshot", async () => {
    const dir = freshDir()
    // over 2 MiB: several read blocks, so lines and multi-byte characters straddle block ends
    const all = rows(60_000)
    const info = await store(dir, "standardize_results", [all.slice(0, 15_000), all.slice(15_000)])
    expect(info.rows).toBe(60_000)
    expect(info.bytes).toBeGreaterThan(2 * (1 << 20))
    const { stored, chunks } = await readAll(dir, "standardize_results")
    expect(stored.info).toEqual(info)
    expect(stored.snapshot).toEqual(SNAPSHOT)
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.flat()).toEqual(all)
  })

  it("stores the rows as they were when written, not as later stages change them", async () => {
    const dir = freshDir()
    const chunk = rows(3)
    await Effect.runPromise(
      Effect.gen(function* () {
        const writer = yield* diskCheckpoints(dir).open(0, "validate_results")
        yield* writer.write(chunk)
        chunk[0]!.cells[2] = "changed later"
        yield* writer.seal(SNAPSHOT)
      }),
    )
    const { chunks } = await readAll(dir, "validate_results")
    expect(chunks.flat()[0]!.cells[2]).toBeUndefined()
  })

  it("refuses a checkpoint whose file changed since it was sealed", async () => {
    const dir = freshDir()
    await store(dir, "transform_gradebook", [rows(10)])
    appendFileSync(join(dir, "0-transform_gradebook.jsonl"), '[99,"S99","Mallory",100]\n')
    const error = await Effect.runPromise(Effect.flip(readCheckpoint(dir, 0, "transform_gradebook")))
    expect(error._tag).toBe("CheckpointError")
    expect(error.message).toMatch(
      /^cannot reuse the stored output of stage "transform_gradebook": the file changed since it was stored \(sha256 [0-9a-f]{64}, stored [0-9a-f]{64}\)$/,
    )
  })

  it("refuses a checkpoint that was never sealed (its stage did not finish)", async () => {
    const dir = freshDir()
    const checkpoints = diskCheckpoints(dir)
    await Effect.runPromise(
      Effect.gen(function* () {
        const writer = yield* checkpoints.open(0, "standardize_results")
        yield* writer.write(rows(5))
      }),
    )
    checkpoints.close()
    const error = await Effect.runPromise(Effect.flip(readCheckpoint(dir, 0, "standardize_results")))
    expect(error.message).toBe(
      'cannot reuse the stored output of stage "standardize_results": it was not stored (or not finished)',
    )
  })

  it("keeps a plugin's stage name safe as a file name, and removes an upload's checkpoints", async () => {
    const dir = freshDir()
    await store(dir, "../honor roll", [rows(2)])
    expect(readdirSync(dir).sort()).toEqual(["0-___honor_roll.json", "0-___honor_roll.jsonl"])
    expect((await readAll(dir, "../honor roll")).chunks.flat()).toHaveLength(2)
    await Effect.runPromise(removeCheckpoints(dir))
    expect(existsSync(dir)).toBe(false)
  })
})
