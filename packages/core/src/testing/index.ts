/**
 * The plugin author's kit (`@batchops/core/testing`): sample files, a test CSV parser,
 * in-memory layers, runners for a plugin, a stage, a plan or an automation, and assertions on
 * a run's step log. It needs `@batchops/core` alone.
 */
export { PLUGIN_API_VERSION } from "@batchops/core"
export { expectStep, type HasResult, StepAssertionError, type StepExpectation, stepOf } from "./Assertions.js"
export { type AutomationOptions, type AutomationRun, fixedClock, runAutomation, TEST_NOW } from "./AutomationRunner.js"
export {
  type CsvTestParserOptions,
  csvTestParser,
  csvTestPlugin,
  parseCsvText,
  TEST_CHUNK_SIZE,
} from "./CsvTestParser.js"
export { type MemoryCheckpoints, memoryCheckpoints, type StoredCheckpoint } from "./MemoryCheckpoints.js"
export { type MemoryPublisher, memoryPublisher, type Publication, publishedRecords } from "./MemoryPublisher.js"
export { type MemoryLedger, type MemoryMailer, memoryLedger, memoryMailer } from "./MemoryServices.js"
export {
  checkPlugin,
  type PlanTarget,
  type PluginRun,
  runPlan,
  runPlugin,
  runStage,
  runTestPipeline,
  type StageOptions,
  type StageOutcome,
  type StageTarget,
  type TestInput,
  type TestPlugins,
  type TestRequest,
  testRegistry,
  testSource,
} from "./Runners.js"
export {
  attendanceSample,
  badScoresSample,
  emptySample,
  gradebookSample,
  missingColumnSample,
  rosterSample,
  type SampleFile,
  sampleFile,
  samples,
  type TestFile,
} from "./SampleFiles.js"
