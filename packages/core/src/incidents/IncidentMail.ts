/**
 * Incident mail: admins and moderators hear when an incident opens, when a resolved incident
 * recurs (a new failure reopened it) and when an incident is resolved. One mail per event,
 * never one per occurrence: a failure that joins an incident already open sends nothing.
 *
 * Delivery goes through the work queue (an outbox): whoever records the event calls
 * `enqueueIncidentMail` inside the transaction that records it, so the mail is queued exactly
 * when the event is stored, and a rolled-back event queues nothing. `processNextIncidentMail`
 * sends a queued mail later, with every recipient in one message, and retries a delivery that
 * failed (the SMTP server was down, a database error) until `maxAttempts`, then fails the item
 * for good with the last error (readable in `work_queue.last_error`).
 *
 * Delivery is at least once: when the worker's lease expires during a send (the lease must be
 * well above the mailer's timeouts, a minute is plenty) or the database goes away between the
 * send and completing the item, the mail may go out twice. A lost mail would be worse.
 *
 * The mail is written when it is sent, from the incident as it is then (its status, fields,
 * last timeline entry): a mail that waited for a retry tells the latest state, not a stale one.
 */
import { Cause, Effect, Exit, Option, Schema } from "effect"
import type * as Models from "../models/Models.js"
import { IncidentsRepo } from "../ports/IncidentsRepo.js"
import { type MailError, Mailer } from "../ports/Mailer.js"
import type { StoreError } from "../ports/StoreError.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { UsersRepo } from "../ports/UsersRepo.js"
import { type WorkItem, WorkQueue } from "../ports/WorkQueue.js"
import { type ClaimLoopOptions, claimLoop } from "../runtime/ClaimLoop.js"
import { causeMessage } from "../runtime/Failures.js"

type Incident = Models.Incident

/** The work item kind of a queued incident mail. */
export const NOTIFY_INCIDENT = "notify_incident"

export const IncidentMailEvent = Schema.Literals(["opened", "recurred", "resolved"])
export type IncidentMailEvent = typeof IncidentMailEvent.Type

/** The payload of a `notify_incident` work item. */
export const IncidentMailPayload = Schema.Struct({
  incidentId: Schema.String,
  event: IncidentMailEvent,
  /** when the event happened (ISO-8601) */
  at: Schema.String,
})
export type IncidentMailPayload = typeof IncidentMailPayload.Type

/**
 * Queues the mail of an incident event; returns the work item id. Run it inside the
 * transaction that records the event (within `Transactions.withTransaction`), so both are stored
 * or neither is.
 */
export const enqueueIncidentMail = (payload: IncidentMailPayload): Effect.Effect<string, StoreError, WorkQueue> =>
  Effect.gen(function* () {
    const queue = yield* WorkQueue
    return yield* queue.enqueue({
      kind: NOTIFY_INCIDENT,
      payload: { incidentId: payload.incidentId, event: payload.event, at: payload.at },
    })
  }).pipe(Effect.withSpan("IncidentMail.enqueue"))

/** What the mail may say besides the incident itself. */
export interface IncidentMailExtra {
  /** the file whose upload failed (for `recurred`, the upload that failed again) */
  readonly fileName?: string | null | undefined
  /** when the event happened (ISO-8601) */
  readonly at?: string | null | undefined
  /** the username of whoever resolved the incident, when a person did */
  readonly resolvedBy?: string | null | undefined
}

/** Whitespace (newlines included) collapsed to single spaces: a header or a `Label: value` line stays one line. */
const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim()

const isResolving = (entry: Models.TimelineEvent): boolean =>
  entry.kind === "resolved_by_retry" || (entry.kind === "status" && entry.data.to === "resolved")

/** The timeline entry that resolved the incident last, if any. */
export const resolvingEntry = (incident: Incident): Models.TimelineEvent | undefined =>
  incident.timeline.findLast(isResolving)

