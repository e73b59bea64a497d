/** What the accounts screen shares: the roles with their names, and an action's outcome in words. */
import { ApiProblem, answerOf, client } from "../../api/client"
import type { Role } from "../../state/session"
import { sentence } from "../auth/forms"

export const ROLES: ReadonlyArray<{ value: Role; label: string }> = [
  { value: "user", label: "User" },
  { value: "moderator", label: "Moderator" },
  { value: "admin", label: "Admin" },
]

export type RowNote = { readonly kind: "success" | "error"; readonly text: string }

export const roleLabel = (role: Role) => ROLES.find((item) => item.value === role)?.label ?? role

/** Emails a verification code (the public route: the same one a person uses themselves). */
export const sendVerification = (email: string) => answerOf(client.POST("/api/auth/verify/send/", { body: { email } }))

export const problemText = (error: unknown) =>
  error instanceof ApiProblem && error.status === 429
    ? `Too many attempts. ${sentence(error.message)}`
    : sentence(error instanceof Error ? error.message : String(error))
