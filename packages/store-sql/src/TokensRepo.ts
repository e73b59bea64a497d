/**
 * API tokens in SQL (`api_tokens`): 32 random bytes (base64url) given to the client once, the
 * sha256 of them stored. A token this long cannot be guessed, so a fast hash is enough and
 * lets one indexed lookup find it. A token's last use is written at most once a minute, so a
 * busy client does not write on every request.
 */
import { createHash, randomBytes } from "node:crypto"
import { Models, TokensRepo } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

interface UserRow {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly role: Models.Role
  readonly email_verified: boolean
  readonly is_active: boolean
  readonly created_at: Date | string
}

export const makeTokensRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const issue = (userId: string, ttlMs: number) =>
    Effect.gen(function* () {
      const token = randomBytes(32).toString("base64url")
      const rows = yield* sql<{ expires_at: Date | string }>`INSERT INTO api_tokens (user_id, token_hash, expires_at)
        VALUES (${userId}, ${hashToken(token)}, now() + ${`${Math.max(1, Math.round(ttlMs))} milliseconds`}::interval)
        RETURNING expires_at`
      return { token, expiresAt: iso(rows[0]!.expires_at) }
    })

  const authenticate = (token: string, idleMs: number) =>
    Effect.gen(function* () {
      const rows = yield* sql<UserRow & { token_id: string; used_long_ago: boolean }>`
        SELECT u.id, u.username, u.email, u.role, u.email_verified, u.is_active, u.created_at, t.id AS token_id,
          t.last_used_at < now() - interval '1 minute' AS used_long_ago
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${hashToken(token)} AND t.revoked_at IS NULL AND t.expires_at > now()
          AND t.last_used_at > now() - ${`${Math.max(1, Math.round(idleMs))} milliseconds`}::interval AND u.is_active`
      if (rows.length === 0) return Option.none<Models.User>()
      const row = rows[0]!
      if (row.used_long_ago) yield* sql`UPDATE api_tokens SET last_used_at = now() WHERE id = ${row.token_id}`
      return Option.some(
        new Models.User({
          id: row.id,
          username: row.username,
          email: row.email,
          role: row.role,
          emailVerified: row.email_verified,
          isActive: row.is_active,
          createdAt: iso(row.created_at),
        }),
      )
    })

  const revoke = (token: string) =>
    Effect.map(
      sql<{ id: string }>`UPDATE api_tokens SET revoked_at = now()
        WHERE token_hash = ${hashToken(token)} AND revoked_at IS NULL AND expires_at > now() RETURNING id`,
      (rows) => rows.length > 0,
    )

  const revokeAll = (userId: string) =>
    Effect.map(
      sql<{ id: string }>`UPDATE api_tokens SET revoked_at = now()
        WHERE user_id = ${userId} AND revoked_at IS NULL RETURNING id`,
      (rows) => rows.length,
    )

  const revokeOthers = (userId: string, keep: string) =>
    Effect.map(
      sql<{ id: string }>`UPDATE api_tokens SET revoked_at = now()
        WHERE user_id = ${userId} AND revoked_at IS NULL AND token_hash <> ${hashToken(keep)} RETURNING id`,
      (rows) => rows.length,
    )

  return TokensRepo.of(storeErrors({ issue, authenticate, revoke, revokeAll, revokeOthers }))
})

export const TokensRepoLayer: Layer.Layer<TokensRepo, never, SqlClient.SqlClient> = Layer.effect(
  TokensRepo,
  makeTokensRepo,
)