/**
 * The upload the event is about: the one that failed again for `recurred` (from the last
 * `recurred` entry that reopened the incident), the incident's own upload otherwise.
 */
export const eventUploadId = (event: IncidentMailEvent, incident: Incident): string | null => {
  if (event === "recurred") {
    const entry = incident.timeline.findLast((e) => e.kind === "recurred" && e.data.reopened === true)
    if (typeof entry?.data.uploadId === "string") return entry.data.uploadId
  }
  return incident.uploadId
}

const headline: Record<IncidentMailEvent, string> = {
  opened: "A new incident was opened.",
  recurred: "A resolved incident failed again and was reopened: the fix did not hold.",
  resolved: "The incident was resolved.",
}

/** How the incident was resolved: by a retry that succeeded, or by a person changing its status. */
const resolution = (incident: Incident, resolvedBy: string | null | undefined): string => {
  const entry = resolvingEntry(incident)
  if (entry === undefined) return "Resolved: no resolving change is on the timeline"
  if (entry.kind === "resolved_by_retry") {
    const attempt = typeof entry.data.attempt === "number" ? ` (retry ${entry.data.attempt})` : ""
    return `Resolved: automatically, a retry succeeded${attempt}`
  }
  const who = resolvedBy ?? (entry.actor === null ? "the system" : `user ${entry.actor}`)
  const note = typeof entry.data.note === "string" ? `: ${oneLine(entry.data.note)}` : ""
  return `Resolved: by ${oneLine(who)}, who changed its status to resolved${note}`
}

/** "<at>[ by <actor>]: <message>", the kind in front unless the message starts with it ("opened: ..."). */
const describeEntry = (entry: Models.TimelineEvent): string => {
  const message = oneLine(entry.message)
  const what = message.startsWith(entry.kind) ? message : `${entry.kind}: ${message}`
  return `${entry.at}${entry.actor === null ? "" : ` by ${entry.actor}`}: ${what}`
}

/**
 * The mail of an incident event, plain text. The subject names the event, the failed stage,
 * the file when known, and the severity; the text gives what an admin needs to act without
 * opening the site: the failure, what is known about it, where it stands, and its id.
 */
export const incidentMail = (
  event: IncidentMailEvent,
  incident: Incident,
  extra: IncidentMailExtra = {},
): { readonly subject: string; readonly text: string } => {
  const file = extra.fileName ? oneLine(extra.fileName) : ""
  const subject = oneLine(
    `[BatchOps] Incident ${event}: ${incident.stage} failed${file ? ` for ${file}` : ""} (severity ${incident.severity})`,
  )
  const field = (label: string, value: string | number | null | undefined): ReadonlyArray<string> =>
    value === null || value === undefined || value === "" ? [] : [`${label}: ${oneLine(String(value))}`]
  const last = incident.timeline.at(-1)
  const lines = [
    headline[event],
    "",
    ...(event === "resolved" ? [resolution(incident, extra.resolvedBy), ""] : []),
    ...field("When", extra.at),
    ...field("File", file),
    ...field("Stage", incident.stage),
    ...field("Error", incident.error),
    ...field("Severity", incident.severity),
    ...field("Known error", incident.knownError),
    ...field("Root cause", incident.rootCause),
    ...field("Corrective action", incident.correctiveAction),
    ...field("Impact", incident.impactSummary),
    ...field("Status", incident.status.replace("_", " ")),
    ...field("Retries", incident.retryCount),
    ...field("Last timeline entry", last === undefined ? null : describeEntry(last)),
    ...field("Incident id", incident.id),
    "",
    "This mail goes to the site's admins and moderators.",
  ]
  return { subject, text: `${lines.join("\n")}\n` }
}

