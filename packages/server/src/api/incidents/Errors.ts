/**
 * How the incident service's refusals answer over HTTP. Every refusal keeps the workflow's own
 * message (it names the states and what is allowed), so the person reads the same reason the
 * CLI gives. Anything not listed here (a `StoreError`) goes on to the app, which answers it.
 */
import { Effect } from "effect"
import { ApiError, conflict, notFound } from "../Api.js"

/** The conflict message: someone saved the incident since the caller loaded it. */
export const CONFLICT_MESSAGE = (id: string) =>
  `incident ${id} changed since you loaded it (someone else acted on it meanwhile); reload it and repeat your change`

type Tagged = { readonly _tag: string; readonly message?: string }

const refusal = (error: Tagged): ApiError | undefined => {
  switch (error._tag) {
    case "IncidentNotFound":
      return notFound(error.message ?? "no such incident")
    case "InvalidTransition":
      return new ApiError({ status: 409, code: "invalid_transition", message: error.message ?? "invalid transition" })
    case "IncidentChangeRefused":
      return new ApiError({ status: 409, code: "change_refused", message: error.message ?? "change refused" })
    case "IncidentConflict":
      return conflict(CONFLICT_MESSAGE((error as { readonly id?: string }).id ?? ""))
    case "UploadActionRefused":
      return new ApiError({ status: 409, code: "retry_refused", message: error.message ?? "the retry was refused" })
    default:
      return undefined
  }
}

/** Answers the incident service's refusals with their HTTP status; passes anything else on. */
export const answerRefusals = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | ApiError, R> =>
  Effect.mapError(effect, (error) => {
    if (typeof error === "object" && error !== null && "_tag" in error) {
      const answer = refusal(error as Tagged)
      if (answer !== undefined) return answer
    }
    return error
  })
