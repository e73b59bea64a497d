/** The plugin author's kit: in-memory layers, sample files and helpers to run a stage or a plan. */
export { PLUGIN_API_VERSION } from "@batchops/core"
