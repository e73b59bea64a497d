/**
 * The tokens port: what `Authorization: Token <token>` signs in. A token is random (256
 * bits), shown once when issued and stored only as a hash; it expires, stops working when
 * left unused too long, and signing out revokes it. The reference adapter is `@batchops/store-sql`.
 */
import { Context, type Effect, type Option } from "effect"
import type * as Models from "../models/Models.js"
import type { StoreError } from "./StoreError.js"

export interface IssuedToken {
  /** the token itself: give it to the client, it is not stored */
  readonly token: string
  readonly expiresAt: string
}

export interface TokensRepoShape {
  /** a new token for the account, valid for `ttlMs` */
  readonly issue: (userId: string, ttlMs: number) => Effect.Effect<IssuedToken, StoreError>
  /**
   * The active account the token signs in, while it is neither expired, revoked, nor unused
   * for longer than `idleMs`; the use is recorded.
   */
  readonly authenticate: (token: string, idleMs: number) => Effect.Effect<Option.Option<Models.User>, StoreError>
  /** signs the token out; false when it was not valid */
  readonly revoke: (token: string) => Effect.Effect<boolean, StoreError>
  /** signs every session of the account out (password changed, account deactivated); how many */
  readonly revokeAll: (userId: string) => Effect.Effect<number, StoreError>
  /** signs every session of the account out but the one of `keep` (its own password changed); how many */
  readonly revokeOthers: (userId: string, keep: string) => Effect.Effect<number, StoreError>
}

export class TokensRepo extends Context.Service<TokensRepo, TokensRepoShape>()("@batchops/core/TokensRepo") {}
