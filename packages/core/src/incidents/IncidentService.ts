/**
 * The incident service: how operators change incidents and how failures become them, over
 * core's ports (`IncidentsRepo`, `KnownErrorsRepo`, `Transactions`, `WorkQueue`) and the
 * registry in `CurrentRegistry`. Each operator change loads the incident, applies the workflow
 * function (IncidentWorkflow.ts, where every rule lives) and saves the result through
 * `IncidentsRepo.save` (one transaction, refused with `IncidentConflict` when someone saved
 * the incident since it was loaded). A refused change (InvalidTransition,
 * IncidentChangeRefused) writes nothing.
 *
 * `recordFailure` is how a pipeline failure becomes an incident: failures are grouped by
 * fingerprint (IncidentGroups.ts), and the group's incident decides what happens
 * (`recurrenceAction`): attach the occurrence to an open or in-progress incident, reopen a
 * resolved one (its ticket opens again, no second ticket), or open a new incident and ticket
 * when there is none or it was archived. Mail about it goes into the outbox (IncidentMail.ts).
 *
 * Known errors: the active rows of `known_errors` (whose patterns pass `checkPattern`), then
 * the registry's known errors that have no row of the same name (a row overrides the plugin's
 * definition of that name, and a deactivated row switches it off).
 */
import { Clock, Effect, Option, Result } from "effect"
import type { IncidentDraft, KnownError } from "../known-errors/KnownError.js"
import {
  type KnownErrorCandidate,
  type SampleFailure,
  type TrialResult,
  tryKnownError,
} from "../known-errors/KnownErrorTrial.js"
import * as Models from "../models/Models.js"
import { checkPattern, type UnsafePattern } from "../pipeline/SafePattern.js"
import { CurrentRegistry } from "../plugins/Registry.js"
import {
  IncidentConflict,
  IncidentNotFound,
  IncidentsRepo,
  type IncidentTimelineRewritten,
} from "../ports/IncidentsRepo.js"
import { KnownErrorsRepo } from "../ports/KnownErrorsRepo.js"
import type { StoreError } from "../ports/StoreError.js"
import { Transactions } from "../ports/Transactions.js"
import type { WorkQueue } from "../ports/WorkQueue.js"
import { type FailureKey, fingerprint, newGroup, recordOccurrence, recurrenceAction } from "./IncidentGroups.js"
import { enqueueIncidentMail } from "./IncidentMail.js"
import {
  type Actor,
  addNote,
  assign,
  type IncidentChangeRefused,
  type IncidentFields,
  type InvalidTransition,
  openIncident,
  recordRecurrence,
  transition,
  updateFields,
} from "./IncidentWorkflow.js"

type Incident = Models.Incident
type IncidentStatus = Models.IncidentStatus

/** Options of an operator's change. */
export interface ChangeOptions {
  /**
   * The `updatedAt` of the incident as the operator saw it: the change is refused with
   * `IncidentConflict` if the incident changed since (someone else acted on it meanwhile).
   */
  readonly expectedUpdatedAt?: string | undefined
}

type SaveError = IncidentConflict | IncidentNotFound | IncidentTimelineRewritten | StoreError

const load = (id: string, options: ChangeOptions | undefined) =>
  Effect.gen(function* () {
    const incidents = yield* IncidentsRepo
    const found = yield* incidents.get(id)
    if (Option.isNone(found)) return yield* new IncidentNotFound({ id, message: `no incident ${id}` })
    const incident = found.value
    const expected = options?.expectedUpdatedAt
    if (expected !== undefined && Date.parse(expected) !== Date.parse(incident.updatedAt)) {
      return yield* new IncidentConflict({
        id,
        expectedUpdatedAt: expected,
        message: `incident ${id} changed since it was loaded (at ${expected}); load it again and repeat the change`,
      })
    }
    return incident
  })

/** Load, apply `change`, save: the shape of every operator action. */
const change = <E>(
  id: string,
  options: ChangeOptions | undefined,
  apply: (incident: Incident, now: string) => Effect.Effect<Incident, E>,
): Effect.Effect<Incident, E | SaveError, IncidentsRepo> =>
  Effect.gen(function* () {
    const incidents = yield* IncidentsRepo
    const before = yield* load(id, options)
    const after = yield* apply(before, new Date(yield* Clock.currentTimeMillis).toISOString())
    return yield* incidents.save(before, after)
  })

