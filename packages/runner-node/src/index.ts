/**
 * `@batchops/runner-node`: core's upload ports on a Node host. Each file (an upload's run or a
 * preview) runs in a worker thread of its own under memory, time and processor limits
 * (`uploadRunnerLayer`, `runPipelineIsolated`, `runPreviewIsolated`, over the generic
 * `runIsolated`), or in place when no limits are set; the upload's original (`OriginalFiles`),
 * its stage checkpoints (`UploadCheckpoints`) and its reports live in the uploads folder of
 * `UploadSettings`.
 */

export {
  checkpointDir,
  diskCheckpoints,
  readCheckpoint,
  removeCheckpoints,
  type StoredCheckpoint,
} from "./Checkpoints.js"
export { guardedPublisher, type PublishGuard } from "./GuardedPublisher.js"
export {
  type FileIsolation,
  type FileTaskInput,
  type IsolatedFileRun,
  type PublishHost,
  runPipelineIsolated,
  runPreviewIsolated,
} from "./IsolatedPipeline.js"
export {
  HostCallFailed,
  type HostHandlers,
  type IsolatedHost,
  type IsolatedRun,
  IsolatedTaskFailed,
  type IsolationLimits,
  ResourceLimitExceeded,
  runIsolated,
  serveIsolated,
} from "./Isolation.js"
export { currentRegistryLayer, uploadCheckpointsLayer } from "./Layers.js"
export {
  type FilePreview,
  PREVIEW_PROBLEMS,
  type PreviewFile,
  type PreviewProblem,
  previewFile,
  rememberedFor,
} from "./Preview.js"
export { type Capture, PREVIEW_ROWS, type PreviewRequest, type PreviewRun, runPreview } from "./PreviewRun.js"
export { pipelineRegistry } from "./Registry.js"
export { uploadFilesLayer } from "./UploadFiles.js"
export { uploadExportDir, uploadRunnerLayer } from "./UploadRunner.js"
export { UploadSettings, type UploadSettingsShape } from "./UploadSettings.js"
export { originalFilesLayer, originalPath, readOriginal, readOriginalFile, sanitizeFileName } from "./UploadStore.js"
