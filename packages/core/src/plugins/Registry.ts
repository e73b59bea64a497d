/**
 * The registry: every plugin's contributions, checked and put in order. Built-ins come
 * from the `batchops` plugin through the same path as anyone else's.
 */
import { Context, Effect, Result } from "effect"
import type { KnownError } from "../known-errors/KnownError.js"
import { PluginError } from "../pipeline/Errors.js"
import type { FileParser } from "../pipeline/FileParser.js"
import type { Plan } from "../pipeline/Plan.js"
import type { Profile } from "../pipeline/Profile.js"
import { checkPattern } from "../pipeline/SafePattern.js"
import type { Stage } from "../pipeline/Stage.js"
import { type Automation, MANUAL_RUN_ACCESS } from "./Automation.js"
import { PLUGIN_API_VERSION, type Plugin } from "./Plugin.js"

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

/** The oldest plugin API this core still runs; plugins written for an older one must be updated. */
const OLDEST_PLUGIN_API_VERSION = 1

const LISTS = ["stages", "plans", "profiles", "knownErrors", "parsers", "automations"] as const

/** A value as an error message shows it: primitives as written, anything else by its kind. */
const shown = (value: unknown): string => {
  if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean") {
    return String(value)
  }
  if (typeof value === "string") return JSON.stringify(value)
  if (Array.isArray(value)) return "an array"
  return typeof value === "object" ? "an object" : `a ${typeof value}`
}

/**
 * What is wrong with a value given as a plugin, before any of its contributions is looked at:
 * its shape, its name and the plugin API it targets. Plugins come from other people's code, so
 * nothing here assumes the value is a well-formed Plugin.
 */
const pluginProblem = (plugin: unknown): PluginError | undefined => {
  if (typeof plugin !== "object" || plugin === null || Array.isArray(plugin)) {
    return new PluginError({
      plugin: String(plugin),
      message: `a plugin must be an object with a name and an apiVersion, not ${shown(plugin)}`,
    })
  }
  const { name, apiVersion } = plugin as Partial<Record<keyof Plugin, unknown>>
  if (typeof name !== "string" || !NAME.test(name)) {
    return new PluginError({
      plugin: String(name),
      message: "a plugin needs a name of letters, digits, '.', '_' or '-'",
    })
  }
  const fail = (message: string) => new PluginError({ plugin: name, message: `plugin "${name}" ${message}` })
  if (apiVersion === undefined) {
    return fail(`does not say which plugin API it targets: add apiVersion: ${PLUGIN_API_VERSION}`)
  }
  if (typeof apiVersion !== "number" || !Number.isInteger(apiVersion)) {
    return fail(
      `does not say which plugin API it targets: add apiVersion: ${PLUGIN_API_VERSION} ` +
        `(its apiVersion is ${shown(apiVersion)}, not a whole number)`,
    )
  }
  if (apiVersion > PLUGIN_API_VERSION) {
    return fail(
      `targets plugin API ${apiVersion}, but this @batchops/core provides plugin API ${PLUGIN_API_VERSION}: ` +
        `it needs a newer @batchops/core`,
    )
  }
  if (apiVersion < OLDEST_PLUGIN_API_VERSION) {
    return fail(
      `targets plugin API ${apiVersion}, which this @batchops/core no longer runs ` +
        `(it provides plugin API ${PLUGIN_API_VERSION}): update the plugin`,
    )
  }
  for (const list of LISTS) {
    const items = (plugin as Record<string, unknown>)[list]
    if (items === undefined) continue
    if (!Array.isArray(items)) return fail(`gives ${list} as ${shown(items)}; it must be an array`)
    if (items.some((item) => typeof item !== "object" || item === null)) {
      return fail(`gives ${list} with an entry that is not an object`)
    }
  }
  return undefined
}

/**
 * The registry a program runs (its plugins' parsers, profiles, plans, known errors and
 * automations), for the services that need it: the incident service matches failures against
 * its known errors, retries check plans against it, the scheduler finds its automations.
 */
export class CurrentRegistry extends Context.Service<CurrentRegistry, Registry>()("@batchops/core/CurrentRegistry") {}

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
    const problem = pluginProblem(plugin)
    if (problem !== undefined) return yield* problem
    const name = plugin.name
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
      const checked = checkPattern(known.pattern)
      if (Result.isFailure(checked)) return yield* fail(`known error "${known.name}": ${checked.failure.message}`)
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
      if (automation.runByHand !== undefined && !MANUAL_RUN_ACCESS.includes(automation.runByHand)) {
        return yield* fail(
          `automation "${key}" has runByHand "${automation.runByHand}": say ${MANUAL_RUN_ACCESS.map((a) => `"${a}"`).join(", ")} or leave it out (admins only)`,
        )
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
