/**
 * Signing in and out over HTTP; the rules are `@batchops/accounts`' (SignIn.ts). `POST /api/auth/login/` trades an email and password for a token
 * (`Authorization: Token <token>`), valid for BATCHOPS_TOKEN_TTL_HOURS and while it is used
 * at least every BATCHOPS_TOKEN_IDLE_HOURS; users and moderators must have verified their
 * email first, admins need not. A wrong password and an unknown email get the same answer,
 * in the same time. `POST /api/auth/password/` changes one's own password: the current one
 * is asked for, and every other session of the account is signed out.
 */
import { changePassword as changeOwnPassword, signIn } from "@batchops/accounts"
import { TokensRepo, UsersRepo } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { defineRoute, encoderOf, snakeJson, unauthorized } from "../Api.js"
import { RouteTable } from "../Services.js"
import { AccountJson, accountFields, accountJson } from "./Accounts.js"
import { IncidentTransitionsJson, incidentTransitions, PermissionsJson, permissionsOf } from "./Permissions.js"
import { answerAuthRefused } from "./Refusals.js"

const Login = Schema.Struct({
  email: Schema.String.check(Schema.isMaxLength(254)),
  password: Schema.String.check(Schema.isMaxLength(1000)),
})

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
      ctx.audit.recordType = "session"
      const signedIn = yield* answerAuthRefused(
        signIn(ctx.body.email, ctx.body.password, ctx.ip, (user) => {
          ctx.audit.recordId = user.id
        }),
      )
      ctx.audit.actorId = signedIn.account.user.id
      ctx.audit.detail = "signed in"
      return {
        json: { token: signedIn.token, expires_at: signedIn.expiresAt, user: accountJson(signedIn.account) },
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
      const user = ctx.user!
      ctx.audit.recordType = "user"
      ctx.audit.recordId = user.id
      const signedOut = yield* answerAuthRefused(
        changeOwnPassword(user, ctx.token, ctx.body.current_password, ctx.body.password, ctx.ip),
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
