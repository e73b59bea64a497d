/**
 * One-time codes in SQL: `email_verification_requests` (verify) and `password_reset_requests`
 * (reset), the same columns in both. Issuing a code closes the account's earlier unused ones
 * (`used_at` set), so at most one code per account and purpose is open; an attempt is counted
 * in the same statement that finds the code, so the attempt limit holds across processes.
 * The codes an account was issued stay as rows, and count towards its daily cap.
 */
import { AuthCodesRepo, type CodePurpose } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"

export const makeAuthCodesRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const table = (purpose: CodePurpose) =>
    sql.literal(purpose === "verify" ? "email_verification_requests" : "password_reset_requests")

  const lastIssuedAt = (purpose: CodePurpose, userId: string) =>
    Effect.map(
      sql<{ created_at: Date | string }>`SELECT created_at FROM ${table(purpose)}
        WHERE user_id = ${userId} ORDER BY created_at DESC LIMIT 1`,
      (rows) => (rows.length === 0 ? Option.none<Date>() : Option.some(new Date(rows[0]!.created_at))),
    )

  const countIssued = (userId: string, withinMs: number) => {
    const since = `${Math.max(1, Math.round(withinMs))} milliseconds`
    return Effect.map(
      sql<{ issued: number | string }>`SELECT
          (SELECT count(*) FROM email_verification_requests WHERE user_id = ${userId} AND created_at > now() - ${since}::interval)
          + (SELECT count(*) FROM password_reset_requests WHERE user_id = ${userId} AND created_at > now() - ${since}::interval)
          AS issued`,
      (rows) => Number(rows[0]!.issued),
    )
  }

  const issue = (purpose: CodePurpose, userId: string, codeHash: string, ttlMs: number) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`UPDATE ${table(purpose)} SET used_at = now() WHERE user_id = ${userId} AND used_at IS NULL`
        yield* sql`INSERT INTO ${table(purpose)} (user_id, code_hash, expires_at)
          VALUES (${userId}, ${codeHash}, now() + ${`${Math.max(1, Math.round(ttlMs))} milliseconds`}::interval)`
      }),
    )

  const attempt = (purpose: CodePurpose, userId: string, maxAttempts: number) =>
    Effect.map(
      sql<{ id: string; code_hash: string; attempts: number }>`UPDATE ${table(purpose)} SET attempts = attempts + 1
        WHERE id = (SELECT id FROM ${table(purpose)} WHERE user_id = ${userId} AND used_at IS NULL
            ORDER BY created_at DESC LIMIT 1)
          AND used_at IS NULL AND expires_at > now() AND attempts < ${maxAttempts}
        RETURNING id, code_hash, attempts`,
      (rows) =>
        rows.length === 0
          ? Option.none()
          : Option.some({ id: rows[0]!.id, codeHash: rows[0]!.code_hash, attempts: Number(rows[0]!.attempts) }),
    )

  const consume = (purpose: CodePurpose, id: string) =>
    Effect.map(
      sql<{
        id: string
      }>`UPDATE ${table(purpose)} SET used_at = now() WHERE id = ${id} AND used_at IS NULL RETURNING id`,
      (rows) => rows.length > 0,
    )

  const closeAll = (userId: string) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`UPDATE email_verification_requests SET used_at = now() WHERE user_id = ${userId} AND used_at IS NULL`
        yield* sql`UPDATE password_reset_requests SET used_at = now() WHERE user_id = ${userId} AND used_at IS NULL`
      }),
    )

  return AuthCodesRepo.of(storeErrors({ lastIssuedAt, countIssued, issue, attempt, consume, closeAll }))
})

export const AuthCodesRepoLayer: Layer.Layer<AuthCodesRepo, never, SqlClient.SqlClient> = Layer.effect(
  AuthCodesRepo,
  makeAuthCodesRepo,
)
