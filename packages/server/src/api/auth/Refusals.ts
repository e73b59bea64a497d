/** How a refusal of `@batchops/accounts` answers over HTTP: its status, its code, its message. */
import type { AuthRefused } from "@batchops/accounts"
import { Effect } from "effect"
import { ApiError, badRequest, tooManyRequests } from "../Api.js"

const STATUS = {
  invalid_credentials: 401,
  account_inactive: 403,
  email_not_verified: 403,
  invalid_code: 400,
} as const

/** Answers an `AuthRefused` of `effect` with its status; anything else goes on. */
export const answerAuthRefused = <A, E, R>(effect: Effect.Effect<A, E | AuthRefused, R>) =>
  Effect.catchIf(
    effect,
    (error): error is AuthRefused =>
      typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "AuthRefused",
    (error): Effect.Effect<never, ApiError> => {
      switch (error.reason) {
        case "password":
        case "current_password":
          return Effect.fail(badRequest(error.message, error.problems))
        case "waiting":
          return Effect.fail(tooManyRequests(error.message, error.retryAfterSeconds ?? 1))
        default:
          return Effect.fail(new ApiError({ status: STATUS[error.reason], code: error.reason, message: error.message }))
      }
    },
  )
