/**
 * Opening an incident by hand: the ticket and the first timeline entry are the workflow's
 * (`openIncident`), with the operator as actor. Such an incident has no fingerprint, so
 * failures never join it; given an upload that has no incident yet, the upload is linked to
 * it (in the same transaction), so retrying the upload counts on it.
 */
import { Clock, Effect, Option, Schema } from "effect"
import type * as Models from "../models/Models.js"
import { IncidentsRepo } from "../ports/IncidentsRepo.js"
import { Transactions } from "../ports/Transactions.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { type Actor, openIncident } from "./IncidentWorkflow.js"

/** The upload an incident was to be opened for does not exist; nothing was written. */
export class IncidentUploadNotFound extends Schema.TaggedError<IncidentUploadNotFound>()("IncidentUploadNotFound", {
  uploadId: Schema.String,
  message: Schema.String,
}) {}

export interface HandOpenedIncident {
  readonly stage: string
  readonly error: string
  readonly severity: typeof Models.Severity.Type
  /** the upload it is about, if any */
  readonly uploadId?: string | null | undefined
}

/** Opens an incident by hand for `actor`; answers its id. */
export const openIncidentByHand = Effect.fn("OpenByHand.openIncidentByHand")(function* (
  input: HandOpenedIncident,
  actor: Actor,
) {
  const incidents = yield* IncidentsRepo
  const uploads = yield* UploadsRepo
  const tx = yield* Transactions
  const uploadId = input.uploadId ?? null
  const upload = uploadId === null ? Option.none() : yield* uploads.get(uploadId)
  if (uploadId !== null && Option.isNone(upload)) {
    return yield* new IncidentUploadNotFound({ uploadId, message: `no upload ${uploadId}` })
  }
  const opened = openIncident(
    {
      stage: input.stage.trim(),
      error: input.error.trim(),
      severity: input.severity,
      knownError: null,
      rootCause: null,
      correctiveAction: null,
      plugin: null,
    },
    {
      newId: () => globalThis.crypto.randomUUID(),
      now: new Date(yield* Clock.currentTimeMillis).toISOString(),
      uploadId,
      actor,
      ...(Option.isSome(upload) ? { fileName: upload.value.fileName } : {}),
    },
  )
  const first = opened.incident.timeline[0]!
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      const { incident } = yield* incidents.insert({
        id: opened.incident.id,
        uploadId,
        stage: opened.incident.stage,
        error: opened.incident.error,
        severity: opened.incident.severity,
        ticketTitle: opened.ticket.title,
        actor,
        opened: { message: first.message, data: { ...(first.data as object), openedBy: "hand" } },
      })
      if (Option.isSome(upload) && upload.value.incidentId === null) {
        yield* uploads.setIncident(upload.value.id, incident.id)
      }
      return incident.id
    }),
  )
})
