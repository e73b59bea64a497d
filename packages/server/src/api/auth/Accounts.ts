/** Accounts as the API shows them (making one is `@batchops/accounts`' `createAccount`). */
import type { Account } from "@batchops/core"
import { Schema } from "effect"
import { encoderOf, snakeJson, userFields } from "../Api.js"

/** An account on the wire: the user and its names. */
export const accountFields = { ...userFields, firstName: Schema.String, lastName: Schema.String }
export const AccountJson = snakeJson(accountFields)
const encodeAccount = encoderOf(AccountJson)
export const accountJson = (account: Account) =>
  encodeAccount({ ...account.user, firstName: account.firstName, lastName: account.lastName })