export interface IncidentMailProcessOptions {
  /** unique per running worker (e.g. host + pid + random) */
  readonly worker: string
  /** how long a claim holds the item; keep it well above the mailer's timeouts (a minute) */
  readonly leaseMs: number
  /** delay before a failed delivery is tried again (default 60 s) */
  readonly retryAfterMs?: number | undefined
  /** deliveries tried before the item fails for good (default 5) */
  readonly maxAttempts?: number | undefined
}

/** What `processNextIncidentMail` did with the item it claimed. */
export type IncidentMailOutcome =
  | {
      readonly workItemId: string
      readonly incidentId: string
      readonly event: IncidentMailEvent
      readonly status: "sent"
      /** how many addresses the one mail went to */
      readonly recipients: number
      /** the item was completed (false: another worker took it over meanwhile) */
      readonly completed: boolean
    }
  | {
      readonly workItemId: string
      readonly incidentId: string
      readonly event: IncidentMailEvent
      /** nobody to tell (no active admin, no verified moderator): logged, not sent */
      readonly status: "no_recipients"
      readonly completed: boolean
    }
  | {
      readonly workItemId: string
      readonly incidentId: string
      /** the delivery failed; the item is queued again after `retryAfterMs` */
      readonly status: "retry"
      readonly error: string
      readonly attempts: number
    }
  | {
      readonly workItemId: string
      readonly incidentId: string
      /** the delivery failed `maxAttempts` times: the item failed for good with the error */
      readonly status: "gave_up"
      readonly error: string
      readonly attempts: number
    }
  | {
      readonly workItemId: string
      readonly incidentId: string | null
      /** the payload is not an incident mail, or the incident does not exist: failed for good */
      readonly status: "discarded"
      readonly error: string
    }
  | {
      readonly workItemId: string
      readonly incidentId: string
      /** the lease expired and another worker holds the item: it is that worker's to finish */
      readonly status: "lost"
    }

const DEFAULT_RETRY_MS = 60_000
const DEFAULT_MAX_ATTEMPTS = 5

const payloadIncidentId = (item: WorkItem): string | null => {
  const payload = item.payload as { incidentId?: unknown } | null
  return typeof payload?.incidentId === "string" ? payload.incidentId : null
}

type Delivered =
  | { readonly status: "sent"; readonly recipients: number }
  | { readonly status: "no_recipients" }
  | { readonly status: "missing" }

/** Writes and sends the mail of one event; fails with what is worth retrying. */
const deliver = (
  payload: IncidentMailPayload,
): Effect.Effect<Delivered, MailError | StoreError, IncidentsRepo | UsersRepo | UploadsRepo | Mailer> =>
  Effect.gen(function* () {
    const incidents = yield* IncidentsRepo
    const users = yield* UsersRepo
    const uploads = yield* UploadsRepo
    const mailer = yield* Mailer

    const found = yield* incidents.get(payload.incidentId)
    if (Option.isNone(found)) return { status: "missing" } as const
    const incident = found.value
    const recipients = yield* users.incidentMailRecipients()
    if (recipients.length === 0) {
      yield* Effect.logInfo(
        `incident ${incident.id} ${payload.event}: no active admin or verified moderator to mail, nothing sent`,
      )
      return { status: "no_recipients" } as const
    }

    const uploadId = eventUploadId(payload.event, incident)
    const upload = uploadId === null ? Option.none() : yield* uploads.get(uploadId)
    const resolver = payload.event === "resolved" ? resolvingEntry(incident)?.actor : null
    const resolvedBy = resolver === null || resolver === undefined ? Option.none() : yield* users.get(resolver)
    const mail = incidentMail(payload.event, incident, {
      fileName: Option.getOrNull(Option.map(upload, (u) => u.fileName)),
      at: payload.at,
      resolvedBy: Option.getOrNull(Option.map(resolvedBy, (u) => u.username)),
    })
    yield* mailer.send({ to: recipients, ...mail })
    return { status: "sent", recipients: recipients.length } as const
  })

