/**
 * Known-error patterns that backtrack for seconds to hours in JavaScript's engine, against a
 * 50,000-character failure, through the real server: trying them answers within a second,
 * an upload's failure is diagnosed with them saved, and `/api/health/` answers within 100 ms
 * all the while (the patterns run on core's linear-time engine). On Postgres, so that the
 * health answers measure the patterns, not an in-process database sharing the event loop.
 */
import { draftIncident, matchingKnownErrors, processNextUpload, recordFailure, submitUpload } from "@batchops/core"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startApi, type TestApi } from "./harness.js"

/** The patterns a moderator could try and save, each with the near miss that stalls a backtracking engine. */
const patterns = ["(\\d\\d?)+$", ".*.*.*.*.*.*x", "(a{1,40}){1,40}$"]

/** A file name of digits (student numbers, say): its failure almost matches `(\d\d?)+$`. */
const digitName = `${"1".repeat(34)}.csv`

/**
 * 50,000 characters with runs of digits and a's and no "x": every pattern above almost matches.
 * The runs are short enough that JavaScript's engine fails in seconds rather than hours.
 */
const longMessage = `roster ${"1".repeat(34)} ${"a".repeat(24)} has no data rows`.padEnd(50_000, " and no data rows")

describe("known-error patterns that backtrack in JavaScript, on the real server", () => {
  let api: TestApi
  let moderator: string

  beforeAll(async () => {
    api = await startApi("postgres")
    moderator = (await api.account("moderator")).token
    await api.server.run(
      recordFailure(draftIncident([], { stage: "validate_results", message: longMessage }), null, null),
    )
    // the first answers of a fresh server are slow for reasons of their own (loading, first queries)
    await api.call("/api/health/")
    await api.call("/api/known-errors/try/", { method: "POST", token: moderator, json: { pattern: "no data" } })
  }, 60_000)
  afterAll(() => api?.close())

  /** Runs `work` while `/api/health/` is asked again and again; how long each health answer took, and `work`'s. */
  const whileHealthPolled = async <A>(work: () => Promise<A>) => {
    const health: Array<number> = []
    let done = false
    const poll = (async () => {
      while (!done) {
        const started = performance.now()
        const reply = await fetch(`${api.url}/api/health/`)
        await reply.arrayBuffer()
        health.push(performance.now() - started)
      }
    })()
    const started = performance.now()
    const result = await work().finally(() => {
      done = true
    })
    const elapsed = performance.now() - started
    await poll
    return { result, elapsed, health }
  }

  /**
   * `whileHealthPolled`, again up to twice more while a health answer took 100 ms or more: on a
   * shared 2-core machine another test file can take the CPU for a moment, while a pattern that
   * blocks the event loop is slow every time (the backtracking ones took 0.8 s to hours).
   */
  const quietestOf3 = async <A>(work: () => Promise<A>) => {
    let outcome = await whileHealthPolled(work)
    for (let attempt = 1; attempt < 3 && outcome.health.some((ms) => ms >= 100); attempt++) {
      outcome = await whileHealthPolled(work)
    }
    return outcome
  }

  it.each(patterns)(
    "tries %s against a 50,000-character failure within a second, health answering",
    async (pattern) => {
      const { result, elapsed, health } = await quietestOf3(() =>
        api.call("/api/known-errors/try/", {
          method: "POST",
          token: moderator,
          json: { pattern },
        }),
      )
      expect(elapsed).toBeLessThan(1000)
      expect(health.length).toBeGreaterThan(0)
      for (const ms of health) expect(ms).toBeLessThan(100)
      if (pattern === "(a{1,40}){1,40}$") {
        // RE2 refuses repeats that multiply past 1,000, saying what to write instead
        expect(result.status).toBe(400)
        expect(result.json.fields[0].message).toContain("repeats {1,40} inside another repeat")
      } else {
        expect(result.status, result.text).toBe(200)
        expect(result.json.matched).toEqual([])
      }
    },
  )

  it("diagnoses an upload's failure with those patterns saved, within a second, health answering", async () => {
    for (const [index, pattern] of patterns.slice(0, 2).entries()) {
      const saved = await api.call("/api/known-errors/", {
        method: "POST",
        token: moderator,
        json: { name: `backtracks-${index}`, pattern, severity: "low", root_cause: "r", corrective_action: "c" },
      })
      expect(saved.status, saved.text).toBe(201)
    }
    const upload = await api.server.run(
      submitUpload({
        fileName: digitName,
        bytes: new TextEncoder().encode("Student ID,Name,Score\n"),
        profile: "gradebook",
        processMode: "transform",
        processConfig: {},
      }),
    )
    const outcome = Option.getOrThrow(
      await api.server.run(processNextUpload({ worker: "linear-time-test", leaseMs: 60_000 })),
    )
    expect(outcome).toMatchObject({ uploadId: upload.id, status: "failed" })
    const incident = await api.call(`/api/incidents/${(outcome as { incidentId: string }).incidentId}/`, {
      token: moderator,
    })
    expect(incident.json.error).toContain(digitName)
    expect(incident.json.known_error).toBe("header-only")

    // the diagnosis alone, as the worker makes it, of that failure and of the 50,000-character one
    const { result, elapsed, health } = await quietestOf3(() =>
      api.server.run(
        Effect.gen(function* () {
          const known = yield* matchingKnownErrors()
          return [incident.json.error, longMessage].map(
            (message) => draftIncident(known, { stage: "standardize_results", message }).knownError,
          )
        }),
      ),
    )
    expect(result).toEqual(["header-only", null])
    expect(elapsed).toBeLessThan(1000)
    for (const ms of health) expect(ms).toBeLessThan(100)
  })
})
