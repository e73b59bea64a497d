export * from "./api/Api.js"
export { type OpenApiInfo, openApiDocument } from "./api/OpenApi.js"
export { apiRoutes } from "./api/Routes.js"
export * from "./api/Server.js"
export * from "./Checkpoints.js"
export { main, run } from "./cli.js"
export * from "./Heartbeats.js"
export {
  DEFAULT_FILE_CPU_SECONDS,
  DEFAULT_FILE_TIMEOUT_SECONDS,
  DEFAULT_PARSE_MEMORY_MB,
  type FileIsolation,
  fileIsolationFromEnv,
} from "./IsolatedPipeline.js"
export * from "./Isolation.js"
export { type UploadLayerOptions, uploadLifecycleLayer } from "./Layers.js"
export { defaultRegistry, pipelineRegistry } from "./Registry.js"
export { uploadExportDir, uploadRunnerLayer } from "./UploadRunner.js"
export * from "./UploadSettings.js"
export * from "./UploadStore.js"
