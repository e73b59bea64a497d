/**
 * Who is signed in: the token and the account, kept in the browser's session storage (gone
 * when the tab closes) and shared by every screen as a signal.
 */
import { computed, signal } from "@preact/signals"

export type Role = "admin" | "moderator" | "user"

export interface Account {
  readonly id: string
  readonly username: string
  readonly email: string
  readonly role: Role
  readonly email_verified: boolean
  readonly is_active: boolean
  readonly created_at: string
}

export interface Session {
  readonly token: string
  readonly user: Account
}

const KEY = "batchops.session"

const stored = (): Session | null => {
  try {
    const text = globalThis.sessionStorage?.getItem(KEY)
    return text ? (JSON.parse(text) as Session) : null
  } catch {
    return null
  }
}

export const session = signal<Session | null>(stored())

export const signIn = (next: Session) => {
  session.value = next
  globalThis.sessionStorage?.setItem(KEY, JSON.stringify(next))
}

export const signOut = () => {
  session.value = null
  globalThis.sessionStorage?.removeItem(KEY)
}

export const role = computed<Role | null>(() => session.value?.user.role ?? null)

/**
 * What a role may do in the interface, as the server's role matrix says (the server still
 * enforces it): everyone uploads and retries an upload as it is, and runs the schedules whose
 * automation is for everyone; moderators and admins manage incidents, known errors, approvals,
 * column mappings and corrected retries; admins manage schedules, sources and accounts.
 */
export const can = {
  upload: () => role.value !== null,
  /** run a job by hand: its automation says who may (`run_by_hand`) */
  triggerJob: (job: { readonly run_by_hand: "any" | "moderator" | "admin" }) =>
    role.value !== null &&
    (job.run_by_hand === "any" ||
      role.value === "admin" ||
      (job.run_by_hand === "moderator" && role.value === "moderator")),
  /** remember a department's column mapping, which decides how its later files read */
  confirmMappings: () => role.value === "admin" || role.value === "moderator",
  /** retry an upload with another profile or plan (a correction, like editing the plan) */
  correctUploads: () => role.value === "admin" || role.value === "moderator",
  manageIncidents: () => role.value === "admin" || role.value === "moderator",
  manageKnownErrors: () => role.value === "admin" || role.value === "moderator",
  approveUploads: () => role.value === "admin" || role.value === "moderator",
  deleteUploads: () => role.value === "admin" || role.value === "moderator",
  deleteIncidents: () => role.value === "admin",
  editSchedules: () => role.value === "admin",
  editSources: () => role.value === "admin",
  manageUsers: () => role.value === "admin",
}