/** Move an incident to another status (InvalidTransition, with core's message, when the lifecycle forbids it). */
export const transitionIncident = (
  id: string,
  to: IncidentStatus,
  actor: Actor,
  note?: string,
  options?: ChangeOptions,
): Effect.Effect<Incident, InvalidTransition | SaveError, IncidentsRepo | WorkQueue | Transactions> =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    return yield* tx.withTransaction(
      Effect.gen(function* () {
        const saved = yield* change(id, options, (incident, now) => transition(incident, to, actor, now, note))
        // admins and moderators hear of a resolution (a reopen by a person is theirs already)
        if (to === "resolved") yield* enqueueIncidentMail({ incidentId: id, event: "resolved", at: saved.updatedAt })
        return saved
      }),
    )
  }).pipe(Effect.withSpan("Incidents.transition"))

/** Write the operator's fields (root cause, corrective action, impact, analysis); one timeline entry per change. */
export const updateIncidentFields = (
  id: string,
  fields: IncidentFields,
  actor: Actor,
  options?: ChangeOptions,
): Effect.Effect<Incident, IncidentChangeRefused | SaveError, IncidentsRepo> =>
  change(id, options, (incident, now) => updateFields(incident, fields, actor, now))

/** Assign the incident to a user id, or unassign it with null. */
export const assignIncident = (
  id: string,
  assignee: string | null,
  actor: Actor,
  options?: ChangeOptions,
): Effect.Effect<Incident, IncidentChangeRefused | SaveError, IncidentsRepo> =>
  change(id, options, (incident, now) => assign(incident, assignee, actor, now))

/** Add a note to the incident's timeline (an empty note is refused). */
export const addIncidentNote = (
  id: string,
  text: string,
  actor: Actor,
  options?: ChangeOptions,
): Effect.Effect<Incident, IncidentChangeRefused | SaveError, IncidentsRepo> =>
  change(id, options, (incident, now) => addNote(incident, text, actor, now))

const fromRow = (row: Models.KnownErrorRow): KnownError => ({
  name: row.name,
  pattern: row.pattern,
  severity: row.severity,
  rootCause: row.rootCause,
  correctiveAction: row.correctiveAction,
  ...(row.stage === null ? {} : { stage: row.stage }),
})

/**
 * The known errors failures are matched against: the site's own active database rows whose
 * pattern passes `checkPattern` (by name), then the registry's known errors in registry order,
 * each replaced by its database row when one has its name (and left out when that row is
 * inactive). Matching tries them in core's `knownErrorOrder`: the site's own first, then those
 * of the plugin the failure names, then the rest.
 */
export const matchingKnownErrors = (): Effect.Effect<
  ReadonlyArray<KnownError>,
  StoreError,
  KnownErrorsRepo | CurrentRegistry
> =>
  Effect.gen(function* () {
    const knownErrors = yield* KnownErrorsRepo
    const registry = yield* CurrentRegistry
    const rows = yield* knownErrors.list({ includeInactive: true })
    const usable = rows.filter((row) => row.active && Result.isSuccess(checkPattern(row.pattern)))
    const registryNames = new Set(registry.knownErrors.map((known) => known.name))
    // The site's own rows first; then the plugins' known errors in registry order, each as its
    // database row says when it has one (edited, or switched off when inactive). Rows copied
    // from a plugin when an incident first named it must not jump ahead by their name.
    const own = usable.filter((row) => !registryNames.has(row.name)).map(fromRow)
    const edited = new Map(usable.filter((row) => registryNames.has(row.name)).map((row) => [row.name, fromRow(row)]))
    const named = new Set(rows.map((row) => row.name))
    // an edited row stays its plugin's, so it keeps its place in the matching order
    const fromRegistry = registry.knownErrors.flatMap((known) => {
      const row = edited.get(known.name)
      if (row !== undefined) return [known.plugin === undefined ? row : { ...row, plugin: known.plugin }]
      return named.has(known.name) ? [] : [known]
    })
    return [...own, ...fromRegistry]
  })

/**
 * Which of the last `limit` incidents (newest first) `candidate` would have recognized, and
 * which known error recognizes them now; and whether it recognizes `sample`, when given.
 */
export const tryKnownErrorAgainstRecent = (
  candidate: KnownErrorCandidate,
  limit: number,
  sample?: SampleFailure,
): Effect.Effect<TrialResult, StoreError, IncidentsRepo | KnownErrorsRepo | CurrentRegistry> =>
  Effect.gen(function* () {
    const incidents = yield* IncidentsRepo
    const recent = yield* incidents.recentFailures(limit)
    const existing = yield* matchingKnownErrors()
    return yield* tryKnownError(
      candidate,
      recent.map((failure) => ({ id: failure.id, stage: failure.stage, message: failure.error })),
      existing,
      sample,
    )
  })

