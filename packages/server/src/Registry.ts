/**
 * The registry the reference host runs with: BatchOps' built-ins, the bundled parsers (within
 * `parserLimits`, each defaulting to the parsers' own), the campus automations of
 * `@batchops/automations` (a plugin like any site's), and site plugins.
 */
import { batchopsAutomations } from "@batchops/automations"
import { batchopsPlugin, createRegistry, type Plugin } from "@batchops/core"
import { makeParsersPlugin, type ParserLimits } from "@batchops/parsers"

export const defaultRegistry = (plugins: ReadonlyArray<Plugin> = [], parserLimits: Partial<ParserLimits> = {}) =>
  createRegistry([batchopsPlugin, makeParsersPlugin(parserLimits), batchopsAutomations, ...plugins])
