import { definePlugin, PLUGIN_API_VERSION } from "@batchops/core"
import { builtinParsers } from "./BuiltinParsers.js"

/** The built-in parsers as a plugin, for hosts that build a registry: XLSX, PDF and CSV, in detection order. */
export const parsersPlugin = definePlugin({
  name: "batchops-parsers",
  apiVersion: PLUGIN_API_VERSION,
  parsers: builtinParsers,
})
