/**
 * The registry: every plugin's contributions, checked and put in order. Built-ins come
 * from the `batchops` plugin through the same path as anyone else's.
 */
import { Effect } from "effect"
import type { Automation } from "./Automation.js"
import { PluginError } from "./Errors.js"
import type { FileParser } from "./FileParser.js"
import type { KnownError } from "./KnownError.js"
import type { Plan } from "./Plan.js"
import type { Plugin } from "./Plugin.js"
import type { Profile } from "./Profile.js"
import type { Stage } from "./Stage.js"

export interface Registry {
  readonly plugins: ReadonlyArray<Plugin>
  /** stages in the order they run */
  readonly stages: ReadonlyArray<Stage>
  // biome-ignore lint/suspicious/noExplicitAny: plans keep their own config types
  readonly plans: ReadonlyMap<string, Plan<any>>
  /** profiles in registration order (the order `auto` breaks ties in) */
  readonly profiles: ReadonlyMap<string, Profile>
  /** known errors in matching order */
  readonly knownErrors: ReadonlyArray<KnownError>
  /** parsers in detection order: later plugins' parsers first, so a plugin can claim a format */
  readonly parsers: ReadonlyArray<FileParser & { readonly plugin: string }>
  /** automations by key, each with the plugin that contributed it */
  readonly automations: ReadonlyMap<string, Automation & { readonly plugin: string }>
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i

/** Check the plugins and build the registry. Fails with a PluginError naming the plugin at fault. */
export const createRegistry = Effect.fn("Registry.create")(function* (plugins: ReadonlyArray<Plugin>) {
  const seenPlugins = new Set<string>()
  const stages: Array<Stage> = []
  const stageOwner = new Map<string, string>()
  // biome-ignore lint/suspicious/noExplicitAny: see Registry.plans
  const plans = new Map<string, Plan<any>>()
  const profiles = new Map<string, Profile>()
  const knownErrors: Array<KnownError> = []
  const parsers: Array<FileParser & { readonly plugin: string }> = []
  const automations = new Map<string, Automation & { readonly plugin: string }>()

  for (const plugin of plugins) {
    const name = plugin?.name
    if (typeof name !== "string" || !NAME.test(name)) {
      return yield* new PluginError({
        plugin: String(name),
        message: "a plugin needs a name of letters, digits, '.', '_' or '-'",
      })
    }
    const fail = (message: string) => new PluginError({ plugin: name, message: `plugin "${name}": ${message}` })
    if (seenPlugins.has(name)) return yield* fail("a plugin with this name is already registered")
    seenPlugins.add(name)

    for (const stage of plugin.stages ?? []) {
      if (!stage.name || !NAME.test(stage.name)) return yield* fail(`stage name "${stage.name}" is not valid`)
      const owner = stageOwner.get(stage.name)
      if (owner !== undefined) return yield* fail(`stage "${stage.name}" is already defined by plugin "${owner}"`)
      if (stage.after !== undefined && stage.before !== undefined) {
        return yield* fail(`stage "${stage.name}" names both "after" and "before"; give one`)
      }
      const anchor = stage.after ?? stage.before
      const owned = { ...stage, plugin: name }
      if (anchor === undefined) {
        stages.push(owned)
      } else {
        const index = stages.findIndex((s) => s.name === anchor)
        if (index < 0) {
          return yield* fail(
            `stage "${stage.name}" is placed ${stage.after !== undefined ? "after" : "before"} "${anchor}", ` +
              `which no earlier plugin defines (stages: ${stages.map((s) => s.name).join(", ") || "none"})`,
          )
        }
        stages.splice(stage.after !== undefined ? index + 1 : index, 0, owned)
      }
      stageOwner.set(stage.name, name)
    }

    for (const plan of plugin.plans ?? []) {
      const existing = plans.get(plan.id)
      if (existing) return yield* fail(`plan "${plan.id}" is already defined by plugin "${existing.plugin}"`)
      plans.set(plan.id, { ...plan, plugin: name })
    }
    for (const profile of plugin.profiles ?? []) {
      if (profile.id === "auto") return yield* fail(`"auto" is reserved and cannot be a profile id`)
      const existing = profiles.get(profile.id)
      if (existing) return yield* fail(`profile "${profile.id}" is already defined by plugin "${existing.plugin}"`)
      profiles.set(profile.id, { ...profile, plugin: name })
    }
    for (const known of plugin.knownErrors ?? []) {
      if (knownErrors.some((k) => k.name === known.name)) {
        return yield* fail(`known error "${known.name}" is already defined`)
      }
      try {
        new RegExp(known.pattern, "i")
      } catch (cause) {
        return yield* fail(
          `known error "${known.name}" has a pattern that does not compile: ${(cause as Error).message}`,
        )
      }
      knownErrors.push({ ...known, plugin: name })
    }
    parsers.unshift(...(plugin.parsers ?? []).map((parser) => ({ ...parser, plugin: name })))
    for (const automation of plugin.automations ?? []) {
      const key = automation?.key
      // jobs store the key and people type it: the same rule as other names
      if (typeof key !== "string" || !NAME.test(key)) return yield* fail(`automation key "${key}" is not valid`)
      if (typeof automation.run !== "function" || automation.params === undefined) {
        return yield* fail(`automation "${key}" needs a params schema and a run function`)
      }
      const existing = automations.get(key)
      if (existing) {
        return yield* fail(`automation "${key}" is already defined by plugin "${existing.plugin}"`)
      }
      automations.set(key, { ...automation, plugin: name })
    }
  }
  const registry: Registry = { plugins, stages, plans, profiles, knownErrors, parsers, automations }
  return registry
})
