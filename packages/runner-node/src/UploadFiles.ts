/**
 * The files the retention purge removes with an upload: core's `UploadFiles` over the folders
 * of the `UploadSettings` in context (its original, its report folder, its stage checkpoints,
 * and report files stored outside its report folder).
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs"
import path from "node:path"
import { type PurgeableUpload, StoreError, UploadFiles } from "@batchops/core"
import { Effect, Layer } from "effect"
import { checkpointDir } from "./Checkpoints.js"
import { uploadExportDir } from "./UploadRunner.js"
import { UploadSettings } from "./UploadSettings.js"
import { originalPath } from "./UploadStore.js"

/** Regular files at `target` (itself, or everything under it when it is a folder). */
const filesAt = (target: string): Array<string> => {
  if (!existsSync(target)) return []
  if (!statSync(target).isDirectory()) return [target]
  return (readdirSync(target, { recursive: true }) as Array<string>)
    .map((name) => path.join(target, name))
    .filter((file) => statSync(file).isFile())
}

/**
 * An upload's files: its original, its report folder, its stage checkpoints, and report files
 * stored outside its report folder (an older export folder).
 */
const uploadTargets = (uploadsDir: string, exportDir: string, upload: PurgeableUpload): Array<string> => {
  const reports = uploadExportDir(exportDir, upload.id)
  const inside = (file: string) => path.resolve(file).startsWith(path.resolve(reports) + path.sep)
  return [
    originalPath(uploadsDir, upload),
    reports,
    checkpointDir(uploadsDir, upload.id),
    ...[upload.reportCsvPath, upload.reportPdfPath].filter(
      (file): file is string => file !== null && file !== "" && !inside(file),
    ),
  ]
}

const fileError = (action: string, upload: PurgeableUpload) => (cause: unknown) =>
  new StoreError({ message: `cannot ${action} the files of upload ${upload.id}`, cause })

/** `UploadFiles` over the folders of the `UploadSettings` in context. */
export const uploadFilesLayer: Layer.Layer<UploadFiles, never, UploadSettings> = Layer.effect(
  UploadFiles,
  Effect.gen(function* () {
    const { uploadsDir, exportDir } = yield* UploadSettings
    const count = (upload: PurgeableUpload) =>
      Effect.try({
        try: () => uploadTargets(uploadsDir, exportDir, upload).flatMap(filesAt).length,
        catch: fileError("count", upload),
      })
    const remove = (upload: PurgeableUpload) =>
      Effect.try({
        try: () => {
          let removed = 0
          for (const target of uploadTargets(uploadsDir, exportDir, upload)) {
            removed += filesAt(target).length
            rmSync(target, { recursive: true, force: true })
          }
          return removed
        },
        catch: fileError("remove", upload),
      })
    return UploadFiles.of({ count, remove })
  }),
)
