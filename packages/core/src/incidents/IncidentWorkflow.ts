/**
 * The incident workflow: how an incident moves between states and what each change writes to
 * its timeline. Pure functions over the Models values: storage loads an incident, calls one of
 * these, and saves the result, so every rule lives here once and every change leaves a trace.
 *
 * Lifecycle: open -> in_progress -> resolved; open -> resolved too (a retry that succeeds
 * resolves an incident nobody started on); archived from open, in_progress or resolved;
 * resolved -> open only as a reopen. An archived incident is closed for good: it cannot
 * change (a recurrence opens a new incident, see `recurrenceAction`).
 */
import { Effect, Schema } from "effect"
import type { IncidentDraft } from "../known-errors/KnownError.js"
import { Incident, IncidentStatus, type Role, Ticket, TimelineEvent, type User } from "../models/Models.js"
import type { StoreError } from "../ports/StoreError.js"
import { UsersRepo } from "../ports/UsersRepo.js"

/** A status change the lifecycle does not allow; `message` names both states and the allowed targets. */
export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  incidentId: Schema.String,
  from: IncidentStatus,
  to: IncidentStatus,
  allowed: Schema.Array(IncidentStatus),
  message: Schema.String,
}) {}

/** A change refused for another reason: the incident is archived, a note is empty... */
export class IncidentChangeRefused extends Schema.TaggedError<IncidentChangeRefused>()("IncidentChangeRefused", {
  incidentId: Schema.String,
  message: Schema.String,
}) {}

/** Where each status can move to. */
export const TRANSITIONS: Readonly<Record<IncidentStatus, ReadonlyArray<IncidentStatus>>> = {
  open: ["in_progress", "resolved", "archived"],
  in_progress: ["resolved", "archived"],
  resolved: ["open", "archived"],
  archived: [],
}

export const allowedTransitions = (from: IncidentStatus): ReadonlyArray<IncidentStatus> => TRANSITIONS[from]

/** Who made a change: a user id, or null for the system (the pipeline, a scheduled retry). */
export type Actor = string | null

/** Event kinds written by this module. */
export type TimelineKind =
  | "opened"
  | "status"
  | "reopened"
  | "field"
  | "assigned"
  | "note"
  | "retry"
  | "recurred"
  | "resolved_by_retry"

const event = (
  at: string,
  actor: Actor,
  kind: TimelineKind,
  message: string,
  data: Record<string, unknown> = {},
): TimelineEvent => new TimelineEvent({ at, actor, kind, message, data })

/** The incident with `changes` applied and `entry` appended; `updatedAt` is the entry's time. */
const withEvent = (incident: Incident, changes: Partial<Incident>, entry: TimelineEvent): Incident =>
  new Incident({ ...incident, ...changes, timeline: [...incident.timeline, entry], updatedAt: entry.at })

const label = (status: IncidentStatus) => status.replace("_", " ")

const refuseIfArchived = (incident: Incident, action: string): Effect.Effect<void, IncidentChangeRefused> =>
  incident.status === "archived"
    ? Effect.fail(
        new IncidentChangeRefused({
          incidentId: incident.id,
          message: `cannot ${action} incident ${incident.id}: it is archived, and an archived incident cannot change`,
        }),
      )
    : Effect.void

const transitionError = (incident: Incident, to: IncidentStatus): InvalidTransition => {
  const from = incident.status
  const allowed = allowedTransitions(from)
  const why =
    from === to
      ? `the incident is already ${label(from)}`
      : allowed.length === 0
        ? `an ${label(from)} incident cannot change`
        : `from ${label(from)} it can move to ${allowed.join(" or ")}`
  return new InvalidTransition({
    incidentId: incident.id,
    from,
    to,
    allowed: [...allowed],
    message: `cannot move an incident from ${from} to ${to}; ${why}`,
  })
}

