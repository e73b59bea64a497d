/**
 * The promise API end to end: the real parsers and the directory publisher, on the sample
 * gradebook, as a portal that does not use Effect would embed BatchOps.
 */
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BatchOps, createBatchOps, definePlugin, PluginError, RequestError } from "@batchops/core"
import { parsersPlugin } from "@batchops/parsers"
import { DirectoryPublisher } from "@batchops/reports"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { root } from "./helpers.js"

const gradebook = join(root, "examples", "data", "gradebook.csv")

/** A plugin stage counting the students of class 9A, as a school would add its own. */
const classCount = definePlugin({
  name: "class-count",
  apiVersion: 1,
  stages: [
    {
      name: "count_9a",
      after: "validate_results",
      start: (context, columns) =>
        Effect.sync(() => {
          const at = columns.indexOf("class")
          context.log.students9A = 0
          return {
            chunk: (rows) =>
              Effect.sync(() => {
                for (const row of rows)
                  if (row.cells[at] === "9A") context.log.students9A = Number(context.log.students9A) + 1
                return rows
              }),
          }
        }),
    },
  ],
})

let dir = ""
let batchops: BatchOps
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchops-promise-api-"))
  batchops = await createBatchOps({
    plugins: [parsersPlugin, classCount],
    layer: DirectoryPublisher.layer(join(dir, "reports")),
  })
})
afterAll(async () => {
  await batchops.close()
  await rm(dir, { recursive: true, force: true })
})

describe("the promise API with the real parsers and publisher", () => {
  it("processes the sample gradebook from its path, with the plugin's step log and the reports on disk", async () => {
    const text = await readFile(gradebook, "utf8")
    const nineA = text.split("\n").filter((line) => line.split(",")[3] === "9A").length
    expect(nineA).toBeGreaterThan(0)

    const result = await batchops.process(gradebook)
    expect(result.status).toBe("published")
    expect(result.file).toBe("gradebook.csv")
    expect(result.format).toBe("csv")
    expect(result.profile).toBe("gradebook")
    const step = result.stages.find((s) => s.name === "count_9a")
    expect(step).toMatchObject({ plugin: "class-count", status: "ok", log: { students9A: nineA } })
    expect(result.reports).not.toBeNull()
    expect(existsSync(result.reports?.csv ?? "")).toBe(true)
    expect(existsSync(result.reports?.pdf ?? "")).toBe(true)
    const summary = await readFile(result.reports?.csv ?? "", "utf8")
    expect(summary).toContain("math")
  })

  it("resolves a file that is not a table as failed, with an incident and no reports", async () => {
    const result = await batchops.process({ name: "photo.png", bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0]) })
    expect(result.status).toBe("failed")
    expect(result.reports).toBeNull()
    expect(result.incident?.stage).toBe("standardize_results")
    expect(result.incident?.error).toEqual(expect.any(String))
  })

  it("rejects an unknown profile with a RequestError listing the known ones", async () => {
    const error = await batchops.process(gradebook, { profile: "timetable" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestError)
    expect((error as Error).message).toBe(
      'unknown profile "timetable" (known: gradebook, attendance, roster, generic, auto)',
    )
  })

  it("rejects a missing path naming it", async () => {
    const missing = join(dir, "term3.csv")
    await expect(batchops.process(missing)).rejects.toThrow(`cannot read ${missing}: no such file`)
  })

  it("reads a path written by the host, processed with a plan", async () => {
    const path = join(dir, "two.csv")
    await writeFile(path, "Student ID,Class,Math\nS1,9A,80\nS2,9B,70\n")
    const result = await batchops.process(path, {
      plan: { mode: "delete", config: { rules: [{ column: "class", value: "9B" }] } },
    })
    expect(result.status).toBe("published")
    expect(result.rows).toBe(1)
    const processed = await readFile(result.reports?.csv ?? "", "utf8")
    expect(processed).toContain("S1")
    expect(processed).not.toContain("S2")
  })

  it("refuses a plugin written for a newer plugin API when the instance is created", async () => {
    const future = { name: "report-cards", apiVersion: 2 }
    const error = await createBatchOps({ plugins: [parsersPlugin, future] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PluginError)
    expect((error as Error).message).toBe(
      'plugin "report-cards" targets plugin API 2, but this @batchops/core provides plugin API 1: ' +
        "it needs a newer @batchops/core",
    )
  })
})
