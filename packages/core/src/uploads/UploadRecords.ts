/**
 * Uploads as records an operator changes: a corrected profile or plan while the upload is
 * queued or failed, and a deletion with its files. Each checks the upload's status again in
 * the statement that changes it, so a run that started meanwhile is never changed under it.
 */
import { Effect, Option } from "effect"
import type * as Models from "../models/Models.js"
import { UploadFiles } from "../plugins/Automation.js"
import { Transactions } from "../ports/Transactions.js"
import { UploadCheckpoints } from "../ports/UploadCheckpoints.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { checkUploadPlan } from "./Intake.js"
import { UploadActionRefused } from "./UploadActions.js"

/** The statuses whose plan may be corrected. */
const CORRECTABLE: ReadonlyArray<Models.UploadStatus> = ["queued", "failed"]

const describeStatus = (status: Models.UploadStatus) => status.replace("_", " ")

/** What an operator corrects; an absent or blank value keeps the upload's own. */
export interface PlanCorrection {
  readonly profile?: string | undefined
  readonly processMode?: string | undefined
  readonly processConfig?: Readonly<Record<string, unknown>> | undefined
}

/**
 * Corrects the profile or plan of `upload` while it is queued or failed, and says what changed
 * (nothing changed: the upload as it is, nothing written). A failed upload's next run then
 * starts from the file: its stored stage outputs were made with the old plan, so its steps are
 * cleared and its checkpoints discarded. The correction is on the upload's timeline.
 */
export const correctUploadPlan = Effect.fn("UploadRecords.correctUploadPlan")(function* (
  upload: Models.Upload,
  correction: PlanCorrection,
  actor: string | null,
) {
  const uploads = yield* UploadsRepo
  const tx = yield* Transactions
  if (!CORRECTABLE.includes(upload.status)) {
    return yield* new UploadActionRefused({
      uploadId: upload.id,
      message: `upload ${upload.id} is ${describeStatus(upload.status)}; its plan can change only while it is queued or failed`,
    })
  }
  const profile = correction.profile?.trim() || upload.profile
  const processMode = correction.processMode?.trim() || upload.processMode
  const processConfig = correction.processConfig ?? upload.processConfig
  yield* checkUploadPlan(profile, processMode)
  const changed: Array<string> = []
  if (profile !== upload.profile) changed.push("profile")
  if (processMode !== upload.processMode) changed.push("process_mode")
  if (JSON.stringify(processConfig ?? {}) !== JSON.stringify(upload.processConfig ?? {})) {
    changed.push("process_config")
  }
  if (changed.length === 0) return { upload, changed }
  const saved = yield* tx.withTransaction(
    Effect.gen(function* () {
      const moved = yield* uploads.correctPlan(upload.id, CORRECTABLE, { profile, processMode, processConfig })
      if (Option.isNone(moved)) {
        return yield* new UploadActionRefused({
          uploadId: upload.id,
          message: `upload ${upload.id} started running meanwhile; its plan was not changed`,
        })
      }
      // the stored outputs of the failed run were made with the old plan: none may be reused
      if (moved.value.status === "failed") yield* uploads.updateSteps(upload.id, [])
      yield* uploads.appendEvent(upload.id, {
        actor,
        kind: "corrected",
        message: `corrected: ${changed.join(", ")}`,
        data: { changed, profile, processMode },
      })
      return Option.getOrElse(yield* uploads.get(upload.id), () => moved.value)
    }),
  )
  if (saved.status === "failed") yield* (yield* UploadCheckpoints).discard(upload.id)
  return { upload: saved, changed }
})

/**
 * Deletes `upload`: the row, its timeline and its queued work item in one statement set, then
 * its files (`UploadFiles`: original, stored stage outputs, reports). Refused while a worker
 * runs it. A file that cannot be removed is logged; the deletion stands. Answers false when the
 * upload was deleted meanwhile.
 */
export const deleteUpload = Effect.fn("UploadRecords.deleteUpload")(function* (upload: Models.Upload) {
  const uploads = yield* UploadsRepo
  const refused = new UploadActionRefused({
    uploadId: upload.id,
    message: `upload ${upload.id} is processing; wait until its run ends, then delete it`,
  })
  if (upload.status === "processing") return yield* refused
  const removed = yield* uploads.remove(upload.id, ["processing"])
  if (Option.isNone(removed)) {
    const still = yield* uploads.get(upload.id)
    return yield* Option.isSome(still) ? refused : Effect.succeed(false)
  }
  yield* (yield* UploadFiles).remove(removed.value).pipe(Effect.catch((error) => Effect.logWarning(error.message)))
  return true
})
