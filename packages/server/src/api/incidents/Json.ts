/**
 * The incident area's records as the API shows them: snake_case keys written out one by one.
 * A timeline entry's `data` is passed as stored (its keys are the workflow's, not renamed).
 */
import type { Models } from "@batchops/core"
import { Schema } from "effect"

const Severity = Schema.Literals(["low", "medium", "high", "critical"])
const Status = Schema.Literals(["open", "in_progress", "resolved", "archived"])
const NullableString = Schema.NullOr(Schema.String)

export const timelineJson = (event: Models.TimelineEvent) => ({
  at: event.at,
  actor: event.actor,
  kind: event.kind,
  message: event.message,
  data: event.data,
})

export const TimelineJson = Schema.Struct({
  at: Schema.String,
  actor: NullableString,
  kind: Schema.String,
  message: Schema.String,
  data: Schema.Unknown,
})

export const ticketJson = (ticket: Models.Ticket) => ({
  id: ticket.id,
  title: ticket.title,
  status: ticket.status,
  created_at: ticket.createdAt,
})

export const TicketJson = Schema.Struct({
  id: Schema.String,
  title: Schema.String,
  status: Schema.Literals(["open", "closed"]),
  created_at: Schema.String,
})

export const groupJson = (group: Models.IncidentGroup) => ({
  fingerprint: group.fingerprint,
  stage: group.stage,
  known_error: group.knownError,
  message_pattern: group.messagePattern,
  source: group.source,
  count: group.count,
  first_seen: group.firstSeen,
  last_seen: group.lastSeen,
  incident_id: group.incidentId,
})

export const GroupJson = Schema.Struct({
  fingerprint: Schema.String,
  stage: Schema.String,
  known_error: NullableString,
  message_pattern: Schema.String,
  source: NullableString,
  count: Schema.Number,
  first_seen: Schema.String,
  last_seen: Schema.String,
  incident_id: NullableString,
})

export const incidentJson = (incident: Models.Incident) => ({
  id: incident.id,
  upload_id: incident.uploadId,
  stage: incident.stage,
  error: incident.error,
  status: incident.status,
  severity: incident.severity,
  known_error: incident.knownError,
  root_cause: incident.rootCause,
  corrective_action: incident.correctiveAction,
  impact_summary: incident.impactSummary,
  analysis_notes: incident.analysisNotes,
  assignee: incident.assignee,
  retry_count: incident.retryCount,
  last_retry_at: incident.lastRetryAt,
  created_at: incident.createdAt,
  updated_at: incident.updatedAt,
  timeline: incident.timeline.map(timelineJson),
})

const incidentFields = {
  id: Schema.String,
  upload_id: NullableString,
  stage: Schema.String,
  error: Schema.String,
  status: Status,
  severity: Severity,
  known_error: NullableString,
  root_cause: NullableString,
  corrective_action: NullableString,
  impact_summary: NullableString,
  analysis_notes: NullableString,
  assignee: NullableString,
  retry_count: Schema.Number,
  last_retry_at: NullableString,
  created_at: Schema.String,
  updated_at: Schema.String,
  timeline: Schema.Array(TimelineJson),
}

export const IncidentJson = Schema.Struct(incidentFields)

/** One incident with what the detail page shows besides: its tickets and its failures' group. */
export const incidentDetailJson = (
  incident: Models.Incident,
  tickets: ReadonlyArray<Models.Ticket>,
  group: Models.IncidentGroup | null,
) => ({
  ...incidentJson(incident),
  tickets: tickets.map(ticketJson),
  group: group === null ? null : groupJson(group),
})

export const IncidentDetailJson = Schema.Struct({
  ...incidentFields,
  tickets: Schema.Array(TicketJson),
  group: Schema.NullOr(GroupJson),
})

export const knownErrorJson = (row: Models.KnownErrorRow) => ({
  id: row.id,
  name: row.name,
  pattern: row.pattern,
  stage: row.stage,
  severity: row.severity,
  root_cause: row.rootCause,
  corrective_action: row.correctiveAction,
  active: row.active,
})

export const KnownErrorJson = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  pattern: Schema.String,
  stage: NullableString,
  severity: Severity,
  root_cause: Schema.String,
  corrective_action: Schema.String,
  active: Schema.Boolean,
})
