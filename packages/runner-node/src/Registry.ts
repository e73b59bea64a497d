/**
 * The registry a file's thread builds: BatchOps' built-ins, the bundled parsers (within
 * `parserLimits`, each defaulting to the parsers' own) and the site plugins. Automations are
 * not needed there: they contribute no stage, plan, profile, parser or known error.
 */
import { batchopsPlugin, createRegistry, type Plugin } from "@batchops/core"
import { makeParsersPlugin, type ParserLimits } from "@batchops/parsers"

/** What a file's run needs, and all the thread that runs files builds. */
export const pipelineRegistry = (plugins: ReadonlyArray<Plugin> = [], parserLimits: Partial<ParserLimits> = {}) =>
  createRegistry([batchopsPlugin, makeParsersPlugin(parserLimits), ...plugins])
