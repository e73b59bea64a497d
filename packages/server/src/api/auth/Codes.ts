/**
 * Email verification and password reset by emailed 6-digit codes. The answers never tell
 * whether an email has an account: asking for a code always answers the same 202 (the code
 * is made and mailed after the answer, so even its timing says nothing), and a wrong code,
 * an expired one, or an email without an account all answer the same "not valid or expired".
 *
 * A code lives 15 minutes, allows 5 attempts, works once, and a new one (at most one a
 * minute, ten a day per account) replaces the earlier one. Wrong guesses are also counted per
 * account across its codes: after 5 in a day every code of the account ends, and none is
 * sent until the day is over, so an account's codes allow 5 guesses a day, not 5 per code.
 * Wrong codes also count against the (account, address) pair like failed sign-ins. Only a
 * code's scrypt hash is stored; it appears in the mail's text and nowhere else (not in the
 * subject, which the logging mailer writes, nor in logs).
 */
import {
  AuthCodesRepo,
  type CodePurpose,
  Mailer,
  type Models,
  RateLimits,
  TokensRepo,
  Transactions,
  UsersRepo,
} from "@batchops/core"
import { Cause, Clock, Effect, Option, Schema } from "effect"
import { ApiError, badRequest, defineRoute } from "../Api.js"
import { awaitTurn, clearFailures, recordFailure } from "./RateLimit.js"
import { CODE_PARAMS, hashSecret, newCode, passwordProblems, verifyAgainstNothing, verifySecret } from "./Secrets.js"
import { AuthSettings, DAY_MS } from "./Settings.js"

const Email = Schema.String.check(Schema.isMaxLength(254))
const Code = Schema.String.check(Schema.isMaxLength(20))

const Detail = Schema.Struct({ detail: Schema.String })

const invalidCode = () =>
  new ApiError({
    status: 400,
    code: "invalid_code",
    message: "the code is not valid or has expired: ask for a new one",
  })

const mailFor = (purpose: CodePurpose, code: string, minutes: number) =>
  purpose === "verify"
    ? {
        subject: "Your BatchOps verification code",
        text:
          `Your code to verify your email address for BatchOps is ${code}.\n\n` +
          `Enter it on the sign-in page within ${minutes} minutes. If you did not ask for it, ignore this message.\n`,
      }
    : {
        subject: "Your BatchOps password reset code",
        text:
          `Your code to choose a new BatchOps password is ${code}.\n\n` +
          `Enter it with your new password within ${minutes} minutes. If you did not ask for it, ` +
          "ignore this message: your password stays as it is.\n",
      }

/** The key of an account's wrong guesses across all its codes. */
const guessesKey = (userId: string) => `codes:${userId}`

/** Whether the account's codes ended after too many wrong guesses today. */
const codesEnded = (userId: string) =>
  Effect.gen(function* () {
    const limits = yield* RateLimits
    return (yield* limits.waitOf(guessesKey(userId))) > 0
  })

/** Counts a wrong guess against the account; the last one allowed ends all its codes for a day. */
const wrongGuess = (userId: string) =>
  Effect.gen(function* () {
    const limits = yield* RateLimits
    const codes = yield* AuthCodesRepo
    const settings = yield* AuthSettings
    const counted = yield* limits.fail(guessesKey(userId), {
      memoryMs: settings.failureMemoryMs,
      delayMs: (guesses) => (guesses >= settings.codeWrongGuesses ? settings.failureMemoryMs : 0),
    })
    if (counted.waitMs > 0) yield* codes.closeAll(userId)
  })

/** Whether the account may get a code of this purpose (an unverified or verified active account). */
const wantsCode = (purpose: CodePurpose, user: Models.User) =>
  user.isActive && (purpose === "reset" || !user.emailVerified)

/**
 * Makes, stores and mails a code for the account of `email` when it has one that may get it
 * and its last code is older than the cool-down. Runs after the answer; a failure is logged
 * (never with the code).
 */
