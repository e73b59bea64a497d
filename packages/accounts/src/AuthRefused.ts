/**
 * Why a sign-in, a code or a password change was refused, in the words the person reads:
 * `invalid_credentials` (the same for an unknown email and a wrong password), `account_inactive`,
 * `email_not_verified`, `invalid_code` (the same for a wrong, expired, used or exhausted code and
 * an email without an account), `password` (the new password's problems, each in `problems`),
 * `current_password`, or `waiting` (the pair of account and address must wait `retryAfterSeconds`).
 */
import { FieldProblems } from "@batchops/core"
import { Schema } from "effect"

export class AuthRefused extends Schema.TaggedError<AuthRefused>()("AuthRefused", {
  reason: Schema.Literals([
    "invalid_credentials",
    "account_inactive",
    "email_not_verified",
    "invalid_code",
    "password",
    "current_password",
    "waiting",
  ]),
  message: Schema.String,
  problems: Schema.optional(FieldProblems),
  retryAfterSeconds: Schema.optional(Schema.Number),
}) {}

/** A new password's problems (never empty) as a refusal naming the field. */
export const passwordRefused = (problems: ReadonlyArray<string>, path = "password") =>
  new AuthRefused({
    reason: "password",
    message: problems.join("; "),
    problems: problems.map((message) => ({ path, message })),
  })

export const invalidCode = () =>
  new AuthRefused({ reason: "invalid_code", message: "the code is not valid or has expired: ask for a new one" })
