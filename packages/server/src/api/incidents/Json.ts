/**
 * The incident area's records as the API shows them: one schema each (see `snakeJson`), the
 * encoder derived from it. A timeline entry's `data` is passed as stored (its keys are the
 * workflow's, not renamed).
 */
import type { Models } from "@batchops/core"
import { Schema } from "effect"
import { encoderOf, snakeJson } from "../Api.js"

const Severity = Schema.Literals(["low", "medium", "high", "critical"])
const Status = Schema.Literals(["open", "in_progress", "resolved", "archived"])
const NullableString = Schema.NullOr(Schema.String)

export const TimelineJson = snakeJson({
  at: Schema.String,
  actor: NullableString,
  kind: Schema.String,
  message: Schema.String,
  data: Schema.Unknown,
})
export const timelineJson = encoderOf(TimelineJson)

export const TicketJson = snakeJson({
  id: Schema.String,
  title: Schema.String,
  status: Schema.Literals(["open", "closed"]),
  createdAt: Schema.String,
})
export const ticketJson = encoderOf(TicketJson)

export const GroupJson = snakeJson({
  fingerprint: Schema.String,
  stage: Schema.String,
  knownError: NullableString,
  messagePattern: Schema.String,
  source: NullableString,
  count: Schema.Number,
  firstSeen: Schema.String,
  lastSeen: Schema.String,
  incidentId: NullableString,
})
export const groupJson = encoderOf(GroupJson)

const incidentFields = {
  id: Schema.String,
  uploadId: NullableString,
  stage: Schema.String,
  error: Schema.String,
  status: Status,
  severity: Severity,
  knownError: NullableString,
  rootCause: NullableString,
  correctiveAction: NullableString,
  impactSummary: NullableString,
  analysisNotes: NullableString,
  assignee: NullableString,
  retryCount: Schema.Number,
  lastRetryAt: NullableString,
  createdAt: Schema.String,
  updatedAt: Schema.String,
  timeline: Schema.Array(TimelineJson),
}

export const IncidentJson = snakeJson(incidentFields)
export const incidentJson = encoderOf(IncidentJson)

export const IncidentDetailJson = snakeJson({
  ...incidentFields,
  tickets: Schema.Array(TicketJson),
  group: Schema.NullOr(GroupJson),
})
const encodeIncidentDetail = encoderOf(IncidentDetailJson)

/** One incident with what the detail page shows besides: its tickets and its failures' group. */
export const incidentDetailJson = (
  incident: Models.Incident,
  tickets: ReadonlyArray<Models.Ticket>,
  group: Models.IncidentGroup | null,
) => encodeIncidentDetail({ ...incident, tickets, group })

export const KnownErrorJson = snakeJson({
  id: Schema.String,
  name: Schema.String,
  pattern: Schema.String,
  stage: NullableString,
  severity: Severity,
  rootCause: Schema.String,
  correctiveAction: Schema.String,
  active: Schema.Boolean,
})
export const knownErrorJson = encoderOf(KnownErrorJson)