/**
 * Move an incident to another status, with a timeline entry. Resolved -> open is recorded as
 * a reopen. Fails with InvalidTransition for a move the lifecycle does not allow, including a
 * move to the status it already has (a second "resolve" is a mistake worth saying).
 */
export const transition = (
  incident: Incident,
  to: IncidentStatus,
  actor: Actor,
  now: string,
  note?: string,
): Effect.Effect<Incident, InvalidTransition> => {
  const from = incident.status
  if (!allowedTransitions(from).includes(to)) return Effect.fail(transitionError(incident, to))
  const reopen = from === "resolved" && to === "open"
  const text = note?.trim() ? note.trim() : undefined
  const message = `${reopen ? "reopened" : `${label(from)} -> ${label(to)}`}${text ? `: ${text}` : ""}`
  const data = text ? { from, to, note: text } : { from, to }
  return Effect.succeed(
    withEvent(incident, { status: to }, event(now, actor, reopen ? "reopened" : "status", message, data)),
  )
}

/** The fields an operator writes while working on an incident. */
export interface IncidentFields {
  readonly rootCause?: string | null
  readonly correctiveAction?: string | null
  readonly impactSummary?: string | null
  readonly analysisNotes?: string | null
}

const FIELD_LABELS: Readonly<Record<keyof IncidentFields, string>> = {
  rootCause: "root cause",
  correctiveAction: "corrective action",
  impactSummary: "impact summary",
  analysisNotes: "analysis notes",
}

/** Blank text clears a field: an empty string stored would read as "written, but empty". */
const cleanText = (value: string | null): string | null => (value === null || value.trim() === "" ? null : value.trim())

/**
 * Update fields, one "field" entry per field that actually changes (with the old and new
 * value, so the timeline shows what was there). Unchanged fields write nothing; an update
 * that changes nothing returns the incident as it was.
 */
export const updateFields = (
  incident: Incident,
  fields: IncidentFields,
  actor: Actor,
  now: string,
): Effect.Effect<Incident, IncidentChangeRefused> =>
  Effect.map(refuseIfArchived(incident, "update"), () => {
    let updated = incident
    for (const key of Object.keys(FIELD_LABELS) as Array<keyof IncidentFields>) {
      const value = fields[key]
      if (value === undefined) continue
      const next = cleanText(value)
      const previous = updated[key]
      if (next === previous) continue
      const message = next === null ? `cleared the ${FIELD_LABELS[key]}` : `set the ${FIELD_LABELS[key]}`
      updated = withEvent(
        updated,
        { [key]: next },
        event(now, actor, "field", message, { field: key, from: previous, to: next }),
      )
    }
    return updated
  })

/** Who works incidents, and so may be assigned one: active admins and moderators. */
export const ASSIGNABLE_ROLES: ReadonlyArray<Role> = ["admin", "moderator"]

/** Why `user` may not be assigned an incident, or undefined when they may (see ASSIGNABLE_ROLES). */
export const assignmentProblem = (user: User): string | undefined => {
  if (!user.isActive) return `${user.username}'s account is not active`
  if (!ASSIGNABLE_ROLES.includes(user.role)) {
    return `${user.username} is a ${user.role}; only an admin or a moderator can be assigned`
  }
  return undefined
}

/** How many accounts one read takes while collecting the people an incident can be assigned to. */
const ASSIGNEES_PAGE = 200

/** The people an incident can be assigned to (active accounts of ASSIGNABLE_ROLES), by username. */
export const assignablePeople: Effect.Effect<ReadonlyArray<User>, StoreError, UsersRepo> = Effect.gen(function* () {
  const users = yield* UsersRepo
  const people: Array<User> = []
  for (const role of ASSIGNABLE_ROLES) {
    for (let offset = 0; ; offset += ASSIGNEES_PAGE) {
      const page = yield* users.list({ role, isActive: true, limit: ASSIGNEES_PAGE, offset })
      people.push(...page.accounts.map((account) => account.user))
      if (page.accounts.length < ASSIGNEES_PAGE || offset + ASSIGNEES_PAGE >= page.count) break
    }
  }
  return people.sort((a, b) => a.username.localeCompare(b.username))
})

