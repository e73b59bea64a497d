/**
 * The plugin author's kit (`@batchops/core/testing`): sample files, a test CSV parser,
 * in-memory layers, runners for a plugin, a stage, a plan or an automation, and assertions on
 * a run's step log. It needs `@batchops/core` alone.
 */
export { PLUGIN_API_VERSION } from "@batchops/core"
export * from "./Assertions.js"
export * from "./AutomationRunner.js"
export * from "./CsvTestParser.js"
export * from "./MemoryCheckpoints.js"
export * from "./MemoryPublisher.js"
export * from "./MemoryServices.js"
export * from "./Runners.js"
export * from "./SampleFiles.js"
