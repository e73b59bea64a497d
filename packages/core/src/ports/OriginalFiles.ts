/**
 * Where a host keeps the original bytes of each upload (a folder, a bucket): written once when
 * the upload is taken in (`submitUpload`), read back by the host's runner, removed with the
 * upload. An original is named by what its row records: the upload's id, the sha256 of its
 * bytes and the file name it was sent with.
 */
import { Context, type Effect, Schema } from "effect"

/** What names an upload's original. */
export interface OriginalFile {
  readonly id: string
  readonly sha256: string
  readonly fileName: string
}

/** The original file could not be written to or read from where the host keeps originals. */
export class UploadFileError extends Schema.TaggedError<UploadFileError>()("UploadFileError", {
  message: Schema.String,
  path: Schema.String,
}) {}

export interface OriginalFilesShape {
  /** stores `bytes` as the original of `file`, whole or not at all */
  readonly write: (file: OriginalFile, bytes: Uint8Array) => Effect.Effect<void, UploadFileError>
  /** removes the original of `file`; one already gone is not an error */
  readonly remove: (file: OriginalFile) => Effect.Effect<void>
}

export class OriginalFiles extends Context.Service<OriginalFiles, OriginalFilesShape>()(
  "@batchops/core/OriginalFiles",
) {}
