/**
 * From SQL to the ports: every repository method reports the client's `SqlError` as core's
 * `StoreError` (the SqlError kept as its cause, its message and its driver's message joined),
 * and `Transactions` runs effects in one SQL transaction.
 */
import { errorChainMessage, StoreError, Transactions } from "@batchops/core"
import { Effect, Layer } from "effect"
import { SqlClient, SqlError } from "effect/sql"

/** "Failed to execute statement: duplicate key value violates unique constraint ..." */
const describe = (error: SqlError.SqlError): string => errorChainMessage(error)

/** The SqlError as a StoreError; any other error as it is. */
export const toStoreError = <E>(error: E): Exclude<E, SqlError.SqlError> | StoreError =>
  SqlError.isSqlError(error)
    ? new StoreError({ message: describe(error), cause: error })
    : (error as Exclude<E, SqlError.SqlError>)

type StoreErrors<S> = {
  readonly [K in keyof S]: S[K] extends (...args: infer A) => Effect.Effect<infer X, infer E, infer R>
    ? (...args: A) => Effect.Effect<X, Exclude<E, SqlError.SqlError> | StoreError, R>
    : S[K]
}

/** The repository with every method's SqlError reported as a StoreError. */
export const storeErrors = <S extends object>(shape: S): StoreErrors<S> =>
  Object.fromEntries(
    Object.entries(shape).map(([name, member]) => [
      name,
      typeof member === "function"
        ? (...args: Array<unknown>) =>
            Effect.mapError(
              (member as (...a: Array<unknown>) => Effect.Effect<unknown, unknown>)(...args),
              toStoreError,
            )
        : member,
    ]),
  ) as StoreErrors<S>

/** `Transactions` over the `SqlClient` in context: one SQL transaction (a savepoint when nested). */
export const TransactionsLayer: Layer.Layer<Transactions, never, SqlClient.SqlClient> = Layer.effect(
  Transactions,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return Transactions.of({
      withTransaction: (effect) => Effect.mapError(sql.withTransaction(effect), toStoreError),
    })
  }),
)
