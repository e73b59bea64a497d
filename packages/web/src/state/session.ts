/**
 * Who is signed in: the token and the account, kept in the browser's session storage (gone
 * when the tab closes) and shared by every screen as a signal.
 */
import { computed, signal } from "@preact/signals"
import type { paths } from "../api/schema"

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
  /** what the account may do, once `GET /api/auth/me/` answered */
  readonly rights?: Rights | undefined
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

/** `GET /api/auth/me/`'s answer, as the OpenAPI document describes it. */
type Me = paths["/api/auth/me/"]["get"]["responses"][200]["content"]["application/json"]

/** What the account may do (the server still enforces it). */
export type Permissions = Me["permissions"]

/** Where an incident of each status may move to (core's incident workflow, as the server answers it). */
export type IncidentTransitions = Me["incident_transitions"]

export type IncidentStatus = keyof IncidentTransitions

/** The signed-in account's rights, from `GET /api/auth/me/`. */
export interface Rights {
  readonly permissions: Permissions
  readonly incident_transitions: IncidentTransitions
}

/** The rights the server gave the account; until they arrive (or after sign-out) no action is offered. */
export const rights = computed<Rights | null>(() => session.value?.rights ?? null)

/** Keeps the rights `GET /api/auth/me/` answered for the signed-in account (and its account as it is now). */
export const receiveRights = (me: Account & Rights) => {
  const current = session.value
  if (current === null) return
  const { permissions, incident_transitions, ...user } = me
  signIn({ token: current.token, user: { ...current.user, ...user }, rights: { permissions, incident_transitions } })
}

const permitted = (name: Exclude<keyof Permissions, "run_by_hand">) => () => rights.value?.permissions[name] === true

/**
 * What the account may do in the interface, as the server answered it: an action the server
 * would refuse is not offered.
 */
export const can = {
  upload: permitted("upload"),
  /** run a job by hand: its automation says who may (`run_by_hand`) */
  triggerJob: (job: { readonly run_by_hand: Permissions["run_by_hand"][number] }) =>
    rights.value?.permissions.run_by_hand.includes(job.run_by_hand) === true,
  confirmMappings: permitted("confirm_mappings"),
  correctUploads: permitted("correct_uploads"),
  manageIncidents: permitted("manage_incidents"),
  manageKnownErrors: permitted("manage_known_errors"),
  approveUploads: permitted("approve_uploads"),
  editSchedules: permitted("edit_schedules"),
  editSources: permitted("edit_sources"),
  manageUsers: permitted("manage_users"),
}

/** Where an incident of `status` may move to, as the server's workflow says. */
export const incidentMoves = (status: IncidentStatus): ReadonlyArray<IncidentStatus> =>
  rights.value?.incident_transitions[status] ?? []
