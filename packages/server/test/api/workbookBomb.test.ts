/**
 * A workbook bomb over HTTP: about 1 MB whose sheet declares no size but inflates to 1 GiB, sent
 * to the preview route and as an upload the worker processes. Both stop at a resource limit,
 * named, within 2 s and 128 MB of extra memory; the limits come from the environment.
 */

import { processNextUpload } from "@batchops/core"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { measure, workbookBomb } from "../../../../test/support/bombs.js"
import { xlsxOf } from "../../../parsers/test/workbookFixtures.js"
import { parserLimitsFromEnv, UsageError } from "../../src/Host.js"
import { startApi, type TestApi } from "./harness.js"

const MB = 1024 * 1024
const RATIO_FAILURE =
  "the workbook's part xl/worksheets/sheet1.xml expands more than 200 times its compressed size, " +
  "as a compression bomb does (resource limit BATCHOPS_MAX_EXPANSION_RATIO)"

const form = (fileName: string, content: Uint8Array) => {
  const body = new FormData()
  body.set("file", new Blob([content]), fileName)
  return body
}

describe("a workbook bomb over HTTP", () => {
  let api: TestApi
  let user: string
  const bomb = workbookBomb()

  beforeAll(async () => {
    api = await startApi("pglite")
    user = (await api.account("user")).token
  }, 60_000)
  afterAll(() => api?.close())

  it("previews as a resource-limit failure within 2 s and 128 MB", async () => {
    expect(bomb.length).toBeLessThan(1.5 * MB)
    // measured on a server that has answered once, so the time is the file's, not the first request's
    const warm = await api.call("/api/uploads/preview/", {
      method: "POST",
      token: user,
      body: form("grades.csv", new TextEncoder().encode("Student ID,Name,Score\nS1,Ada,91\n")),
    })
    expect(warm.status).toBe(200)
    const {
      result: reply,
      ms,
      peakGrowth,
    } = await measure(() =>
      api.call("/api/uploads/preview/", { method: "POST", token: user, body: form("grades.xlsx", bomb) }),
    )
    expect(reply.status, reply.text).toBe(200)
    expect(reply.json.ready).toBe(false)
    expect(reply.json.problems[0]).toMatchObject({
      severity: "critical",
      stage: "standardize_results",
      rule: "stage_failed",
      message: expect.stringContaining(RATIO_FAILURE),
    })
    expect(ms).toBeLessThan(2000)
    expect(peakGrowth).toBeLessThan(128 * MB)
  })

  it("fails as an upload with a resource-limit incident, within 2 s and 128 MB", async () => {
    const created = await api.call("/api/uploads/", { method: "POST", token: user, body: form("grades.xlsx", bomb) })
    expect(created.status, created.text).toBe(201)
    const {
      result: outcome,
      ms,
      peakGrowth,
    } = await measure(() =>
      api.server.run(Effect.map(processNextUpload({ worker: "test", leaseMs: 60_000 }), Option.getOrNull)),
    )
    expect(outcome).toMatchObject({ uploadId: created.json.id, status: "failed" })
    expect(ms).toBeLessThan(2000)
    expect(peakGrowth).toBeLessThan(128 * MB)
    const upload = (await api.call(`/api/uploads/${created.json.id}/`, { token: user })).json
    const incident = (await api.call(`/api/incidents/${upload.incident_id}/`, { token: user })).json
    expect(incident).toMatchObject({ stage: "standardize_results", known_error: "resource-limit" })
    expect(incident.error).toContain(RATIO_FAILURE)
  })
})

describe("the parser limits from the environment", () => {
  it("reads each setting, sizes in megabytes, and keeps the defaults of the others", () => {
    const limits = parserLimitsFromEnv({ BATCHOPS_MAX_EXPANDED_MB: "16", BATCHOPS_MAX_PDF_PAGES: " 300 " })
    expect(limits).toEqual({
      maxExpandedBytes: 16 * MB,
      maxExpansionRatio: 200,
      maxZipEntries: 10_000,
      maxPdfPages: 300,
      maxPdfTextItems: 500_000,
      maxPdfStreamBytes: 64 * MB,
    })
    expect(() => parserLimitsFromEnv({ BATCHOPS_MAX_PDF_STREAM_MB: "lots" })).toThrow(
      new UsageError('BATCHOPS_MAX_PDF_STREAM_MB must be a number of megabytes (default 64), got "lots"'),
    )
    expect(() => parserLimitsFromEnv({ BATCHOPS_MAX_ZIP_ENTRIES: "0" })).toThrow(
      'BATCHOPS_MAX_ZIP_ENTRIES must be a positive whole number (default 10000), got "0"',
    )
  })

  it("are the limits the server reads files with", async () => {
    const api = await startApi("pglite", {
      env: { BATCHOPS_MAX_EXPANDED_MB: "16", BATCHOPS_MAX_EXPANSION_RATIO: "100000" },
    })
    try {
      const { token } = await api.account("user")
      const reply = await api.call("/api/uploads/preview/", {
        method: "POST",
        token,
        // shared strings of 32 MB: more than the 16 MB the server may hold of a workbook
        body: form(
          "grades.xlsx",
          xlsxOf({
            strings: Array.from({ length: 200_000 }, (_, i) => `student ${i} ${"x".repeat(150)}`),
            sheets: [{ name: "Grades", rows: '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>' }],
          }),
        ),
      })
      const { message } = reply.json.problems[0]
      expect(message).toContain("the workbook's shared text, styles and lists expand to more than 16 MB")
      expect(message).toContain("(resource limit BATCHOPS_MAX_EXPANDED_MB)")
    } finally {
      await api.close()
    }
  })
})