/** Assign the incident to a user (or unassign with null). Assigning to the current assignee changes nothing. */
export const assign = (
  incident: Incident,
  assignee: string | null,
  actor: Actor,
  now: string,
): Effect.Effect<Incident, IncidentChangeRefused> =>
  Effect.map(refuseIfArchived(incident, "assign"), () =>
    assignee === incident.assignee
      ? incident
      : withEvent(
          incident,
          { assignee },
          event(now, actor, "assigned", assignee === null ? "unassigned" : `assigned to ${assignee}`, {
            from: incident.assignee,
            to: assignee,
          }),
        ),
  )

/** Add a note to the timeline. An empty note is refused: it would be noise in the story. */
export const addNote = (
  incident: Incident,
  text: string,
  actor: Actor,
  now: string,
): Effect.Effect<Incident, IncidentChangeRefused> =>
  Effect.flatMap(refuseIfArchived(incident, "add a note to"), () =>
    text.trim() === ""
      ? Effect.fail(new IncidentChangeRefused({ incidentId: incident.id, message: "a note needs some text" }))
      : Effect.succeed(withEvent(incident, {}, event(now, actor, "note", text.trim()))),
  )

/** How a retry runs, for its timeline entry. */
export interface RetryDetails {
  /** the upload retried (a group's incident may hold failures of several) */
  readonly uploadId?: string | undefined
  /** the stage whose stored output the retry starts after; null: from the start */
  readonly resumeAfter?: string | null | undefined
  /** what the operator corrected before retrying (the retry then starts from the file) */
  readonly corrected?: ReadonlyArray<"profile" | "plan"> | undefined
}

const retryHow = (details: RetryDetails): string => {
  const corrected = details.corrected ?? []
  if (corrected.length > 0) return `: from the start with the corrected ${corrected.join(" and ")}`
  if (details.resumeAfter) return `: resuming after ${details.resumeAfter}`
  return details.resumeAfter === null ? ": from the start" : ""
}

/** Count a retry of the failed upload: increments retryCount, sets lastRetryAt. */
export const recordRetry = (
  incident: Incident,
  actor: Actor,
  now: string,
  details: RetryDetails = {},
): Effect.Effect<Incident, IncidentChangeRefused> =>
  Effect.map(refuseIfArchived(incident, "retry"), () => {
    const attempt = incident.retryCount + 1
    const upload = details.uploadId ? ` of upload ${details.uploadId}` : ""
    return withEvent(
      incident,
      { retryCount: attempt, lastRetryAt: now },
      event(now, actor, "retry", `retry ${attempt}${upload} started${retryHow(details)}`, {
        attempt,
        ...(details.uploadId === undefined ? {} : { uploadId: details.uploadId }),
        ...(details.resumeAfter === undefined ? {} : { resumeAfter: details.resumeAfter }),
        ...(details.corrected === undefined ? {} : { corrected: details.corrected }),
      }),
    )
  })

/**
 * A retry succeeded: the incident is resolved, recorded as "resolved_by_retry" so the
 * timeline tells a fix by retry apart from a fix by a person.
 */
export const resolveByRetry = (
  incident: Incident,
  actor: Actor,
  now: string,
): Effect.Effect<Incident, InvalidTransition> =>
  allowedTransitions(incident.status).includes("resolved")
    ? Effect.succeed(
        withEvent(
          incident,
          { status: "resolved" },
          event(now, actor, "resolved_by_retry", `resolved: retry ${incident.retryCount} succeeded`, {
            from: incident.status,
            to: "resolved",
            attempt: incident.retryCount,
          }),
        ),
      )
    : Effect.fail(transitionError(incident, "resolved"))