/**
 * Claims one `notify_incident` item and sends its mail (see the module comment). `None` when
 * nothing is due. Fails only when the queue itself cannot be reached (claiming, or recording
 * the outcome).
 */
export const processNextIncidentMail = Effect.fn("IncidentMail.processNext")(function* (
  options: IncidentMailProcessOptions,
) {
  const queue = yield* WorkQueue
  const claimed = yield* queue.claim({ worker: options.worker, kinds: [NOTIFY_INCIDENT], leaseMs: options.leaseMs })
  if (Option.isNone(claimed)) return Option.none<IncidentMailOutcome>()
  const item = claimed.value

  const discard = (incidentId: string | null, error: string) =>
    Effect.as(
      Effect.andThen(queue.fail(item.id, options.worker, error), Effect.logWarning(`work item ${item.id}: ${error}`)),
      Option.some<IncidentMailOutcome>({ workItemId: item.id, incidentId, status: "discarded", error }),
    )

  const decoded = Schema.decodeUnknownOption(IncidentMailPayload)(item.payload)
  if (Option.isNone(decoded)) {
    return yield* discard(
      payloadIncidentId(item),
      `work item ${item.id} is not an incident mail (incidentId, event, at)`,
    )
  }
  const payload = decoded.value
  const incidentId = payload.incidentId

  const exit = yield* Effect.exit(
    deliver(payload).pipe(
      // the worker is stopping: the item goes back to the queue, due at once
      Effect.onInterrupt(() =>
        Effect.ignore(queue.fail(item.id, options.worker, "the worker stopped before sending", { retryAfterMs: 0 })),
      ),
    ),
  )
  if (Exit.isSuccess(exit)) {
    const delivered = exit.value
    if (delivered.status === "missing") return yield* discard(incidentId, `incident ${incidentId} does not exist`)
    const completed = yield* queue.complete(item.id, options.worker)
    return Option.some<IncidentMailOutcome>(
      delivered.status === "sent"
        ? {
            workItemId: item.id,
            incidentId,
            event: payload.event,
            status: "sent",
            recipients: delivered.recipients,
            completed,
          }
        : { workItemId: item.id, incidentId, event: payload.event, status: "no_recipients", completed },
    )
  }
  // only interrupted (the worker is stopping): the item was put back above, and this fiber stops too
  if (Cause.hasInterruptsOnly(exit.cause)) return yield* Effect.interrupt

  const error = causeMessage(exit.cause)
  const attempts = item.attempts
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  if (attempts >= maxAttempts) {
    yield* Effect.logError(
      `incident ${incidentId} ${payload.event}: mail not sent after ${attempts} attempts: ${error}`,
    )
    const failed = yield* queue.fail(item.id, options.worker, error)
    return Option.some<IncidentMailOutcome>(
      failed
        ? { workItemId: item.id, incidentId, status: "gave_up", error, attempts }
        : { workItemId: item.id, incidentId, status: "lost" },
    )
  }
  yield* Effect.logWarning(
    `incident ${incidentId} ${payload.event}: mail not sent (attempt ${attempts} of ${maxAttempts}), retrying later: ${error}`,
  )
  const requeued = yield* queue.fail(item.id, options.worker, error, {
    retryAfterMs: options.retryAfterMs ?? DEFAULT_RETRY_MS,
  })
  return Option.some<IncidentMailOutcome>(
    requeued
      ? { workItemId: item.id, incidentId, status: "retry", error, attempts }
      : { workItemId: item.id, incidentId, status: "lost" },
  )
})

/** The options of one item, and the claim loop's (its pause when idle, `once`, `onOutcome`). */
export interface IncidentMailerOptions extends IncidentMailProcessOptions, ClaimLoopOptions<IncidentMailOutcome> {}

/** Sends queued incident mails until interrupted (with `once`, until nothing is due). */
export const runIncidentMailer = (options: IncidentMailerOptions) =>
  claimLoop("incident mail", processNextIncidentMail(options), options)
