/**
 * Taking an upload in: the original bytes are written once to the uploads folder, and the
 * `uploads` row (status `queued`) and its `process_upload` work item are stored in ONE
 * transaction. When the transaction fails the written file is deleted again, so there is
 * never a file without its row and work item, nor a row or work item without its file.
 */
import { createHash, randomUUID } from "node:crypto"
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import path from "node:path"
import {
  ColumnMappingsRepo,
  type Models,
  PROCESS_UPLOAD,
  type ProcessUploadPayload,
  Transactions,
  UploadsRepo,
  WorkQueue,
} from "@batchops/core"
import { Effect, Schema } from "effect"
import { UploadSettings } from "./UploadSettings.js"

/** The upload was refused before anything was stored (unknown profile or plan). */
export class UploadRejected extends Schema.TaggedError<UploadRejected>()("UploadRejected", {
  message: Schema.String,
}) {}

/** The original file could not be written to or read from the uploads folder. */
export class UploadFileError extends Schema.TaggedError<UploadFileError>()("UploadFileError", {
  message: Schema.String,
  path: Schema.String,
}) {}

export interface SubmitUpload {
  readonly fileName: string
  readonly bytes: Uint8Array
  /** a profile id of the registry, or "auto" */
  readonly profile: string
  /** a plan of the registry (e.g. "transform") */
  readonly processMode: string
  readonly processConfig?: unknown
  /** a user id */
  readonly uploadedBy?: string | null | undefined
  /** the department it came from: its remembered column mappings apply (`uploads.department`) */
  readonly department?: string | null | undefined
}

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

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

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

/**
 * Stores a new upload: the original on disk, then the `queued` row and its `process_upload`
 * work item in one transaction (the file is deleted when that transaction fails, whatever the
 * cause). Returns the stored upload.
 */
export const submitUpload = Effect.fn("UploadStore.submitUpload")(function* (input: SubmitUpload) {
  const { uploadsDir, registry } = yield* UploadSettings
  const tx = yield* Transactions
  const uploads = yield* UploadsRepo
  const queue = yield* WorkQueue
  if (input.profile !== "auto" && !registry.profiles.has(input.profile)) {
    return yield* new UploadRejected({
      message: `unknown profile "${input.profile}" (known: ${[...registry.profiles.keys(), "auto"].join(", ")})`,
    })
  }
  if (!registry.plans.has(input.processMode)) {
    return yield* new UploadRejected({
      message: `unknown plan "${input.processMode}" (known: ${[...registry.plans.keys()].join(", ")})`,
    })
  }
  const id = randomUUID()
  const sha256 = sha256Hex(input.bytes)
  const file = originalPath(uploadsDir, { id, sha256, fileName: input.fileName })
  const store = tx.withTransaction(
    Effect.gen(function* () {
      const upload = yield* uploads.insert({
        id,
        fileName: input.fileName,
        format: null,
        size: input.bytes.byteLength,
        sha256,
        profile: input.profile,
        processMode: input.processMode,
        processConfig: input.processConfig ?? {},
        uploadedBy: input.uploadedBy ?? null,
      })
      const department = input.department?.trim() || null
      if (department !== null) {
        const mappings = yield* Effect.serviceOption(ColumnMappingsRepo)
        if (mappings._tag === "None") {
          return yield* new UploadRejected({ message: "this host does not keep departments for uploads" })
        }
        yield* mappings.value.setUploadDepartment(upload.id, department)
      }
      const payload: ProcessUploadPayload = { uploadId: upload.id }
      yield* queue.enqueue({ kind: PROCESS_UPLOAD, payload })
      return upload
    }),
  )
  // the clean-up covers a failure, defect or interruption anywhere from the write on
  return yield* writeOnce(file, input.bytes).pipe(
    Effect.andThen(store),
    Effect.onError(() => Effect.promise(() => rm(file, { force: true }).catch(() => undefined))),
  )
})
