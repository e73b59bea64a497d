import { CurrentRegistry, checkRetryRequest, type Registry, type RetryRequest } from "@batchops/core"
import { Effect, Exit } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { buildRegistry } from "./helpers.js"

let registry: Registry
beforeAll(async () => {
  registry = await buildRegistry()
})

const check = (request: RetryRequest, currentMode = "transform") =>
  Effect.runPromise(
    Effect.exit(checkRetryRequest(request, currentMode).pipe(Effect.provideService(CurrentRegistry, registry))),
  )

const refusal = async (request: RetryRequest, currentMode?: string) => {
  const exit = await check(request, currentMode)
  if (Exit.isSuccess(exit)) throw new Error("expected the corrections to be refused")
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
  expect(error?._tag).toBe("RetryCorrectionsInvalid")
  return error as { message: string; problems: ReadonlyArray<{ path: string; message: string }> }
}

describe("a retry's corrections", () => {
  it("are none when nothing is corrected, and keep the upload's plan for a config alone", async () => {
    expect(await check({})).toEqual(Exit.succeed({}))
    expect(await check({ profile: "auto" })).toEqual(Exit.succeed({ profile: "auto" }))
    const rules = [{ column: "class", value: "10B" }]
    expect(await check({ processConfig: { rules } }, "delete")).toEqual(
      Exit.succeed({ plan: { mode: "delete", config: { rules } } }),
    )
    // a plan named without a config runs with the plan's defaults
    expect(await check({ processMode: "transform" }, "delete")).toEqual(Exit.succeed({ plan: { mode: "transform" } }))
  })

  it("name every field the registry refuses, at once", async () => {
    const error = await refusal({ profile: "gradbook", processMode: "shred" })
    expect(error.problems.map((problem) => problem.path)).toEqual(["profile", "process_mode"])
    expect(error.problems[0]?.message).toMatch(/^unknown profile "gradbook" \(known: .*auto\)$/)
    expect(error.problems[1]?.message).toMatch(/^unknown plan "shred" \(known: .*transform.*\)$/)
    expect(error.message).toBe(
      `the retry's corrections are not valid: ${error.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    )
  })

  it("check a config against the plan it will run with, naming the field inside it", async () => {
    const error = await refusal({ processConfig: { rules: [{ column: "", value: "10B" }] } }, "delete")
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]?.path).toBe("process_config.rules.0.column")
    // the config is checked against the corrected plan, not the upload's own
    const other = await refusal({ processMode: "delete", processConfig: {} }, "transform")
    expect(other.problems[0]?.path).toBe("process_config.rules")
  })
})