const deliverCode = (purpose: CodePurpose, email: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const codes = yield* AuthCodesRepo
    const mailer = yield* Mailer
    const settings = yield* AuthSettings
    const found = yield* users.getByEmail(email)
    if (Option.isNone(found) || !wantsCode(purpose, found.value)) return
    const user = found.value
    const last = yield* codes.lastIssuedAt(purpose, user.id)
    if (Option.isSome(last) && (yield* Clock.currentTimeMillis) - last.value.getTime() < settings.codeCooldownMs) return
    if ((yield* codes.countIssued(user.id, DAY_MS)) >= settings.codesPerDay) return
    if (yield* codesEnded(user.id)) return
    const code = newCode()
    yield* codes.issue(purpose, user.id, yield* hashSecret(code, CODE_PARAMS), settings.codeTtlMs)
    yield* mailer.send({ to: [user.email], ...mailFor(purpose, code, Math.round(settings.codeTtlMs / 60_000)) })
  }).pipe(
    Effect.catchCause((cause) =>
      Effect.logWarning(
        `the ${purpose === "verify" ? "verification" : "reset"} code could not be sent: ${Cause.squash(cause) instanceof Error ? (Cause.squash(cause) as Error).message : "unknown error"}`,
      ),
    ),
  )

/**
 * The account of `email` when `code` is its current code (one attempt counted); None for a
 * wrong, expired, used or exhausted code, for an account whose codes ended, and for an email
 * without an active account.
 */
const checkCode = (purpose: CodePurpose, email: string, code: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const codes = yield* AuthCodesRepo
    const limits = yield* RateLimits
    const settings = yield* AuthSettings
    const found = yield* users.getByEmail(email)
    if (Option.isNone(found) || !found.value.isActive || !/^\d{6}$/.test(code)) {
      yield* verifyAgainstNothing(code, CODE_PARAMS)
      return Option.none()
    }
    const attempt = (yield* codesEnded(found.value.id))
      ? Option.none()
      : yield* codes.attempt(purpose, found.value.id, settings.codeMaxAttempts)
    if (Option.isNone(attempt)) {
      yield* verifyAgainstNothing(code, CODE_PARAMS)
      return Option.none()
    }
    if (!(yield* verifySecret(code, attempt.value.codeHash))) {
      yield* wrongGuess(found.value.id)
      return Option.none()
    }
    yield* limits.clear(guessesKey(found.value.id))
    return Option.some({ user: found.value, codeId: attempt.value.id })
  })

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
      const users = yield* UsersRepo
      const codes = yield* AuthCodesRepo
      const tx = yield* Transactions
      ctx.audit.recordType = "user"
      yield* awaitTurn("verify", ctx.body.email, ctx.ip)
      const checked = yield* checkCode("verify", ctx.body.email.trim(), ctx.body.code.trim())
      if (Option.isNone(checked)) {
        yield* recordFailure("verify", ctx.body.email, ctx.ip)
        return yield* invalidCode()
      }
      yield* clearFailures("verify", ctx.body.email, ctx.ip)
      const { user, codeId } = checked.value
      const done = yield* tx.withTransaction(
        Effect.gen(function* () {
          if (!(yield* codes.consume("verify", codeId))) return false
          yield* users.update(user.id, { emailVerified: true })
          return true
        }),
      )
      if (!done) return yield* invalidCode()
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
      const users = yield* UsersRepo
      const codes = yield* AuthCodesRepo
      const tokens = yield* TokensRepo
      const tx = yield* Transactions
      ctx.audit.recordType = "user"
      yield* awaitTurn("reset", ctx.body.email, ctx.ip)
      const email = ctx.body.email.trim()
      // the rules that do not depend on the account first: they say nothing about it
      const general = passwordProblems(ctx.body.password, { email })
      if (general.length > 0) {
        return yield* badRequest(
          general.join("; "),
          general.map((message) => ({ path: "password", message })),
        )
      }
      const checked = yield* checkCode("reset", email, ctx.body.code.trim())
      if (Option.isNone(checked)) {
        yield* recordFailure("reset", email, ctx.ip)
        return yield* invalidCode()
      }
      yield* clearFailures("reset", email, ctx.ip)
      const { user, codeId } = checked.value
      const own = passwordProblems(ctx.body.password, { email: user.email, username: user.username })
      if (own.length > 0) {
        return yield* badRequest(
          own.join("; "),
          own.map((message) => ({ path: "password", message })),
        )
      }
      const passwordHash = yield* hashSecret(ctx.body.password)
      const done = yield* tx.withTransaction(
        Effect.gen(function* () {
          if (!(yield* codes.consume("reset", codeId))) return false
          // the code reached the mailbox: that verifies the address too
          yield* users.update(user.id, { passwordHash, emailVerified: true })
          yield* tokens.revokeAll(user.id)
          return true
        }),
      )
      if (!done) return yield* invalidCode()
      ctx.audit.recordId = user.id
      ctx.audit.detail = "password reset"
      return { json: { detail: "your password is changed: sign in with it" } }
    }),
})
