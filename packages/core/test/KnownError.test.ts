import {
  builtinKnownErrors,
  DEFAULT_SEVERITY,
  definePlugin,
  draftIncident,
  type KnownError,
  knownErrorOrder,
  knownErrorSubject,
  MAX_MATCH_TEXT,
  matchKnownError,
} from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { curvePlan } from "./fixtures/plans.js"
import { csv, run } from "./helpers.js"

const known = (name: string, pattern: string, extra: Partial<KnownError> = {}): KnownError => ({
  name,
  pattern,
  severity: "low",
  rootCause: `cause of ${name}`,
  correctiveAction: `fix ${name}`,
  ...extra,
})

describe("matchKnownError", () => {
  it("the first match wins, in the order given", () => {
    const list = [known("generic", "timeout"), known("specific", "database timeout")]
    expect(matchKnownError(list, { stage: "publish_results", message: "database timeout" })?.name).toBe("generic")
    expect(matchKnownError([...list].reverse(), { stage: "publish_results", message: "database timeout" })?.name).toBe(
      "specific",
    )
  })

  it("tries a site's own first, then the failing plugin's, then the rest, each group in the order given", () => {
    const failure = { stage: "transform_gradebook", message: "invalid curve plan: points", plugin: "acme" }
    const builtin = known("invalid-plan", "invalid \\w+ plan", { plugin: "batchops" })
    const other = known("other-curve", "curve", { plugin: "other" })
    const acmeFirst = known("acme-points", "points", { plugin: "acme" })
    const acmeSecond = known("acme-curve", "curve plan", { plugin: "acme" })
    const site = known("site-rule", "invalid", {})
    expect(matchKnownError([builtin, other, acmeFirst, acmeSecond], failure)?.name).toBe("acme-points")
    expect(matchKnownError([builtin, other, acmeSecond, acmeFirst], failure)?.name).toBe("acme-curve")
    expect(matchKnownError([builtin, other, acmeFirst, site], failure)?.name).toBe("site-rule")
    // a failure of another plugin, or of none, keeps the order given
    expect(matchKnownError([builtin, other, acmeFirst], { ...failure, plugin: "batchops" })?.name).toBe("invalid-plan")
    expect(matchKnownError([other, builtin, acmeFirst], { ...failure, plugin: undefined })?.name).toBe("other-curve")
    expect(knownErrorOrder([builtin, other, acmeFirst, site, acmeSecond], "acme").map((k) => k.name)).toEqual([
      "site-rule",
      "acme-points",
      "acme-curve",
      "invalid-plan",
      "other-curve",
    ])
  })

  it("lets a plugin diagnose its own plan's bad config better than the built-in invalid-plan", async () => {
    const acme = definePlugin({
      name: "acme",
      apiVersion: 1,
      plans: [curvePlan(() => Effect.succeed({}))],
      knownErrors: [
        known("curve-needs-points", "invalid curve plan", {
          stage: "transform_gradebook",
          severity: "medium",
          rootCause: "The curve plan was given no number of points.",
          correctiveAction: 'Give points as a number, e.g. {"points": 5}.',
        }),
      ],
    })
    const outcome = await run(csv("Student ID,Name,Score", "S1,Ada,80"), {
      plugins: [acme],
      plan: { mode: "curve", config: { points: "five" } },
    })
    expect(outcome.result.incident).toMatchObject({
      knownError: "curve-needs-points",
      plugin: "acme",
      severity: "medium",
      correctiveAction: 'Give points as a number, e.g. {"points": 5}.',
    })
    // the built-in one still diagnoses the built-in plans
    const builtin = await run(csv("Student ID,Name,Score", "S1,Ada,80"), {
      plugins: [acme],
      plan: { mode: "delete", config: { rules: "all" } },
    })
    expect(builtin.result.incident).toMatchObject({ knownError: "invalid-plan", plugin: "batchops" })
  })

  it("matches case-insensitively against '<stage>: <message>'", () => {
    const list = [known("by-stage", "^validate_results: missing")]
    expect(matchKnownError(list, { stage: "validate_results", message: "MISSING column" })?.name).toBe("by-stage")
    expect(matchKnownError(list, { stage: "transform_gradebook", message: "missing column" })).toBeUndefined()
  })

  it("a known error with a stage only matches failures of that stage", () => {
    const list = [known("only-validate", "boom", { stage: "validate_results" }), known("anywhere", "boom")]
    expect(matchKnownError(list, { stage: "validate_results", message: "boom" })?.name).toBe("only-validate")
    expect(matchKnownError(list, { stage: "standardize_results", message: "boom" })?.name).toBe("anywhere")
  })

  it("skips a pattern that does not compile instead of throwing", () => {
    const list = [known("broken", "(unclosed"), known("fine", "unclosed")]
    expect(matchKnownError(list, { stage: "x", message: "unclosed" })?.name).toBe("fine")
  })

  it("matches a very long message in bounded time", () => {
    const message = `${"x".repeat(5_000_000)} the file is empty`
    const started = performance.now()
    const match = matchKnownError(builtinKnownErrors, { stage: "standardize_results", message })
    const elapsed = performance.now() - started
    expect(match).toBeUndefined()
    expect(elapsed).toBeLessThan(500)
    // a pattern with a greedy gap runs against a bounded subject
    const gap = [known("gap", "longer than the .* a spreadsheet cell can hold")]
    const t0 = performance.now()
    expect(matchKnownError(gap, { stage: "s", message: "longer than the ".repeat(500_000) })).toBeUndefined()
    expect(performance.now() - t0).toBeLessThan(500)
  })

  it("recognizes the built-in failures by their messages", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["standardize_results", "g.csv: the file is empty (0 bytes)", "empty-file"],
      ["standardize_results", "g.csv: the file has no header: every row is blank", "empty-file"],
      ["standardize_results", "g.csv: the file has a header but no data rows", "header-only"],
      ["standardize_results", "g.csv: 2 rows have more cells than the header's 3 columns (row 4, 7)", "ragged-rows"],
      [
        "standardize_results",
        "g.csv: row 2, column note: a cell of 40,000 characters is longer than the 32,767 a spreadsheet cell can hold",
        "oversized-cell",
      ],
      ["validate_results", "missing required column for the attendance profile: date", "missing-required-column"],
      ["validate_results", "student_id is missing in 1 row (row 3)", "missing-student-id"],
      ["validate_results", "no numeric column: a gradebook needs at least 1 column", "no-numeric-column"],
      ["transform_gradebook", "invalid delete plan: process_config.rules: expected an array", "invalid-plan"],
      [
        "standardize_results",
        "g.xlsx: the workbook could not be read: it needs more than 512 MB to read (resource limit BATCHOPS_PARSE_MEMORY_MB)",
        "resource-limit",
      ],
      [
        "transform_gradebook",
        "took longer than 120 s (resource limit BATCHOPS_STAGE_TIMEOUT_SECONDS)",
        "resource-limit",
      ],
    ]
    for (const [stage, message, name] of cases) {
      expect(matchKnownError(builtinKnownErrors, { stage, message })?.name, message).toBe(name)
    }
    // a stage filter keeps a built-in from matching elsewhere
    expect(
      matchKnownError(builtinKnownErrors, { stage: "publish_results", message: "no numeric column" }),
    ).toBeUndefined()
  })

  it("built-in names are unique and patterns compile", () => {
    expect(new Set(builtinKnownErrors.map((k) => k.name)).size).toBe(builtinKnownErrors.length)
    for (const k of builtinKnownErrors) expect(() => new RegExp(k.pattern, "i")).not.toThrow()
  })
})

