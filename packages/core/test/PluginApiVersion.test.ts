import { batchopsPlugin, createRegistry, PLUGIN_API_VERSION, type Plugin, PluginError } from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

/** Plugins as they may arrive from JavaScript code, where nothing checked their type. */
const registryError = (plugins: ReadonlyArray<unknown>): Promise<PluginError> =>
  Effect.runPromise(Effect.flip(createRegistry(plugins as ReadonlyArray<Plugin>)))

describe("plugin API version", () => {
  it("a plugin targeting this core's plugin API is registered", async () => {
    const plugin: Plugin = { name: "acme", apiVersion: PLUGIN_API_VERSION }
    const registry = await Effect.runPromise(createRegistry([batchopsPlugin, plugin]))
    expect(registry.plugins.map((p) => [p.name, p.apiVersion])).toEqual([
      ["batchops", 1],
      ["acme", 1],
    ])
  })

  it("a plugin that does not say which API it targets is refused, told what to add", async () => {
    const error = await registryError([batchopsPlugin, { name: "acme", stages: [] }])
    expect(error).toBeInstanceOf(PluginError)
    expect(error.plugin).toBe("acme")
    expect(error.message).toBe('plugin "acme" does not say which plugin API it targets: add apiVersion: 1')
  })

  it("an apiVersion that is not a whole number is refused, showing what was given", async () => {
    const text = await registryError([{ name: "acme", apiVersion: "1" }])
    expect(text.message).toContain("does not say which plugin API it targets: add apiVersion: 1")
    expect(text.message).toContain('"1"')
    const fraction = await registryError([{ name: "acme", apiVersion: 1.5 }])
    expect(fraction.message).toContain("1.5, not a whole number")
    const nan = await registryError([{ name: "acme", apiVersion: Number.NaN }])
    expect(nan.message).toContain("NaN, not a whole number")
  })

  it("a plugin written for a newer plugin API says it needs a newer core, naming both versions", async () => {
    const error = await registryError([batchopsPlugin, { name: "future", apiVersion: 2 }])
    expect(error.plugin).toBe("future")
    expect(error.message).toBe(
      'plugin "future" targets plugin API 2, but this @batchops/core provides plugin API 1: ' +
        "it needs a newer @batchops/core",
    )
  })

  it("a plugin written for a plugin API this core no longer runs is told to update", async () => {
    const error = await registryError([{ name: "ancient", apiVersion: 0 }])
    expect(error.plugin).toBe("ancient")
    expect(error.message).toContain("targets plugin API 0")
    expect(error.message).toContain("update the plugin")
  })

  it("the version is checked before the plugin's contributions", async () => {
    // the stage is broken (no name), but the version is what is wrong first
    const error = await registryError([{ name: "future", apiVersion: 2, stages: [{ after: "nowhere" }] }])
    expect(error.message).toContain("targets plugin API 2")
  })

  it("values that are not plugins are refused, not crashed on", async () => {
    const empty = await registryError([batchopsPlugin, null])
    expect(empty).toBeInstanceOf(PluginError)
    expect(empty.message).toBe("a plugin must be an object with a name and an apiVersion, not null")
    const missing = await registryError([undefined])
    expect(missing.message).toContain("not undefined")
    const text = await registryError(["batchops-parsers"])
    expect(text.message).toContain('not "batchops-parsers"')
    const list = await registryError([[batchopsPlugin]])
    expect(list.message).toContain("not an array")
  })

  it("contributions that are not lists of objects are refused naming the plugin", async () => {
    const notList = await registryError([{ name: "acme", apiVersion: 1, stages: { name: "x" } }])
    expect(notList.plugin).toBe("acme")
    expect(notList.message).toBe('plugin "acme" gives stages as an object; it must be an array')
    const holes = await registryError([{ name: "acme", apiVersion: 1, profiles: [null] }])
    expect(holes.message).toBe('plugin "acme" gives profiles with an entry that is not an object')
  })
})
