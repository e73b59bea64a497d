export * from "./api/Api.js"
export { type OpenApiInfo, openApiDocument } from "./api/OpenApi.js"
export { apiRoutes } from "./api/Routes.js"
export * from "./api/Server.js"
export { main, run } from "./cli.js"
export * from "./Heartbeats.js"
export { type UploadLayerOptions, uploadLifecycleLayer } from "./Layers.js"
export { defaultRegistry } from "./Registry.js"
export {
  DEFAULT_FILE_CPU_SECONDS,
  DEFAULT_FILE_TIMEOUT_SECONDS,
  DEFAULT_PARSE_MEMORY_MB,
  fileIsolationFromEnv,
} from "./Settings.js"