describe("draftIncident", () => {
  it("takes severity, cause and action from the matched known error", () => {
    const draft = draftIncident([known("disk", "no space", { severity: "critical" })], {
      stage: "publish_results",
      message: "no space left on device",
      plugin: "batchops",
    })
    expect(draft).toEqual({
      stage: "publish_results",
      error: "no space left on device",
      severity: "critical",
      knownError: "disk",
      rootCause: "cause of disk",
      correctiveAction: "fix disk",
      plugin: "batchops",
    })
  })

  it("defaults to medium severity and nulls when nothing matches", () => {
    const draft = draftIncident([known("disk", "no space")], { stage: "x", message: "something else" })
    expect(DEFAULT_SEVERITY).toBe("medium")
    expect(draft).toEqual({
      stage: "x",
      error: "something else",
      severity: "medium",
      knownError: null,
      rootCause: null,
      correctiveAction: null,
      plugin: null,
    })
  })
})

describe("knownErrorSubject", () => {
  it("is the stage and the message, cut to the length patterns are matched against", () => {
    expect(knownErrorSubject({ stage: "validate_results", message: "no student_id" })).toBe(
      "validate_results: no student_id",
    )
    const long = knownErrorSubject({ stage: "publish", message: "x".repeat(MAX_MATCH_TEXT * 2) })
    expect(long).toBe(`publish: ${"x".repeat(MAX_MATCH_TEXT - "publish: ".length)}`)
  })
})
