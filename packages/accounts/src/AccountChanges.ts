/**
 * An admin's changes to an account: role, names, active state, password. Deactivating or a new
 * password signs every session of the account out. An admin cannot deactivate or demote
 * themselves (a site could otherwise lose its last admin by a slip), nor set their own password
 * this way (that needs the current one: `changePassword`). Accounts are never deleted: their
 * uploads, incidents and audit entries keep pointing at them.
 */
import { type Models, TokensRepo, Transactions, UsersRepo } from "@batchops/core"
import { Effect } from "effect"
import { AccountRefused } from "./Accounts.js"
import { hashSecret, passwordProblems } from "./Secrets.js"

/** What an admin changes; absent stays as it is. */
export interface AdminChanges {
  readonly role?: Models.Role | undefined
  readonly firstName?: string | undefined
  readonly lastName?: string | undefined
  readonly isActive?: boolean | undefined
  readonly password?: string | undefined
}

const refusal = (path: string, message: string, fieldMessage: string) =>
  new AccountRefused({ status: 400, message, fields: [{ path, message: fieldMessage }] })

/** Refuses a change that would lock the acting admin out, and their own new password. */
const guardSelf = (actorId: string | null, target: Models.User, changes: AdminChanges) => {
  if (actorId !== target.id) return Effect.void
  if (changes.password !== undefined) {
    return Effect.fail(
      refusal(
        "password",
        "change your own password with your current one: POST /api/auth/password/ with current_password and password",
        "your own password is changed with your current one (POST /api/auth/password/)",
      ),
    )
  }
  if (changes.isActive === false) {
    return Effect.fail(
      refusal(
        "is_active",
        "you cannot deactivate your own account: ask another admin",
        "you cannot deactivate your own account",
      ),
    )
  }
  if (changes.role !== undefined && changes.role !== "admin") {
    return Effect.fail(
      refusal(
        "role",
        "you cannot take your own admin role away: ask another admin",
        "you cannot take your own admin role away",
      ),
    )
  }
  return Effect.void
}

/**
 * Applies `changes` to `target` for the admin `actorId`; the account as it now is (None when
 * it was gone), or an AccountRefused naming the field.
 */
export const changeAccount = Effect.fn("AccountChanges.changeAccount")(function* (
  actorId: string | null,
  target: Models.User,
  changes: AdminChanges,
) {
  const users = yield* UsersRepo
  const tokens = yield* TokensRepo
  const tx = yield* Transactions
  yield* guardSelf(actorId, target, changes)
  let passwordHash: string | undefined
  if (changes.password !== undefined) {
    const problems = passwordProblems(changes.password, { email: target.email, username: target.username })
    if (problems.length > 0) {
      return yield* new AccountRefused({
        status: 400,
        message: problems.join("; "),
        fields: problems.map((message) => ({ path: "password", message })),
      })
    }
    passwordHash = yield* hashSecret(changes.password)
  }
  const signOut = (changes.isActive === false && target.isActive) || passwordHash !== undefined
  return yield* tx.withTransaction(
    Effect.gen(function* () {
      const updated = yield* users.update(target.id, {
        role: changes.role,
        firstName: changes.firstName?.trim(),
        lastName: changes.lastName?.trim(),
        isActive: changes.isActive,
        passwordHash,
      })
      if (signOut) yield* tokens.revokeAll(target.id)
      return updated
    }),
  )
})
