/**
 * Users in SQL (`users`): the people of the site, and who hears about incidents.
 *
 * `incidentMailRecipients` follows the seed's rules for who may act on mail: moderators (like
 * users) must have verified their address, admins are created by the site and need not.
 * Inactive accounts never receive mail. The password hash is never read here: `password_hash`
 * may be NULL (an account that cannot sign in with a password), and `insert` leaves it so;
 * setting a password belongs to the sign-in code, not to this repository.
 */
import { Models, type NewUser, UserExists, UsersRepo } from "@batchops/core"
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

/** The `UsersRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeUsersRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal("id, username, email, role, email_verified, is_active, created_at")

  const insert = (input: NewUser) =>
    Effect.gen(function* () {
      // ON CONFLICT without a target covers both unique columns (username and email)
      const rows = yield* sql<Row>`INSERT INTO users (id, username, email, role, email_verified, is_active)
        VALUES (COALESCE(${input.id ?? null}, gen_random_uuid()::text), ${input.username}, ${input.email},
          ${input.role ?? "user"}, ${input.emailVerified ?? false}, ${input.isActive ?? true})
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

  return UsersRepo.of(storeErrors({ insert, get, getByUsername, incidentMailRecipients }))
})

export const UsersRepoLayer: Layer.Layer<UsersRepo, never, SqlClient.SqlClient> = Layer.effect(UsersRepo, makeUsersRepo)
