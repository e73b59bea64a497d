/**
 * The originals of uploads in the uploads folder (core's `OriginalFiles` port, which intake,
 * `submitUpload`, writes through): each written once, through a temporary name, at a path
 * derived from what its row records, and read back checked against its sha256.
 */
import { randomUUID } from "node:crypto"
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import path from "node:path"
import { type Models, OriginalFiles, sha256Hex, UploadFileError } from "@batchops/core"
import { Effect, Layer } from "effect"
import { UploadSettings } from "./UploadSettings.js"

const MAX_NAME = 120

/** A file name safe for any file system: no folders, only `[A-Za-z0-9._-]`, bounded, never hidden. */
export const sanitizeFileName = (fileName: string): string => {
  const base = path.basename(fileName.replaceAll("\\", "/"))
  const clean = base
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[.]+/, "")
    .slice(-MAX_NAME)
  return clean === "" ? "upload" : clean
}

/** Where the original of an upload lives (derived from what its row records). */
export const originalPath = (
  uploadsDir: string,
  upload: { readonly id: string; readonly sha256: string; readonly fileName: string },
): string => path.join(uploadsDir, upload.sha256.slice(0, 2), `${upload.id}-${sanitizeFileName(upload.fileName)}`)

const fileError = (file: string, action: string) => (cause: unknown) =>
  new UploadFileError({
    path: file,
    message: `cannot ${action} ${file}: ${cause instanceof Error ? cause.message : String(cause)}`,
  })

/** Writes `bytes` to `file` through a temporary name in the same folder, then renames it. */
const writeOnce = (file: string, bytes: Uint8Array) =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(path.dirname(file), { recursive: true })
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${randomUUID()}`)
      try {
        await writeFile(temp, bytes, { flag: "wx" })
        await rename(temp, file)
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined)
        throw error
      }
    },
    catch: fileError(file, "write"),
  })

/** The original of an upload at `file`, checked against its recorded sha256 (the thread that runs a file reads it so). */
export const readOriginalFile = (file: string, upload: { readonly id: string; readonly sha256: string }) =>
  Effect.gen(function* () {
    const bytes = yield* Effect.tryPromise({ try: () => readFile(file), catch: fileError(file, "read") })
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (sha256Hex(data) !== upload.sha256) {
      return yield* new UploadFileError({
        path: file,
        message: `the original of upload ${upload.id} at ${file} does not match its recorded sha256`,
      })
    }
    return data
  })

/** The original bytes of an upload, checked against the recorded sha256. */
export const readOriginal = (upload: Models.Upload) =>
  Effect.gen(function* () {
    const { uploadsDir } = yield* UploadSettings
    return yield* readOriginalFile(originalPath(uploadsDir, upload), upload)
  })

/** `OriginalFiles` in the uploads folder of the `UploadSettings` in context. */
export const originalFilesLayer: Layer.Layer<OriginalFiles, never, UploadSettings> = Layer.effect(
  OriginalFiles,
  Effect.gen(function* () {
    const { uploadsDir } = yield* UploadSettings
    return OriginalFiles.of({
      write: (file, bytes) => writeOnce(originalPath(uploadsDir, file), bytes),
      remove: (file) =>
        Effect.promise(() => rm(originalPath(uploadsDir, file), { force: true }).catch(() => undefined)),
    })
  }),
)
