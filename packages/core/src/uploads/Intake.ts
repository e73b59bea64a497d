/**
 * Taking an upload in: the profile and plan are checked against the registry, the original
 * bytes are written once (`OriginalFiles`), and the `uploads` row (status `queued`), its
 * department and its `process_upload` work item are stored in ONE transaction. When the
 * transaction fails the written original is removed again, so there is never an original
 * without its row and work item, nor a row or work item without its original.
 */
import { createHash, randomUUID } from "node:crypto"
import { Effect, Schema } from "effect"
import type { Upload } from "../models/Models.js"
import { CurrentRegistry } from "../plugins/Registry.js"
import { ColumnMappingsRepo } from "../ports/ColumnMappingsRepo.js"
import { OriginalFiles } from "../ports/OriginalFiles.js"
import { Transactions } from "../ports/Transactions.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { WorkQueue } from "../ports/WorkQueue.js"
import { PROCESS_UPLOAD, type ProcessUploadPayload } from "../runtime/WorkItems.js"

/**
 * The upload was refused before anything was stored (unknown profile or plan): `message` says
 * why; `field` and `problem` name the field and what is wrong with it, when one is at fault.
 */
export class UploadRejected extends Schema.TaggedError<UploadRejected>()("UploadRejected", {
  message: Schema.String,
  field: Schema.optional(Schema.Literals(["profile", "process_mode"])),
  problem: Schema.optional(Schema.String),
}) {}

/** A profile of the registry, or "auto"; otherwise an UploadRejected naming the field. */
export const checkUploadProfile = Effect.fn("Intake.checkUploadProfile")(function* (profile: string) {
  const registry = yield* CurrentRegistry
  if (profile !== "auto" && !registry.profiles.has(profile)) {
    const known = [...registry.profiles.keys(), "auto"].join(", ")
    return yield* new UploadRejected({
      message: `unknown profile "${profile}" (known: ${known})`,
      field: "profile",
      problem: `unknown profile (known: ${known})`,
    })
  }
})

/** A profile (or "auto") and a plan the registry knows, or an UploadRejected naming the field that is not. */
export const checkUploadPlan = Effect.fn("Intake.checkUploadPlan")(function* (profile: string, processMode: string) {
  const registry = yield* CurrentRegistry
  yield* checkUploadProfile(profile)
  if (!registry.plans.has(processMode)) {
    const known = [...registry.plans.keys()].join(", ")
    return yield* new UploadRejected({
      message: `unknown plan "${processMode}" (known: ${known})`,
      field: "process_mode",
      problem: `unknown plan (known: ${known})`,
    })
  }
})

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

/** The hex sha256 of `bytes`, as an upload's row records it. */
export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/**
 * Stores a new upload: the original first, then the `queued` row and its `process_upload`
 * work item in one transaction (the original is removed when that transaction fails, whatever
 * the cause). Returns the stored upload.
 */
export const submitUpload = Effect.fn("Intake.submitUpload")(function* (input: SubmitUpload) {
  const originals = yield* OriginalFiles
  const tx = yield* Transactions
  const uploads = yield* UploadsRepo
  const queue = yield* WorkQueue
  yield* checkUploadPlan(input.profile, input.processMode)
  const original = { id: randomUUID(), sha256: sha256Hex(input.bytes), fileName: input.fileName }
  const store = tx.withTransaction(
    Effect.gen(function* () {
      const upload: Upload = yield* uploads.insert({
        id: original.id,
        fileName: input.fileName,
        format: null,
        size: input.bytes.byteLength,
        sha256: original.sha256,
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
  return yield* originals.write(original, input.bytes).pipe(
    Effect.andThen(store),
    Effect.onError(() => originals.remove(original)),
  )
})
