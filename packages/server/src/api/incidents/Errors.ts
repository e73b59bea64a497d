/**
 * How the incident service's refusals answer over HTTP. Every refusal keeps the workflow's own
 * message (it names the states and what is allowed), so the person reads the same reason the
 * CLI gives. Anything not listed here (a `StoreError`) goes on to the app, which answers it.
 */
import type {
  IncidentChangeRefused,
  IncidentConflict,
  IncidentNotFound,
  IncidentRetryRefused,
  IncidentTimelineRewritten,
  InvalidTransition,
  RetryCorrectionsInvalid,
  StoreError,
  UploadActionRefused,
} from "@batchops/core"
import { Effect } from "effect"
import { ApiError, badRequest, conflict, notFound } from "../Api.js"

/** The conflict message: someone saved the incident since the caller loaded it. */
export const CONFLICT_MESSAGE = (id: string) =>
  `incident ${id} changed since you loaded it (someone else acted on it meanwhile); reload it and repeat your change`

/** What the incident service and an upload's retry (from an incident or not) fail with. */
type IncidentFailure =
  | IncidentNotFound
  | InvalidTransition
  | IncidentChangeRefused
  | IncidentConflict
  | UploadActionRefused
  | IncidentRetryRefused
  | RetryCorrectionsInvalid
  | IncidentTimelineRewritten
  | StoreError

/**
 * Answers the incident service's refusals with their HTTP status and passes a `StoreError` on.
 * A rewritten timeline is a bug, not a refusal: it becomes a defect, which the app logs and
 * answers as a 500.
 */
export const answerRefusals = <A, R>(
  effect: Effect.Effect<A, IncidentFailure, R>,
): Effect.Effect<A, ApiError | StoreError, R> =>
  Effect.catch(effect, (error): Effect.Effect<never, ApiError | StoreError> => {
    switch (error._tag) {
      case "IncidentNotFound":
        return Effect.fail(notFound(error.message))
      case "InvalidTransition":
        return Effect.fail(new ApiError({ status: 409, code: "invalid_transition", message: error.message }))
      case "IncidentChangeRefused":
        return Effect.fail(new ApiError({ status: 409, code: "change_refused", message: error.message }))
      case "IncidentConflict":
        return Effect.fail(conflict(CONFLICT_MESSAGE(error.id)))
      case "UploadActionRefused":
      case "IncidentRetryRefused":
        return Effect.fail(new ApiError({ status: 409, code: "retry_refused", message: error.message }))
      case "RetryCorrectionsInvalid":
        return Effect.fail(badRequest(error.message, error.problems))
      case "IncidentTimelineRewritten":
        return Effect.die(error)
      case "StoreError":
        return Effect.fail(error)
    }
  })
