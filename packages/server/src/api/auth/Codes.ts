/**
 * Email verification and password reset by emailed 6-digit codes, over HTTP. The rules (what
 * a code allows, how guesses are counted, what a reset checks) are `@batchops/accounts`'
 * (`Codes.ts`). The answers never tell whether an email has an account: asking for a code
 * always answers the same 202 (the code is made and mailed after the answer, so even its
 * timing says nothing), and a wrong code, an expired one, or an email without an account all
 * answer the same "not valid or expired".
 */
import { confirmEmail, deliverCode, resetPassword } from "@batchops/accounts"
import { Effect, Schema } from "effect"
import { defineRoute } from "../Api.js"
import { answerAuthRefused } from "./Refusals.js"

const Email = Schema.String.check(Schema.isMaxLength(254))
const Code = Schema.String.check(Schema.isMaxLength(20))

const Detail = Schema.Struct({ detail: Schema.String })

export const verifySend = defineRoute({
  method: "POST",
  path: "/api/auth/verify/send/",
  summary: "Mail a code to verify an account's email (the same answer whether or not the email has an account)",
  tag: "Auth",
  access: "public",
  body: Schema.Struct({ email: Email }),
  response: Detail,
  status: 202,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      ctx.audit.detail = "verification code asked for"
      yield* Effect.forkDetach(deliverCode("verify", ctx.body.email.trim()))
      return {
        status: 202,
        json: { detail: "if this email has an account waiting for verification, a code is on its way to it" },
      }
    }),
})

export const verifyConfirm = defineRoute({
  method: "POST",
  path: "/api/auth/verify/confirm/",
  summary: "Confirm an email with the code it received; the account can then sign in",
  tag: "Auth",
  access: "public",
  body: Schema.Struct({ email: Email, code: Code }),
  response: Detail,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      const user = yield* answerAuthRefused(confirmEmail(ctx.body.email, ctx.body.code, ctx.ip))
      ctx.audit.recordId = user.id
      ctx.audit.detail = "email verified"
      return { json: { detail: "your email is verified: you can sign in" } }
    }),
})

export const forgot = defineRoute({
  method: "POST",
  path: "/api/auth/forgot/",
  summary: "Mail a code to choose a new password (the same answer whether or not the email has an account)",
  tag: "Auth",
  access: "public",
  body: Schema.Struct({ email: Email }),
  response: Detail,
  status: 202,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      ctx.audit.detail = "reset code asked for"
      yield* Effect.forkDetach(deliverCode("reset", ctx.body.email.trim()))
      return { status: 202, json: { detail: "if this email has an account, a reset code is on its way to it" } }
    }),
})

export const reset = defineRoute({
  method: "POST",
  path: "/api/auth/reset/",
  summary: "Choose a new password with the emailed code; every session of the account is signed out",
  tag: "Auth",
  access: "public",
  body: Schema.Struct({ email: Email, code: Code, password: Schema.String.check(Schema.isMaxLength(1000)) }),
  response: Detail,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      const user = yield* answerAuthRefused(resetPassword(ctx.body.email, ctx.body.code, ctx.body.password, ctx.ip))
      ctx.audit.recordId = user.id
      ctx.audit.detail = "password reset"
      return { json: { detail: "your password is changed: sign in with it" } }
    }),
})
