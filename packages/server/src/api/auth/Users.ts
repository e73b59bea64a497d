/**
 * The accounts, for admins: list (filtered by role, active or not, and a search over names
 * and email), create, read, change (role, names, active, password) and deactivate. Accounts
 * are never deleted: their uploads, incidents and audit entries keep pointing at them.
 * Deactivating or a new password signs every session of the account out; an admin cannot
 * deactivate or demote themselves, nor set their own password here (the rules are
 * `@batchops/accounts`' `changeAccount`).
 */
import { type AccountRefused, changeAccount, createAccount } from "@batchops/accounts"
import { UsersRepo } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { ApiError, defineRoute, notFound, PageOf, PageQuery, pageBounds, paginated } from "../Api.js"
import { AccountJson, accountJson } from "./Accounts.js"

const Role = Schema.Literals(["admin", "moderator", "user"])
const Name = Schema.String.check(Schema.isMaxLength(150))
const Password = Schema.String.check(Schema.isMaxLength(1000))
const IdParams = Schema.Struct({ id: Schema.String })

const refusedAsApi = (error: AccountRefused) =>
  new ApiError({
    status: error.status,
    code: error.status === 409 ? "conflict" : "invalid_request",
    message: error.message,
    fields: [...error.fields],
  })

export const listUsers = defineRoute({
  method: "GET",
  path: "/api/users/",
  summary: "List accounts (filters: role, is_active, search in username, email and names)",
  tag: "Users",
  access: "admin",
  query: Schema.Struct({
    ...PageQuery.fields,
    role: Schema.optional(Role),
    is_active: Schema.optional(Schema.Literals(["true", "false"])),
    search: Schema.optional(Schema.String.check(Schema.isMaxLength(200))),
  }),
  response: PageOf(AccountJson),
  handler: (ctx) =>
    Effect.gen(function* () {
      const users = yield* UsersRepo
      const bounds = pageBounds(ctx.query)
      const { count, accounts } = yield* users.list({
        role: ctx.query.role,
        isActive: ctx.query.is_active === undefined ? undefined : ctx.query.is_active === "true",
        search: ctx.query.search,
        limit: bounds.limit,
        offset: bounds.offset,
      })
      return { json: paginated(ctx.request, bounds, count, accounts.map(accountJson)) }
    }),
})

export const createUser = defineRoute({
  method: "POST",
  path: "/api/users/",
  summary: "Create an account; without a password it signs in after verifying its email and choosing one",
  tag: "Users",
  access: "admin",
  body: Schema.Struct({
    email: Schema.String.check(Schema.isMaxLength(254)),
    role: Role,
    first_name: Schema.optional(Name),
    last_name: Schema.optional(Name),
    password: Schema.optional(Password),
    username: Schema.optional(Schema.String.check(Schema.isMaxLength(150))),
  }),
  response: AccountJson,
  status: 201,
  handler: (ctx) =>
    Effect.gen(function* () {
      const users = yield* UsersRepo
      ctx.audit.recordType = "user"
      const user = yield* createAccount({
        email: ctx.body.email,
        role: ctx.body.role,
        username: ctx.body.username,
        password: ctx.body.password,
        firstName: ctx.body.first_name,
        lastName: ctx.body.last_name,
      }).pipe(Effect.catchTag("AccountRefused", (error) => Effect.fail(refusedAsApi(error))))
      ctx.audit.recordId = user.id
      ctx.audit.detail = `created the account (${user.role})`
      const account = yield* users.getAccount(user.id)
      return { status: 201, json: accountJson(Option.getOrThrow(account)) }
    }),
})

const accountOr404 = (id: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const account = yield* users.getAccount(id)
    if (Option.isNone(account)) return yield* notFound(`no account ${id}`)
    return account.value
  })

export const getUser = defineRoute({
  method: "GET",
  path: "/api/users/:id/",
  summary: "One account",
  tag: "Users",
  access: "admin",
  params: IdParams,
  response: AccountJson,
  handler: (ctx) => Effect.map(accountOr404(ctx.params.id), (account) => ({ json: accountJson(account) })),
})

const UserChanges = Schema.Struct({
  role: Schema.optional(Role),
  first_name: Schema.optional(Name),
  last_name: Schema.optional(Name),
  is_active: Schema.optional(Schema.Boolean),
  password: Schema.optional(Password),
})

/** The API's snake_case changes as the account rule's. */
const adminChanges = (changes: typeof UserChanges.Type) => ({
  role: changes.role,
  firstName: changes.first_name,
  lastName: changes.last_name,
  isActive: changes.is_active,
  password: changes.password,
})

export const updateUser = defineRoute({
  method: "PATCH",
  path: "/api/users/:id/",
  summary:
    "Change an account's role, names, active state or password (deactivating or a new password signs it out; your own password: POST /api/auth/password/)",
  tag: "Users",
  access: "admin",
  params: IdParams,
  body: UserChanges,
  response: AccountJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      ctx.audit.recordId = ctx.params.id
      const target = yield* accountOr404(ctx.params.id)
      const changed = Object.keys(ctx.body).filter((key) => (ctx.body as Record<string, unknown>)[key] !== undefined)
      ctx.audit.detail = changed.length === 0 ? "no change" : `changed ${changed.join(", ")}`
      const updated = yield* changeAccount(ctx.user?.id ?? null, target.user, adminChanges(ctx.body)).pipe(
        Effect.catchTag("AccountRefused", (error) => Effect.fail(refusedAsApi(error))),
      )
      if (Option.isNone(updated)) return yield* notFound(`no account ${ctx.params.id}`)
      return { json: accountJson(updated.value) }
    }),
})

export const deactivateUser = defineRoute({
  method: "DELETE",
  path: "/api/users/:id/",
  summary: "Deactivate an account (it is kept, cannot sign in, and its sessions end)",
  tag: "Users",
  access: "admin",
  params: IdParams,
  response: AccountJson,
  handler: (ctx) =>
    Effect.gen(function* () {
      ctx.audit.recordType = "user"
      ctx.audit.recordId = ctx.params.id
      ctx.audit.detail = "deactivated"
      const target = yield* accountOr404(ctx.params.id)
      const updated = yield* changeAccount(ctx.user?.id ?? null, target.user, { isActive: false }).pipe(
        Effect.catchTag("AccountRefused", (error) => Effect.fail(refusedAsApi(error))),
      )
      if (Option.isNone(updated)) return yield* notFound(`no account ${ctx.params.id}`)
      return { json: accountJson(updated.value) }
    }),
})
