/**
 * Users in SQL (`users`): the people of the site, and who hears about incidents.
 *
 * `incidentMailRecipients` follows the seed's rules for who may act on mail: moderators (like
 * users) must have verified their address, admins are created by the site and need not.
 * Inactive accounts never receive mail. `password_hash` may be NULL (an account that cannot
 * sign in with a password); it holds a hash the sign-in code made, never a password, and only
 * `credentials` reads it. Emails are found in any case: a mailbox does not distinguish it.
 */
import {
  type Account,
  type AccountChanges,
  type AccountFilter,
  Models,
  type NewUser,
  UserExists,
  UsersRepo,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

type User = Models.User
type Role = Models.Role

interface Row {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly role: Role
  readonly email_verified: boolean
  readonly is_active: boolean
  readonly created_at: Date | string
}

interface AccountRow extends Row {
  readonly first_name: string
  readonly last_name: string
}

const toUser = (row: Row): User =>
  new Models.User({
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    emailVerified: row.email_verified,
    isActive: row.is_active,
    createdAt: iso(row.created_at),
  })

const toAccount = (row: AccountRow): Account => ({
  user: toUser(row),
  firstName: row.first_name,
  lastName: row.last_name,
})

/** `%` and `_` of a search are matched as themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/** The `UsersRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeUsersRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, username, email, role, email_verified, is_active, created_at")
  const accountColumns = sql.literal(
    "id, username, email, role, email_verified, is_active, created_at, first_name, last_name",
  )

  const insert = (input: NewUser) =>
    Effect.gen(function* () {
      // ON CONFLICT without a target covers both unique columns (username and email)
      const rows = yield* sql<Row>`INSERT INTO users
          (id, username, email, role, email_verified, is_active, first_name, last_name, password_hash)
        VALUES (COALESCE(${input.id ?? null}, gen_random_uuid()::text), ${input.username}, ${input.email},
          ${input.role ?? "user"}, ${input.emailVerified ?? false}, ${input.isActive ?? true},
          ${input.firstName ?? ""}, ${input.lastName ?? ""}, ${input.passwordHash ?? null})
        ON CONFLICT DO NOTHING
        RETURNING ${columns}`
      if (rows.length === 0) {
        return yield* new UserExists({
          username: input.username,
          email: input.email,
          message: `a user named "${input.username}" or with the email "${input.email}" already exists`,
        })
      }
      return toUser(rows[0]!)
    }).pipe(Effect.withSpan("UsersRepo.insert"))

  const get = (id: string) =>
    Effect.map(sql<Row>`SELECT ${columns} FROM users WHERE id = ${id}`, (rows) =>
      rows.length === 0 ? Option.none<User>() : Option.some(toUser(rows[0]!)),
    )

  const getByUsername = (username: string) =>
    Effect.map(sql<Row>`SELECT ${columns} FROM users WHERE username = ${username}`, (rows) =>
      rows.length === 0 ? Option.none<User>() : Option.some(toUser(rows[0]!)),
    )

  const getByEmail = (email: string) =>
    Effect.map(
      sql<Row>`SELECT ${columns} FROM users WHERE lower(email) = lower(${email}) ORDER BY created_at, id LIMIT 1`,
      (rows) => (rows.length === 0 ? Option.none<User>() : Option.some(toUser(rows[0]!))),
    )

  const credentials = (email: string) =>
    Effect.map(
      sql<Row & { password_hash: string | null }>`SELECT ${columns}, password_hash FROM users
        WHERE lower(email) = lower(${email}) ORDER BY created_at, id LIMIT 1`,
      (rows) =>
        rows.length === 0
          ? Option.none()
          : Option.some({ user: toUser(rows[0]!), passwordHash: rows[0]!.password_hash }),
    )

  const getAccount = (id: string) =>
    Effect.map(sql<AccountRow>`SELECT ${accountColumns} FROM users WHERE id = ${id}`, (rows) =>
      rows.length === 0 ? Option.none<Account>() : Option.some(toAccount(rows[0]!)),
    )

  const list = (filter: AccountFilter) =>
    Effect.gen(function* () {
      const clauses = []
      if (filter.role !== undefined) clauses.push(sql`role = ${filter.role}`)
      if (filter.isActive !== undefined) clauses.push(sql`is_active = ${filter.isActive}`)
      const search = filter.search?.trim()
      if (search) {
        const pattern = likePattern(search.toLowerCase())
        clauses.push(
          sql`(lower(username) LIKE ${pattern} OR lower(email) LIKE ${pattern}
            OR lower(first_name) LIKE ${pattern} OR lower(last_name) LIKE ${pattern})`,
        )
      }
      const where = sql.and(clauses)
      const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM users WHERE ${where}`
      const rows = yield* sql<AccountRow>`SELECT ${accountColumns} FROM users WHERE ${where}
        ORDER BY created_at, id LIMIT ${filter.limit} OFFSET ${filter.offset}`
      return { count: Number(counted[0]?.n ?? 0), accounts: rows.map(toAccount) }
    }).pipe(Effect.withSpan("UsersRepo.list"))

  const usernameTaken = (username: string) =>
    Effect.map(sql<{ id: string }>`SELECT id FROM users WHERE username = ${username}`, (rows) => rows.length > 0)

  const update = (id: string, changes: AccountChanges) =>
    Effect.gen(function* () {
      const values: Record<string, unknown> = {}
      if (changes.role !== undefined) values.role = changes.role
      if (changes.firstName !== undefined) values.first_name = changes.firstName
      if (changes.lastName !== undefined) values.last_name = changes.lastName
      if (changes.isActive !== undefined) values.is_active = changes.isActive
      if (changes.emailVerified !== undefined) values.email_verified = changes.emailVerified
      if (changes.passwordHash !== undefined) values.password_hash = changes.passwordHash
      if (Object.keys(values).length === 0) return yield* getAccount(id)
      const rows = yield* sql<AccountRow>`UPDATE users SET ${sql.update(values)} WHERE id = ${id}
        RETURNING ${accountColumns}`
      return rows.length === 0 ? Option.none<Account>() : Option.some(toAccount(rows[0]!))
    }).pipe(Effect.withSpan("UsersRepo.update"))

  // One spelling per mailbox: the least in byte order (COLLATE "C"), and sorted here in the same
  // order rather than by ORDER BY, so the answer does not depend on the database's collation
  // (Postgres and PGlite may differ).
  const incidentMailRecipients = () =>
    Effect.map(
      sql<{ email: string }>`SELECT min(email COLLATE "C") AS email FROM users
        WHERE is_active AND btrim(email) <> ''
          AND (role = ${"admin"} OR (role = ${"moderator"} AND email_verified))
        GROUP BY lower(email)`,
      (rows) => rows.map((row) => row.email).sort(),
    ).pipe(Effect.withSpan("UsersRepo.incidentMailRecipients"))

  return UsersRepo.of(
    storeErrors({
      insert,
      get,
      getByUsername,
      getByEmail,
      credentials,
      getAccount,
      list,
      usernameTaken,
      update,
      incidentMailRecipients,
    }),
  )
})

export const UsersRepoLayer: Layer.Layer<UsersRepo, never, SqlClient.SqlClient> = Layer.effect(UsersRepo, makeUsersRepo)
