/**
 * The one-time codes port: the 6-digit codes mailed to confirm an address (`verify`) or to
 * set a new password (`reset`). Only a hash of a code is stored; a new code replaces the
 * account's earlier one; a code expires, allows a few attempts and works once. The reference
 * adapter is `@batchops/store-sql` (`email_verification_requests`, `password_reset_requests`).
 */
import { Context, type Effect, type Option } from "effect"
import type { StoreError } from "./StoreError.js"

export type CodePurpose = "verify" | "reset"

/** A code that may still be tried: one attempt was just counted for it. */
export interface CodeAttempt {
  readonly id: string
  readonly codeHash: string
  /** attempts counted so far, this one included */
  readonly attempts: number
}

export interface AuthCodesRepoShape {
  /** when the account's latest code of this purpose was issued (for the resend cool-down) */
  readonly lastIssuedAt: (purpose: CodePurpose, userId: string) => Effect.Effect<Option.Option<Date>, StoreError>
  /** how many codes of either purpose the account was issued in the last `withinMs` (the daily cap) */
  readonly countIssued: (userId: string, withinMs: number) => Effect.Effect<number, StoreError>
  /** stores a new code's hash, valid for `ttlMs`; the account's earlier unused codes stop working */
  readonly issue: (
    purpose: CodePurpose,
    userId: string,
    codeHash: string,
    ttlMs: number,
  ) => Effect.Effect<void, StoreError>
  /**
   * Counts one attempt against the account's current code and returns it, when there is one
   * that is unused, unexpired and below `maxAttempts` (counted atomically, so concurrent
   * guesses cannot exceed the limit).
   */
  readonly attempt: (
    purpose: CodePurpose,
    userId: string,
    maxAttempts: number,
  ) => Effect.Effect<Option.Option<CodeAttempt>, StoreError>
  /** marks the code used; false when it was used meanwhile (it works once) */
  readonly consume: (purpose: CodePurpose, id: string) => Effect.Effect<boolean, StoreError>
  /** ends every open code of the account, of both purposes (too many wrong guesses) */
  readonly closeAll: (userId: string) => Effect.Effect<void, StoreError>
}

export class AuthCodesRepo extends Context.Service<AuthCodesRepo, AuthCodesRepoShape>()(
  "@batchops/core/AuthCodesRepo",
) {}
