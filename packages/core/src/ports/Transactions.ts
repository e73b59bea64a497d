/**
 * The transactions port: run several repository calls so that all of them are stored or none
 * is (an incident with its ticket, an upload's status with its queued work). Calls of the
 * repositories inside `withTransaction` join it; nested calls join the outer one. The
 * reference adapter is `@batchops/store-sql`'s, over one SQL connection.
 */
import { Context, type Effect } from "effect"
import type { StoreError } from "./StoreError.js"

export interface TransactionsShape {
  readonly withTransaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
}

export class Transactions extends Context.Service<Transactions, TransactionsShape>()("@batchops/core/Transactions") {}
