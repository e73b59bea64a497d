/**
 * The files the retention purge removes with an upload: core's `UploadFiles` over the folders
 * of the `UploadSettings` in context (its original, its report folder, its stage checkpoints,
 * and report files stored outside its report folder).
 */
import { existsSync, lstatSync, readdirSync } from "node:fs"
import { rm } from "node:fs/promises"
import path from "node:path"
import { type PurgeableUpload, StoreError, UploadFiles } from "@batchops/core"
import { Effect, Layer } from "effect"
import { checkpointDir } from "./Checkpoints.js"
import { uploadExportDir } from "./UploadRunner.js"
import { UploadSettings } from "./UploadSettings.js"
import { originalPath } from "./UploadStore.js"

/**
 * The files at `target` (itself, or everything under it when it is a folder), links counted as
 * files and never followed, so a broken one is counted and removed like any other.
 */
const filesAt = (target: string): Array<string> => {
  if (!existsSync(target) && !isLink(target)) return []
  if (!lstatSync(target).isDirectory()) return [target]
  return (readdirSync(target, { recursive: true }) as Array<string>)
    .map((name) => path.join(target, name))
    .filter((file) => !lstatSync(file).isDirectory())
}

const isLink = (target: string) => {
  try {
    return lstatSync(target).isSymbolicLink()
  } catch {
    return false
  }
}

const reason = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

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
  new StoreError({ message: `cannot ${action} the files of upload ${upload.id}: ${reason(cause)}`, cause })

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
    // each target on its own: one that cannot be removed does not keep the others
    const remove = (upload: PurgeableUpload) =>
      Effect.gen(function* () {
        let removed = 0
        const failures: Array<string> = []
        for (const target of uploadTargets(uploadsDir, exportDir, upload)) {
          const outcome = yield* Effect.result(
            Effect.tryPromise({
              try: async () => {
                const files = filesAt(target).length
                await rm(target, { recursive: true, force: true })
                return files
              },
              catch: (cause) => `${target}: ${reason(cause)}`,
            }),
          )
          if (outcome._tag === "Success") removed += outcome.success
          else failures.push(outcome.failure)
        }
        if (failures.length > 0) {
          return yield* new StoreError({
            message: `cannot remove the files of upload ${upload.id}: ${failures.join("; ")}`,
          })
        }
        return removed
      })
    return UploadFiles.of({ count, remove })
  }),
)
