/**
 * API tokens in SQL (`api_tokens`): 32 random bytes (base64url) given to the client once, the
 * sha256 of them stored. A token this long cannot be guessed, so a fast hash is enough and
 * lets one indexed lookup find it.
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

  const authenticate = (token: string) =>
    Effect.map(
      sql<UserRow>`SELECT u.id, u.username, u.email, u.role, u.email_verified, u.is_active, u.created_at
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${hashToken(token)} AND t.revoked_at IS NULL AND t.expires_at > now() AND u.is_active`,
      (rows) =>
        rows.length === 0
          ? Option.none<Models.User>()
          : Option.some(
              new Models.User({
                id: rows[0]!.id,
                username: rows[0]!.username,
                email: rows[0]!.email,
                role: rows[0]!.role,
                emailVerified: rows[0]!.email_verified,
                isActive: rows[0]!.is_active,
                createdAt: iso(rows[0]!.created_at),
              }),
            ),
    )

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

  return TokensRepo.of(storeErrors({ issue, authenticate, revoke, revokeAll }))
})

export const TokensRepoLayer: Layer.Layer<TokensRepo, never, SqlClient.SqlClient> = Layer.effect(
  TokensRepo,
  makeTokensRepo,
)
