/**
 * Signing in and changing one's password. A sign-in trades an email and password for a token,
 * valid for `tokenTtlMs` and while it is used at least every `tokenIdleMs`; users and
 * moderators must have verified their email first, admins need not. A wrong password and an
 * unknown email get the same refusal, in the same time, and count against the pair of account
 * and client address (`SignInLimits.ts`). Changing one's password asks for the current one (a
 * wrong one counts like a failed sign-in) and signs out every other session of the account.
 */
import { type Account, type Models, TokensRepo, Transactions, UsersRepo } from "@batchops/core"
import { Effect, Option } from "effect"
import { AuthRefused, passwordRefused } from "./AuthRefused.js"
import { AuthSettings } from "./AuthSettings.js"
import { hashSecret, passwordProblems, verifyAgainstNothing, verifySecret } from "./Secrets.js"
import { awaitTurn, clearFailures, recordFailure } from "./SignInLimits.js"

/** A sign-in that succeeded: the token, when it expires, and the account. */
export interface SignedIn {
  readonly token: string
  readonly expiresAt: string
  readonly account: Account
}

/** Whether `password` is the password of the account of `email` (in the same time when there is none). */
const passwordMatches = (email: string, password: string) =>
  Effect.gen(function* () {
    const found = yield* (yield* UsersRepo).credentials(email)
    const hash = Option.match(found, { onNone: () => null, onSome: (c) => c.passwordHash })
    const matches = hash === null ? yield* verifyAgainstNothing(password) : yield* verifySecret(password, hash)
    return { found, matches }
  })

/**
 * Signs in with `email` and `password` from `ip`: the token and the account, or
 * `invalid_credentials`, `account_inactive`, `email_not_verified` or `waiting`. `onUser` hears
 * of the account once the password matched (an audit names it even when the sign-in is then
 * refused).
 */
export const signIn = Effect.fn("SignIn.signIn")(function* (
  email: string,
  password: string,
  ip: string,
  onUser: (user: Models.User) => void = () => undefined,
) {
  const users = yield* UsersRepo
  const tokens = yield* TokensRepo
  const settings = yield* AuthSettings
  yield* awaitTurn("login", email, ip)
  const { found, matches } = yield* passwordMatches(email.trim(), password)
  if (Option.isNone(found) || !matches) {
    yield* recordFailure("login", email, ip)
    return yield* new AuthRefused({
      reason: "invalid_credentials",
      message: "the email or the password is not right",
    })
  }
  yield* clearFailures("login", email, ip)
  const user = found.value.user
  onUser(user)
  if (!user.isActive) {
    return yield* new AuthRefused({
      reason: "account_inactive",
      message: "this account has been deactivated: ask an admin",
    })
  }
  if (user.role !== "admin" && !user.emailVerified) {
    return yield* new AuthRefused({
      reason: "email_not_verified",
      message: 'verify your email address before signing in: ask for a code with "Verify email" and enter it',
    })
  }
  const issued = yield* tokens.issue(user.id, settings.tokenTtlMs)
  const account = Option.getOrElse(
    yield* users.getAccount(user.id),
    (): Account => ({
      user,
      firstName: "",
      lastName: "",
    }),
  )
  const signedIn: SignedIn = { token: issued.token, expiresAt: issued.expiresAt, account }
  return signedIn
})

/**
 * Changes the password of `user` (who signed in with `token`, or null) from `ip`: the current
 * password must match (a wrong one counts as a failed sign-in of the account from the address),
 * the new one must pass the rules. Every other session is signed out; answers how many.
 */
export const changePassword = Effect.fn("SignIn.changePassword")(function* (
  user: Models.User,
  token: string | null,
  currentPassword: string,
  password: string,
  ip: string,
) {
  const users = yield* UsersRepo
  const tokens = yield* TokensRepo
  const tx = yield* Transactions
  yield* awaitTurn("login", user.email, ip)
  const { matches } = yield* passwordMatches(user.email, currentPassword)
  if (!matches) {
    yield* recordFailure("login", user.email, ip)
    return yield* new AuthRefused({
      reason: "current_password",
      message:
        "the current password is not right: type the password you signed in with (forgot it? sign out and use “Forgot your password?”)",
      problems: [{ path: "current_password", message: "the current password is not right" }],
    })
  }
  yield* clearFailures("login", user.email, ip)
  const problems = passwordProblems(password, { email: user.email, username: user.username })
  if (problems.length > 0) return yield* passwordRefused(problems)
  const passwordHash = yield* hashSecret(password)
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      yield* users.update(user.id, { passwordHash })
      return token === null ? yield* tokens.revokeAll(user.id) : yield* tokens.revokeOthers(user.id, token)
    }),
  )
})