/** What is known of a new occurrence of the incident's failure. */
export interface Occurrence {
  readonly at: string
  readonly uploadId: string | null
  readonly message: string
}

/**
 * The same failure happened again. A resolved incident reopens (the fix did not hold); an open
 * or in-progress one gets the occurrence on its timeline. Either way the entry is "recurred".
 * An archived incident is refused: the caller opens a new one (see `recurrenceAction`).
 */
export const recordRecurrence = (
  incident: Incident,
  occurrence: Occurrence,
): Effect.Effect<Incident, IncidentChangeRefused> =>
  Effect.map(refuseIfArchived(incident, "record a recurrence on"), () => {
    const reopen = incident.status === "resolved"
    const upload = occurrence.uploadId === null ? "" : ` in upload ${occurrence.uploadId}`
    return withEvent(
      incident,
      reopen ? { status: "open" } : {},
      event(occurrence.at, null, "recurred", `the failure happened again${upload}${reopen ? "; reopened" : ""}`, {
        uploadId: occurrence.uploadId,
        error: occurrence.message,
        reopened: reopen,
      }),
    )
  })

/** What `openIncident` needs besides the draft. */
export interface OpenContext {
  /** makes the id of a new record; supplied by the caller so ids are the store's business (and tests') */
  readonly newId: (kind: "incident" | "ticket") => string
  readonly now: string
  readonly uploadId: string | null
  /** the uploaded file, for the ticket title */
  readonly fileName?: string
  /** who opened it; null (the default) for the pipeline */
  readonly actor?: Actor
}

const MAX_TITLE_ERROR = 80

const ticketTitle = (draft: IncidentDraft, fileName: string | undefined): string => {
  const what =
    draft.knownError ??
    (draft.error.length > MAX_TITLE_ERROR ? `${draft.error.slice(0, MAX_TITLE_ERROR - 3)}...` : draft.error)
  return `${draft.stage} failed${fileName ? ` for ${fileName}` : ""}: ${what}`
}

/** A new open incident from a pipeline failure's draft, with its ticket and first timeline entry. */
export const openIncident = (
  draft: IncidentDraft,
  context: OpenContext,
): { readonly incident: Incident; readonly ticket: Ticket } => {
  const incidentId = context.newId("incident")
  const actor = context.actor ?? null
  const incident = new Incident({
    id: incidentId,
    uploadId: context.uploadId,
    stage: draft.stage,
    error: draft.error,
    status: "open",
    severity: draft.severity,
    knownError: draft.knownError,
    rootCause: draft.rootCause,
    correctiveAction: draft.correctiveAction,
    impactSummary: null,
    analysisNotes: null,
    assignee: null,
    retryCount: 0,
    lastRetryAt: null,
    timeline: [
      event(
        context.now,
        actor,
        "opened",
        `opened: ${draft.stage} failed${draft.knownError ? ` (known error ${draft.knownError})` : ""}`,
        {
          stage: draft.stage,
          severity: draft.severity,
          knownError: draft.knownError,
          uploadId: context.uploadId,
          plugin: draft.plugin,
        },
      ),
    ],
    createdAt: context.now,
    updatedAt: context.now,
  })
  const ticket = new Ticket({
    id: context.newId("ticket"),
    incidentId,
    title: ticketTitle(draft, context.fileName),
    status: "open",
    createdAt: context.now,
  })
  return { incident, ticket }
}

/** A ticket tracks action: closed once its incident is resolved or archived, open again on a reopen. */
export const ticketStatusFor = (status: IncidentStatus): Ticket["status"] =>
  status === "resolved" || status === "archived" ? "closed" : "open"

/** The ticket with the status its incident calls for (the same ticket when nothing changes). */
export const syncTicket = (ticket: Ticket, incident: Incident): Ticket => {
  const status = ticketStatusFor(incident.status)
  return status === ticket.status ? ticket : new Ticket({ ...ticket, status })
}
