/**
 * The incident area as the API answers it (`/api/incidents/`, `/api/known-errors/`). The moves
 * an incident may make come from the server with the account (`incidentMoves`).
 */
import type { IncidentStatus } from "../../state/session"

export type { IncidentStatus }
export type Severity = "low" | "medium" | "high" | "critical"

export const STATUSES: ReadonlyArray<IncidentStatus> = ["open", "in_progress", "resolved", "archived"]
export const SEVERITIES: ReadonlyArray<Severity> = ["low", "medium", "high", "critical"]

/** What the button that makes a move says. */
export const MOVE_LABEL = (from: IncidentStatus, to: IncidentStatus): string => {
  if (from === "resolved" && to === "open") return "Reopen"
  switch (to) {
    case "in_progress":
      return "Start work"
    case "resolved":
      return "Resolve"
    case "archived":
      return "Archive"
    default:
      return "Open"
  }
}

export const statusLabel = (status: string) => status.replaceAll("_", " ")

export interface TimelineEntry {
  readonly at: string
  readonly actor: string | null
  readonly kind: string
  readonly message: string
  readonly data: unknown
}

export interface Incident {
  readonly id: string
  readonly upload_id: string | null
  readonly stage: string
  readonly error: string
  readonly status: IncidentStatus
  readonly severity: Severity
  readonly known_error: string | null
  readonly root_cause: string | null
  readonly corrective_action: string | null
  readonly impact_summary: string | null
  readonly analysis_notes: string | null
  readonly assignee: string | null
  readonly retry_count: number
  readonly last_retry_at: string | null
  readonly created_at: string
  readonly updated_at: string
  readonly timeline: ReadonlyArray<TimelineEntry>
}

export interface Ticket {
  readonly id: string
  readonly title: string
  readonly status: "open" | "closed"
  readonly created_at: string
}

export interface IncidentGroup {
  readonly fingerprint: string
  readonly stage: string
  readonly known_error: string | null
  readonly message_pattern: string
  readonly source: string | null
  readonly count: number
  readonly first_seen: string
  readonly last_seen: string
  readonly incident_id: string | null
}

export interface IncidentDetail extends Incident {
  readonly tickets: ReadonlyArray<Ticket>
  readonly group: IncidentGroup | null
}

export interface KnownError {
  readonly id: string
  readonly name: string
  readonly pattern: string
  readonly stage: string | null
  readonly severity: Severity
  readonly root_cause: string
  readonly corrective_action: string
  readonly active: boolean
}

export interface PatternTrial {
  readonly tried: number
  /** whether the pattern recognizes the sample sent with it; null without one */
  readonly sample_matched: boolean | null
  readonly matched: ReadonlyArray<{
    readonly incident_id: string
    readonly stage: string
    readonly message: string
    readonly shadowed_by: string | null
  }>
}

/** How long ago `at` was, in words ("5 min", "3 h", "2 days"). */
export const age = (at: string, now: number = Date.now()): string => {
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000))
  if (seconds < 60) return "just now"
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h`
  return `${Math.floor(hours / 24)} days`
}

/** "5 min ago", or "just now". */
export const ago = (at: string, now: number = Date.now()): string => {
  const text = age(at, now)
  return text === "just now" ? text : `${text} ago`
}

/**
 * The uploads an incident came from, oldest first: the one that opened it, then each upload
 * whose failure recurred on it (its timeline's "recurred" entries name them). The last one is
 * the upload a retry is for.
 */
export const uploadsOf = (incident: Incident): ReadonlyArray<string> => {
  const ids: Array<string> = []
  const add = (id: unknown) => {
    if (typeof id === "string" && id !== "" && !ids.includes(id)) ids.push(id)
  }
  add(incident.upload_id)
  for (const entry of incident.timeline) {
    if (entry.kind === "recurred" && typeof entry.data === "object" && entry.data !== null) {
      add((entry.data as { uploadId?: unknown }).uploadId)
    }
  }
  return ids
}
