import { definePlugin, PLUGIN_API_VERSION } from "@batchops/core"
import { makeBuiltinParsers } from "./BuiltinParsers.js"
import type { ParserLimits } from "./ParserLimits.js"

/** The built-in parsers as a plugin, for hosts that build a registry: XLSX, PDF and CSV, in detection order, within `limits`. */
export const makeParsersPlugin = (limits: Partial<ParserLimits> = {}) =>
  definePlugin({
    name: "batchops-parsers",
    apiVersion: PLUGIN_API_VERSION,
    parsers: makeBuiltinParsers(limits),
  })

/** The built-in parsers as a plugin, with the default limits. */
export const parsersPlugin = makeParsersPlugin()
