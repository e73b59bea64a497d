import { AuthSettings, authSettings, awaitTurn, clearFailures, delayAfter, recordFailure } from "@batchops/accounts"
import { RateLimits } from "@batchops/core"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"

const settings = authSettings({ tokenTtlHours: 168, tokenIdleHours: 12, freeFailures: 5, maxDelaySeconds: 900 })

describe("the wait after a pair's failures", () => {
  it("is none for the free failures, then doubles from one second up to the longest wait", () => {
    expect([0, 1, 4].map((failures) => delayAfter(settings, failures))).toEqual([0, 0, 0])
    expect([5, 6, 7, 8].map((failures) => delayAfter(settings, failures))).toEqual([1000, 2000, 4000, 8000])
    // 2^10 s is past the 900 s cap: the cap holds, also far beyond (no overflow to Infinity or 0)
    expect(delayAfter(settings, 14)).toBe(512_000)
    expect(delayAfter(settings, 15)).toBe(900_000)
    expect(delayAfter(settings, 5000)).toBe(900_000)
  })

  it("follows the site's settings", () => {
    const strict = authSettings({ tokenTtlHours: 1, tokenIdleHours: 1, freeFailures: 0, maxDelaySeconds: 3 })
    expect([0, 1, 2, 3].map((failures) => delayAfter(strict, failures))).toEqual([1000, 2000, 3000, 3000])
    expect(strict).toMatchObject({ tokenTtlMs: 3_600_000, tokenIdleMs: 3_600_000, maxDelayMs: 3000 })
    expect(settings).toMatchObject({ failureMemoryMs: 86_400_000, codeTtlMs: 900_000, codeMaxAttempts: 5 })
  })
})

/** The port in memory, as the SQL adapter keeps it: failures and the wait per key, the policy's delays. */
const memoryLimits = () => {
  const keys = new Map<string, { failures: number; waitMs: number }>()
  const layer = Layer.succeed(
    RateLimits,
    RateLimits.of({
      waitOf: (key) => Effect.succeed(keys.get(key)?.waitMs ?? 0),
      fail: (key, policy) =>
        Effect.sync(() => {
          const failures = (keys.get(key)?.failures ?? 0) + 1
          const counted = { failures, waitMs: policy.delayMs(failures) }
          keys.set(key, counted)
          return counted
        }),
      clear: (key) => Effect.sync(() => void keys.delete(key)),
    }),
  )
  return { keys, layer: Layer.merge(layer, Layer.succeed(AuthSettings, AuthSettings.of(settings))) }
}

describe("the sign-in limits of a pair of account and address", () => {
  it("count only the pair's failures, make it wait after the free ones, and forget them on a success", async () => {
    const { keys, layer } = memoryLimits()
    const run = <A, E>(effect: Effect.Effect<A, E, RateLimits | AuthSettings>) =>
      Effect.runPromise(Effect.exit(Effect.provide(effect, layer)))
    for (let i = 0; i < 5; i++) await run(recordFailure("login", " Ada@School.test ", "203.0.113.9"))
    // the email is one account whatever its case and spaces; another address is another pair
    expect([...keys.keys()]).toEqual(["login:ada@school.test:203.0.113.9"])
    expect(keys.get("login:ada@school.test:203.0.113.9")).toEqual({ failures: 5, waitMs: 1000 })
    const waiting = await run(awaitTurn("login", "ada@school.test", "203.0.113.9"))
    expect(Exit.isFailure(waiting)).toBe(true)
    const refusal = Exit.isFailure(waiting) ? (waiting.cause.reasons[0] as { error?: unknown }).error : undefined
    expect(refusal).toMatchObject({
      _tag: "AuthRefused",
      reason: "waiting",
      retryAfterSeconds: 1,
      message: "too many failed attempts for this account from your address: wait 1 second and try again",
    })
    expect(Exit.isSuccess(await run(awaitTurn("login", "ada@school.test", "198.51.100.7")))).toBe(true)
    expect(Exit.isSuccess(await run(awaitTurn("verify", "ada@school.test", "203.0.113.9")))).toBe(true)
    await run(recordFailure("login", "ada@school.test", "203.0.113.9"))
    const longer = await run(awaitTurn("login", "ada@school.test", "203.0.113.9"))
    expect(Exit.isFailure(longer) && String(longer.cause)).toContain("wait 2 seconds")
    await run(clearFailures("login", "ADA@school.test", "203.0.113.9"))
    expect(keys.size).toBe(0)
    expect(Exit.isSuccess(await run(awaitTurn("login", "ada@school.test", "203.0.113.9")))).toBe(true)
  })
})
