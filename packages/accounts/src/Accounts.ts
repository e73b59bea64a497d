/**
 * Making an account (an admin's `POST /api/users/`, and `batchops create-admin`): the email
 * checked and kept in lower case, the username derived from it when none is given, the
 * password checked against the rules and hashed.
 */
import { type FieldProblem, FieldProblems, type Models, UserExists, UsersRepo } from "@batchops/core"
import { Effect, Option, Schema } from "effect"
import { hashSecret, passwordProblems } from "./Secrets.js"

/** Emails are compared and stored in lower case, without surrounding spaces. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
export const isEmail = (email: string): boolean => email.length <= 254 && EMAIL.test(email)

const USERNAME = /^[A-Za-z0-9._@+-]{1,150}$/
export const usernameProblem = (username: string): string | undefined =>
  USERNAME.test(username) ? undefined : "a username is 1 to 150 letters, digits and . _ @ + - (no spaces)"

/** A new account was refused: what was wrong, for the admin (409: taken; 400: invalid). */
export class AccountRefused extends Schema.TaggedError<AccountRefused>()("AccountRefused", {
  status: Schema.Number,
  message: Schema.String,
  fields: FieldProblems,
}) {}

const refused = (status: number, path: string, message: string) =>
  new AccountRefused({ status, message, fields: [{ path, message }] })

/** The part of the email before the @, in the letters a username allows, free: `ada`, `ada2`... */
export const deriveUsername = (email: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const base =
      (email.split("@")[0] ?? "")
        .toLowerCase()
        .replace(/[^a-z0-9._+-]/g, "")
        .slice(0, 140) || "user"
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${n}`
      if (!(yield* users.usernameTaken(candidate))) return candidate
    }
  })

export interface NewAccount {
  readonly email: string
  readonly role: Models.Role
  readonly username?: string | undefined
  readonly password?: string | undefined
  readonly firstName?: string | undefined
  readonly lastName?: string | undefined
  /** admins made from the command line are verified from the start */
  readonly emailVerified?: boolean | undefined
}

/** Checks and stores a new account; refuses a taken email or username and a weak password. */
export const createAccount = (input: NewAccount) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const email = normalizeEmail(input.email)
    if (!isEmail(email)) return yield* refused(400, "email", "the email address is not valid")
    if (input.username !== undefined) {
      const problem = usernameProblem(input.username)
      if (problem) return yield* refused(400, "username", problem)
    }
    if (input.password !== undefined) {
      const problems = passwordProblems(input.password, { email, username: input.username })
      if (problems.length > 0) {
        return yield* new AccountRefused({
          status: 400,
          message: problems.join("; "),
          fields: problems.map((message): FieldProblem => ({ path: "password", message })),
        })
      }
    }
    if (Option.isSome(yield* users.getByEmail(email))) {
      return yield* refused(409, "email", `an account with the email ${email} already exists`)
    }
    if (input.username !== undefined && (yield* users.usernameTaken(input.username))) {
      return yield* refused(409, "username", `the username "${input.username}" is taken`)
    }
    const passwordHash = input.password === undefined ? undefined : yield* hashSecret(input.password)
    // a derived name can be taken between the check and the insert: try the next one
    for (let attempt = 0; ; attempt++) {
      const username = input.username ?? (yield* deriveUsername(email))
      const inserted = yield* Effect.result(
        users.insert({
          username,
          email,
          role: input.role,
          emailVerified: input.emailVerified ?? false,
          firstName: input.firstName?.trim() ?? "",
          lastName: input.lastName?.trim() ?? "",
          passwordHash,
        }),
      )
      if (inserted._tag === "Success") return inserted.success
      if (!(inserted.failure instanceof UserExists) || input.username !== undefined || attempt >= 3) {
        if (inserted.failure instanceof UserExists) {
          return yield* refused(409, "email", `an account with the email ${email} or the username ${username} exists`)
        }
        return yield* inserted.failure
      }
    }
  })
