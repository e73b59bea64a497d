/**
 * Signing in and out. `POST /api/auth/login/` trades an email and password for a token
 * (`Authorization: Token <token>`), valid for BATCHOPS_TOKEN_TTL_HOURS and while it is used
 * at least every BATCHOPS_TOKEN_IDLE_HOURS; users and moderators must have verified their
 * email first, admins need not. A wrong password and an unknown email get the same answer,
 * in the same time. `POST /api/auth/password/` changes one's own password: the current one
 * is asked for, and every other session of the account is signed out.
 */
import { TokensRepo, Transactions, UsersRepo } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { ApiError, badRequest, defineRoute, encoderOf, snakeJson, unauthorized } from "../Api.js"
import { RouteTable } from "../Services.js"
import { AccountJson, accountFields, accountJson } from "./Accounts.js"
import { IncidentTransitionsJson, incidentTransitions, PermissionsJson, permissionsOf } from "./Permissions.js"
import { awaitTurn, clearFailures, recordFailure } from "./RateLimit.js"
import { hashSecret, passwordProblems, verifyAgainstNothing, verifySecret } from "./Secrets.js"
import { AuthSettings } from "./Settings.js"

const Login = Schema.Struct({
  email: Schema.String.check(Schema.isMaxLength(254)),
  password: Schema.String.check(Schema.isMaxLength(1000)),
})

const wrongCredentials = () =>
  new ApiError({ status: 401, code: "invalid_credentials", message: "the email or the password is not right" })

export const login = defineRoute({
  method: "POST",
  path: "/api/auth/login/",
  summary: "Sign in with email and password; answers a token for Authorization: Token <token>",
  tag: "Auth",
  access: "public",
  body: Login,
  response: Schema.Struct({ token: Schema.String, expires_at: Schema.String, user: AccountJson }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const users = yield* UsersRepo
      const tokens = yield* TokensRepo
      const settings = yield* AuthSettings
      ctx.audit.recordType = "session"
      yield* awaitTurn("login", ctx.body.email, ctx.ip)
      const found = yield* users.credentials(ctx.body.email.trim())
      const hash = Option.match(found, { onNone: () => null, onSome: (c) => c.passwordHash })
      const matches =
        hash === null ? yield* verifyAgainstNothing(ctx.body.password) : yield* verifySecret(ctx.body.password, hash)
      if (Option.isNone(found) || !matches) {
        yield* recordFailure("login", ctx.body.email, ctx.ip)
        return yield* wrongCredentials()
      }
      yield* clearFailures("login", ctx.body.email, ctx.ip)
      const user = found.value.user
      ctx.audit.recordId = user.id
      if (!user.isActive) {
        return yield* new ApiError({
          status: 403,
          code: "account_inactive",
          message: "this account has been deactivated: ask an admin",
        })
      }
      if (user.role !== "admin" && !user.emailVerified) {
        return yield* new ApiError({
          status: 403,
          code: "email_not_verified",
          message: 'verify your email address before signing in: ask for a code with "Verify email" and enter it',
        })
      }
      const issued = yield* tokens.issue(user.id, settings.tokenTtlMs)
      ctx.audit.actorId = user.id
      ctx.audit.detail = "signed in"
      const account = yield* users.getAccount(user.id)
      return {
        json: {
          token: issued.token,
          expires_at: issued.expiresAt,
          user: Option.match(account, {
            onNone: () => ({ ...accountJson({ user, firstName: "", lastName: "" }) }),
            onSome: accountJson,
          }),
        },
      }
    }),
})

export const logout = defineRoute({
  method: "POST",
  path: "/api/auth/logout/",
  summary: "Sign out: the token of this request stops working",
  tag: "Auth",
  access: "user",
  response: Schema.Struct({ detail: Schema.String }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const tokens = yield* TokensRepo
      ctx.audit.recordType = "session"
      ctx.audit.recordId = ctx.user!.id
      ctx.audit.detail = "signed out"
      if (ctx.token !== null) yield* tokens.revoke(ctx.token)
      return { json: { detail: "signed out" } }
    }),
})

const MeJson = snakeJson({
  ...accountFields,
  permissions: PermissionsJson,
  incidentTransitions: IncidentTransitionsJson,
})
const encodeMe = encoderOf(MeJson)

/**
 * The signed-in account, with what it may do (each permission from the access rule of the route
 * that does it) and where an incident of each status may move, so a client offers only what the
 * server would accept.
 */
export const me = defineRoute({
  method: "GET",
  path: "/api/auth/me/",
  summary: "The signed-in account, what it may do (permissions from the routes' access rules) and the incident moves",
  tag: "Auth",
  access: "user",
  response: MeJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      const users = yield* UsersRepo
      const { routes } = yield* RouteTable
      const account = yield* users.getAccount(ctx.user!.id)
      if (Option.isNone(account)) return yield* unauthorized("the account no longer exists: sign in again")
      return {
        json: encodeMe({
          ...account.value.user,
          firstName: account.value.firstName,
          lastName: account.value.lastName,
          permissions: permissionsOf(routes, account.value.user.role),
          incidentTransitions: incidentTransitions(),
        }),
      }
    }),
})

export const changePassword = defineRoute({
  method: "POST",
  path: "/api/auth/password/",
  summary: "Change your own password (the current one is needed); every other session of the account is signed out",
  tag: "Auth",
  access: "user",
  body: Schema.Struct({
    current_password: Schema.String.check(Schema.isMaxLength(1000)),
    password: Schema.String.check(Schema.isMaxLength(1000)),
  }),
  response: Schema.Struct({ detail: Schema.String, signed_out: Schema.Number }),
  handler: (ctx) =>
    Effect.gen(function* () {
      const users = yield* UsersRepo
      const tokens = yield* TokensRepo
      const tx = yield* Transactions
      const user = ctx.user!
      ctx.audit.recordType = "user"
      ctx.audit.recordId = user.id
      // a wrong current password counts as a failed sign-in of the account from this address
      yield* awaitTurn("login", user.email, ctx.ip)
      const found = yield* users.credentials(user.email)
      const hash = Option.match(found, { onNone: () => null, onSome: (c) => c.passwordHash })
      const matches =
        hash === null
          ? yield* verifyAgainstNothing(ctx.body.current_password)
          : yield* verifySecret(ctx.body.current_password, hash)
      if (!matches) {
        yield* recordFailure("login", user.email, ctx.ip)
        return yield* badRequest(
          "the current password is not right: type the password you signed in with (forgot it? sign out and use “Forgot your password?”)",
          [{ path: "current_password", message: "the current password is not right" }],
        )
      }
      yield* clearFailures("login", user.email, ctx.ip)
      const problems = passwordProblems(ctx.body.password, { email: user.email, username: user.username })
      if (problems.length > 0) {
        return yield* badRequest(
          problems.join("; "),
          problems.map((message) => ({ path: "password", message })),
        )
      }
      const passwordHash = yield* hashSecret(ctx.body.password)
      const signedOut = yield* tx.withTransaction(
        Effect.gen(function* () {
          yield* users.update(user.id, { passwordHash })
          return ctx.token === null ? yield* tokens.revokeAll(user.id) : yield* tokens.revokeOthers(user.id, ctx.token)
        }),
      )
      ctx.audit.detail = "changed their password"
      return {
        json: {
          detail: `your password is changed; ${signedOut === 1 ? "1 other session was" : `${signedOut} other sessions were`} signed out`,
          signed_out: signedOut,
        },
      }
    }),
})
