import { authSettings, delayAfter } from "@batchops/accounts"
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
