import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IncidentsRepo, UploadsRepo } from "@batchops/core"
import { IncidentsRepoLayer, pgliteLayer, UploadsRepoLayer } from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"

const main = new URL("../src/main.ts", import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), "batchops-incident-flow-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("the incident flow on the libraries alone", () => {
  it("fails an upload, diagnoses its incident, retries it corrected, publishes and resolves the incident", async () => {
    const data = join(work, "db")
    const out = join(work, "reports")
    const child = spawnSync(process.execPath, [main, "--data", data, "--out", out], {
      encoding: "utf8",
      timeout: 120_000,
    })
    expect(child.stderr.replace(/^.*ExperimentalWarning.*\n?/gm, "")).toBe("")
    expect(child.status).toBe(0)
    const lines = child.stdout.trim().split("\n")
    expect(lines[0]).toMatch(
      /^failed: transform_gradebook: process_config\.rules\[0\]\.column: "house" is not a column/,
    )
    expect(lines[1]).toBe("known error invalid-plan: Correct the plan configuration named in the error and retry.")
    expect(lines[2]).toMatch(/^retry published: .*gradebook\.processed\.csv$/)
    expect(lines[3]).toBe("incident resolved: opened -> retry -> resolved_by_retry")
    expect(existsSync(lines[2]!.replace("retry published: ", ""))).toBe(true)

    // what the program stored, read back from its database
    const stored = await Effect.runPromise(
      Effect.gen(function* () {
        const incidents = yield* IncidentsRepo
        const uploads = yield* UploadsRepo
        const [incident] = yield* incidents.listByStatus("resolved")
        const upload = yield* uploads.get(incident!.uploadId!)
        return { incident: incident!, upload: Option.getOrThrow(upload) }
      }).pipe(
        Effect.provide(
          Layer.mergeAll(IncidentsRepoLayer, UploadsRepoLayer).pipe(Layer.provideMerge(pgliteLayer({ dataDir: data }))),
        ),
      ),
    )
    expect(stored.incident).toMatchObject({ knownError: "invalid-plan", retryCount: 1, severity: "low" })
    expect(stored.incident.timeline.map((entry) => [entry.kind, entry.actor])).toEqual([
      ["opened", null],
      ["retry", "registrar"],
      ["resolved_by_retry", null],
    ])
    expect(stored.upload.status).toBe("published")
  })
})