export type FailureAction = "opened" | "attached" | "reopened"

export interface RecordedFailure {
  readonly incidentId: string
  readonly action: FailureAction
}

/** How many times a failure is recorded again when an operator saved its incident meanwhile. */
const CONFLICT_RETRIES = 3

/**
 * Record a pipeline failure (see the module comment): attach it to its group's open or
 * in-progress incident, reopen its resolved incident, or open a new incident with its ticket.
 * `source` is the department or the uploaded file's name (part of the fingerprint, and the
 * file named in a new ticket's title). One transaction; failures of the same fingerprint are
 * recorded one at a time.
 */
export interface RecordFailureOptions {
  /**
   * the incident a retry of the upload was counted on: the failure is an occurrence of it
   * (whatever its fingerprint), unless it was archived meanwhile
   */
  readonly incidentId?: string | undefined
}

export const recordFailure = (
  draft: IncidentDraft,
  uploadId: string | null,
  source: string | null,
  options: RecordFailureOptions = {},
): Effect.Effect<
  RecordedFailure,
  UnsafePattern | SaveError | IncidentChangeRefused,
  IncidentsRepo | KnownErrorsRepo | CurrentRegistry | Transactions | WorkQueue
> =>
  Effect.gen(function* () {
    const tx = yield* Transactions
    const incidents = yield* IncidentsRepo
    const knownErrors = yield* KnownErrorsRepo
    const registry = yield* CurrentRegistry
    const key: FailureKey = { stage: draft.stage, knownError: draft.knownError, message: draft.error, source }
    const print = fingerprint(key)

    const attempt = tx.withTransaction(
      Effect.gen(function* () {
        yield* incidents.lockFingerprint(print)
        const now = new Date(yield* Clock.currentTimeMillis).toISOString()
        const group = yield* incidents.getGroup(print)
        const retried =
          options.incidentId === undefined ? Option.none<Incident>() : yield* incidents.get(options.incidentId)
        const current = Option.isSome(retried)
          ? retried
          : Option.isSome(group) && group.value.incidentId !== null
            ? yield* incidents.get(group.value.incidentId)
            : Option.none<Incident>()
        const action = recurrenceAction(Option.isSome(current) ? current.value.status : null)

        if (action !== "open_new" && Option.isSome(current)) {
          const before = current.value
          const after = yield* recordRecurrence(before, { at: now, uploadId, message: draft.error })
          yield* incidents.save(before, after)
          // the group's count grows when the failure is the group's own (a retry may fail otherwise)
          if (Option.isSome(group) && group.value.incidentId === before.id) {
            yield* incidents.upsertGroup(recordOccurrence(group.value, now))
          }
          // one mail per event: a reopen is news, another occurrence of an open incident is not
          if (action === "reopen") yield* enqueueIncidentMail({ incidentId: before.id, event: "recurred", at: now })
          return { incidentId: before.id, action: action === "reopen" ? "reopened" : "attached" } as const
        }

        // incidents.known_error references known_errors(name): a registry's known error gets
        // its row the first time an incident names it (an operator's row is left alone)
        if (draft.knownError !== null) {
          const known = registry.knownErrors.find((k) => k.name === draft.knownError)
          if (known !== undefined) yield* knownErrors.ensure(known)
        }
        const opened = openIncident(draft, {
          newId: () => globalThis.crypto.randomUUID(),
          now,
          uploadId,
          ...(source === null ? {} : { fileName: source }),
        })
        const { incident } = yield* incidents.insert({
          id: opened.incident.id,
          uploadId,
          stage: opened.incident.stage,
          error: opened.incident.error,
          severity: opened.incident.severity,
          fingerprint: print,
          knownError: opened.incident.knownError,
          rootCause: opened.incident.rootCause,
          correctiveAction: opened.incident.correctiveAction,
          ticketTitle: opened.ticket.title,
          actor: null,
        })
        yield* incidents.upsertGroup(
          Option.isSome(group)
            ? new Models.IncidentGroup({
                ...recordOccurrence(group.value, now),
                incidentId: incident.id,
              })
            : newGroup(key, now, incident.id),
        )
        yield* enqueueIncidentMail({ incidentId: incident.id, event: "opened", at: now })
        return { incidentId: incident.id, action: "opened" } as const
      }),
    )
    return yield* attempt.pipe(
      Effect.retry({ times: CONFLICT_RETRIES, while: (error) => error._tag === "IncidentConflict" }),
    )
  }).pipe(Effect.withSpan("Incidents.recordFailure"))
