import { describe, expect, it } from "vitest"
import { resolveDirectorySettings, sourceSettingsProblem } from "../src/index.js"

describe("directory source settings", () => {
  it("fill their defaults", () => {
    expect(resolveDirectorySettings({ path: "registrar" })).toEqual({
      path: "registrar",
      profile: "auto",
      plan: "transform",
      stableSeconds: 30,
      extensions: ["csv", "xlsx", "pdf"],
      maxBytes: 52_428_800,
    })
    expect(resolveDirectorySettings({ path: "r", extensions: [".CSV", "Xlsx"], stable_seconds: 0 })).toMatchObject({
      extensions: ["csv", "xlsx"],
      stableSeconds: 0,
    })
  })

  it("refuse what does not fit, naming the setting", () => {
    expect(sourceSettingsProblem("directory", { path: "r", stable_seconds: -1 })).toBe(
      "settings.stable_seconds: Expected a value between 0 and 86400",
    )
    expect(sourceSettingsProblem("directory", { path: "r", extensions: [] })).toBe(
      "settings.extensions: Expected a value with a length of at least 1",
    )
    expect(sourceSettingsProblem("directory", { path: "r", extensions: ["c sv"] })).toBe(
      'settings.extensions.0: must be a file extension such as "csv" or ".xlsx"',
    )
    expect(sourceSettingsProblem("directory", { path: "r", max_bytes: 0 })).toBe(
      "settings.max_bytes: Expected a value greater than or equal to 1",
    )
    expect(sourceSettingsProblem("directory", { path: "../r" })).toBe(
      "settings.path: must not leave the inbox folder (no .. segments)",
    )
    expect(
      sourceSettingsProblem("directory", {
        path: "r",
        profile: "gradebook",
        plan: "transform",
        stable_seconds: 0,
        extensions: ["csv"],
        max_bytes: 1000,
      }),
    ).toBeUndefined()
  })
})
