/**
 * `batchops scheduler` as a process over embedded PGlite: `--once` migrates, registers the
 * seeded jobs (their first next tick) in one pass and stops; a second pass finds nothing due.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startBatchops } from "../../../test/helpers.js"

describe("batchops scheduler", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-scheduler-cli-"))
  const env = { BATCHOPS_DATA_DIR: dataDir }
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("registers the seeded jobs in one pass with --once, then has nothing due (bar a tick between the passes)", async () => {
    const first = await startBatchops(["scheduler", "--once", "--json"], { env }).done
    expect(first.code, first.stderr).toBe(0)
    const pass = JSON.parse(first.stdout.trim().split("\n").at(-1)!)
    expect(pass.jobs).toBeGreaterThanOrEqual(10)
    expect(pass.runs).toEqual([])

    const second = await startBatchops(["scheduler", "--once", "--json"], { env }).done
    expect(second.code, second.stderr).toBe(0)
    const again = JSON.parse(second.stdout.trim().split("\n").at(-1)!)
    // nothing is due unless a tick (the quarter-hourly seed, say) fell between the two passes
    expect(again.jobs).toBeLessThan(pass.jobs)
    expect(again.runs.length).toBe(again.jobs)
    expect(again.missed).toBe(0)
  }, 120_000)

  it("refuses an interval under a second", async () => {
    const result = await startBatchops(["scheduler", "--every-ms", "5"], { env }).done
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("--every-ms")
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
