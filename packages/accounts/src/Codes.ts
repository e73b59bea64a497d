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
import { Cause, Clock, Effect, Option } from "effect"
import { invalidCode, passwordRefused } from "./AuthRefused.js"
import { AuthSettings, DAY_MS } from "./AuthSettings.js"
import { CODE_PARAMS, hashSecret, newCode, passwordProblems, verifyAgainstNothing, verifySecret } from "./Secrets.js"
import { awaitTurn, clearFailures, recordFailure } from "./SignInLimits.js"

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
export const deliverCode = (purpose: CodePurpose, email: string) =>
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

/**
 * Verifies the email of the account the code was sent to (one attempt of the pair of account
 * and `ip` counted): the account, now verified, or `invalid_code`, or `waiting`.
 */
export const confirmEmail = Effect.fn("Codes.confirmEmail")(function* (email: string, code: string, ip: string) {
  const users = yield* UsersRepo
  const codes = yield* AuthCodesRepo
  const tx = yield* Transactions
  yield* awaitTurn("verify", email, ip)
  const checked = yield* checkCode("verify", email.trim(), code.trim())
  if (Option.isNone(checked)) {
    yield* recordFailure("verify", email, ip)
    return yield* invalidCode()
  }
  yield* clearFailures("verify", email, ip)
  const { user, codeId } = checked.value
  const done = yield* tx.withTransaction(
    Effect.gen(function* () {
      if (!(yield* codes.consume("verify", codeId))) return false
      yield* users.update(user.id, { emailVerified: true })
      return true
    }),
  )
  if (!done) return yield* invalidCode()
  return user
})

/**
 * Chooses a new password with a reset code: the rules that do not depend on the account are
 * checked first (they say nothing about it), then the code (one attempt counted), then the
 * rules that do. The code reaching the mailbox verifies the address too, and every session of
 * the account is signed out. The account, or `password`, `invalid_code` or `waiting`.
 */
export const resetPassword = Effect.fn("Codes.resetPassword")(function* (
  email: string,
  code: string,
  password: string,
  ip: string,
) {
  const users = yield* UsersRepo
  const codes = yield* AuthCodesRepo
  const tokens = yield* TokensRepo
  const tx = yield* Transactions
  yield* awaitTurn("reset", email, ip)
  const address = email.trim()
  const general = passwordProblems(password, { email: address })
  if (general.length > 0) return yield* passwordRefused(general)
  const checked = yield* checkCode("reset", address, code.trim())
  if (Option.isNone(checked)) {
    yield* recordFailure("reset", address, ip)
    return yield* invalidCode()
  }
  yield* clearFailures("reset", address, ip)
  const { user, codeId } = checked.value
  const own = passwordProblems(password, { email: user.email, username: user.username })
  if (own.length > 0) return yield* passwordRefused(own)
  const passwordHash = yield* hashSecret(password)
  const done = yield* tx.withTransaction(
    Effect.gen(function* () {
      if (!(yield* codes.consume("reset", codeId))) return false
      yield* users.update(user.id, { passwordHash, emailVerified: true })
      yield* tokens.revokeAll(user.id)
      return true
    }),
  )
  if (!done) return yield* invalidCode()
  return user
})
