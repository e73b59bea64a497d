/**
 * Incidents in SQL: an incident, its ticket and its timeline (`incident_events`). Opening an
 * incident writes the incident, its first timeline event and its ticket in one transaction.
 *
 * `save` persists what core's workflow functions changed (status, fields, assignee, retries,
 * the new timeline entries, the ticket's status) in one transaction, with optimistic
 * concurrency: the incident's `updated_at` must still be the one it was loaded with, else
 * `IncidentConflict` and nothing is written. `updated_at` moves forward by at least a
 * millisecond on every save, so a stale copy is always told apart (timestamps are compared
 * at millisecond precision, the precision the client reads them with). A new timeline entry
 * is never stored before the last one (clocks of several hosts may differ): the timeline
 * keeps the order changes were saved in.
 *
 * Incident groups (`incident_groups`, see core's IncidentGroups.ts) are read and written
 * whole, keyed by fingerprint.
 */
import {
  IncidentConflict,
  type IncidentFilter,
  IncidentNotFound,
  IncidentsRepo,
  IncidentTimelineRewritten,
  Models,
  type NewEvent,
  type NewIncident,
  ticketStatusFor,
} from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { storeErrors } from "./StoreErrors.js"
import { iso } from "./UploadsRepo.js"

type Incident = Models.Incident
type IncidentStatus = Models.IncidentStatus
type Ticket = Models.Ticket
type TimelineEvent = Models.TimelineEvent
type IncidentGroup = Models.IncidentGroup

type Severity = typeof Models.Severity.Type

interface IncidentRow {
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
  readonly last_retry_at: Date | string | null
  readonly created_at: Date | string
  readonly updated_at: Date | string
}

interface EventRow {
  readonly incident_id: string
  readonly at: Date | string
  readonly actor: string | null
  readonly kind: string
  readonly message: string
  readonly data: Record<string, unknown>
}

interface TicketRow {
  readonly id: string
  readonly incident_id: string
  readonly title: string
  readonly status: "open" | "closed"
  readonly created_at: Date | string
}

interface GroupRow {
  readonly fingerprint: string
  readonly stage: string
  readonly known_error: string | null
  readonly message_pattern: string
  readonly source: string | null
  readonly incident_id: string | null
  readonly count: number
  readonly first_seen: Date | string
  readonly last_seen: Date | string
}

const toGroup = (row: GroupRow): IncidentGroup =>
  new Models.IncidentGroup({
    fingerprint: row.fingerprint,
    stage: row.stage,
    knownError: row.known_error,
    messagePattern: row.message_pattern,
    source: row.source,
    incidentId: row.incident_id,
    count: Number(row.count),
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
  })

/** Whether `after` changes anything of `before` that `save` stores. */
const changed = (before: Incident, after: Incident): boolean =>
  after.timeline.length !== before.timeline.length ||
  after.status !== before.status ||
  after.rootCause !== before.rootCause ||
  after.correctiveAction !== before.correctiveAction ||
  after.impactSummary !== before.impactSummary ||
  after.analysisNotes !== before.analysisNotes ||
  after.assignee !== before.assignee ||
  after.retryCount !== before.retryCount ||
  after.lastRetryAt !== before.lastRetryAt

const MAX_RECENT = 1000

const sameEvent = (a: TimelineEvent, b: TimelineEvent): boolean =>
  a.kind === b.kind && a.actor === b.actor && a.message === b.message && Date.parse(a.at) === Date.parse(b.at)

const toEvent = (row: EventRow): TimelineEvent =>
  new Models.TimelineEvent({ at: iso(row.at), actor: row.actor, kind: row.kind, message: row.message, data: row.data })

const toTicket = (row: TicketRow): Ticket =>
  new Models.Ticket({
    id: row.id,
    incidentId: row.incident_id,
    title: row.title,
    status: row.status,
    createdAt: iso(row.created_at),
  })

const toIncident = (row: IncidentRow, timeline: ReadonlyArray<TimelineEvent>): Incident =>
  new Models.Incident({
    id: row.id,
    uploadId: row.upload_id,
    stage: row.stage,
    error: row.error,
    status: row.status,
    severity: row.severity,
    knownError: row.known_error,
    rootCause: row.root_cause,
    correctiveAction: row.corrective_action,
    impactSummary: row.impact_summary,
    analysisNotes: row.analysis_notes,
    assignee: row.assignee,
    retryCount: Number(row.retry_count),
    lastRetryAt: row.last_retry_at === null ? null : iso(row.last_retry_at),
    timeline,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  })

/** The `IncidentsRepo` over the `SqlClient` in context (all values bound as parameters). */
export const makeIncidentsRepo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = sql.literal(
    "id, upload_id, stage, error, status, severity, known_error, root_cause, corrective_action, impact_summary, " +
      "analysis_notes, assignee, retry_count, last_retry_at, created_at, updated_at",
  )
  const eventColumns = sql.literal("incident_id, at, actor, kind, message, data")

  const timelineOf = (ids: ReadonlyArray<string>) =>
    ids.length === 0
      ? Effect.succeed(new Map<string, Array<TimelineEvent>>())
      : Effect.map(
          sql<EventRow>`SELECT ${eventColumns} FROM incident_events WHERE ${sql.in("incident_id", ids)}
            ORDER BY at, id`,
          (rows) => {
            const byIncident = new Map<string, Array<TimelineEvent>>()
            for (const row of rows) {
              const list = byIncident.get(row.incident_id) ?? []
              list.push(toEvent(row))
              byIncident.set(row.incident_id, list)
            }
            return byIncident
          },
        )

  const insert = (input: NewIncident) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          const [row] = yield* sql<IncidentRow>`INSERT INTO incidents
            (id, upload_id, stage, error, severity, fingerprint, known_error, root_cause, corrective_action,
             impact_summary)
            VALUES (COALESCE(${input.id ?? null}, gen_random_uuid()::text), ${input.uploadId}, ${input.stage},
              ${input.error}, ${input.severity}, ${input.fingerprint ?? null}, ${input.knownError ?? null},
              ${input.rootCause ?? null}, ${input.correctiveAction ?? null}, ${input.impactSummary ?? null})
            RETURNING ${columns}`
          const incident = row!
          const opened = input.opened ?? {
            message: `${input.stage}: ${input.error}`,
            data: { severity: input.severity, uploadId: input.uploadId },
          }
          const [event] = yield* sql<EventRow>`INSERT INTO incident_events (incident_id, actor, kind, message, data)
            VALUES (${incident.id}, ${input.actor ?? null}, 'opened', ${opened.message},
              ${JSON.stringify(opened.data ?? {})}::jsonb)
            RETURNING ${eventColumns}`
          const [ticket] = yield* sql<TicketRow>`INSERT INTO tickets (incident_id, title)
            VALUES (${incident.id}, ${input.ticketTitle ?? `${input.stage}: ${input.error}`})
            RETURNING id, incident_id, title, status, created_at`
          return { incident: toIncident(incident, [toEvent(event!)]), ticket: toTicket(ticket!) }
        }),
      )
      .pipe(Effect.withSpan("IncidentsRepo.insert"))

  const get = (id: string) =>
    Effect.gen(function* () {
      const rows = yield* sql<IncidentRow>`SELECT ${columns} FROM incidents WHERE id = ${id}`
      if (rows.length === 0) return Option.none<Incident>()
      const timeline = yield* timelineOf([id])
      return Option.some(toIncident(rows[0]!, timeline.get(id) ?? []))
    })

  const tickets = (incidentId: string) =>
    Effect.map(
      sql<TicketRow>`SELECT id, incident_id, title, status, created_at FROM tickets
        WHERE incident_id = ${incidentId} ORDER BY created_at, id`,
      (rows) => rows.map(toTicket),
    )

  const appendEvent = (incidentId: string, event: NewEvent) =>
    sql.withTransaction(
      Effect.gen(function* () {
        const touched = yield* sql`UPDATE incidents SET updated_at = now() WHERE id = ${incidentId} RETURNING id`
        if (touched.length === 0) {
          return yield* new IncidentNotFound({ id: incidentId, message: `no incident ${incidentId}` })
        }
        const [row] = yield* sql<EventRow>`INSERT INTO incident_events (incident_id, actor, kind, message, data)
          VALUES (${incidentId}, ${event.actor}, ${event.kind}, ${event.message},
            ${JSON.stringify(event.data ?? {})}::jsonb)
          RETURNING ${eventColumns}`
        return toEvent(row!)
      }),
    )

  const listByStatus = (status: IncidentStatus) =>
    Effect.gen(function* () {
      const rows = yield* sql<IncidentRow>`SELECT ${columns} FROM incidents WHERE status = ${status}
        ORDER BY created_at, id`
      const timeline = yield* timelineOf(rows.map((r) => r.id))
      return rows.map((row) => toIncident(row, timeline.get(row.id) ?? []))
    })

  const filterClauses = (filter: IncidentFilter) => [
    ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`]),
    ...(filter.severity === undefined ? [] : [sql`severity = ${filter.severity}`]),
    ...(filter.stage === undefined ? [] : [sql`stage = ${filter.stage}`]),
    ...(filter.createdAfter === undefined ? [] : [sql`created_at >= ${filter.createdAfter}::timestamptz`]),
    ...(filter.createdBefore === undefined ? [] : [sql`created_at < ${filter.createdBefore}::timestamptz`]),
    ...(filter.assignee === undefined
      ? []
      : [filter.assignee === null ? sql`assignee IS NULL` : sql`assignee = ${filter.assignee}`]),
    ...(filter.knownError === undefined ? [] : [sql`known_error = ${filter.knownError}`]),
  ]

  /**
   * One query for the page and the total (`count(*) OVER ()`), one for the page's timelines.
   * A page past the end has no row to carry the total: only then is it counted apart.
   */
  const list = (filter: IncidentFilter) =>
    Effect.gen(function* () {
      const where = sql.and(filterClauses(filter))
      const rows = yield* sql<IncidentRow & { readonly total: number | string }>`
        SELECT ${columns}, count(*) OVER () AS total FROM incidents WHERE ${where}
        ORDER BY created_at DESC, id DESC
        LIMIT ${Math.max(0, Math.floor(filter.limit))} OFFSET ${Math.max(0, Math.floor(filter.offset))}`
      let count = rows.length === 0 ? 0 : Number(rows[0]!.total)
      if (rows.length === 0 && filter.offset > 0) {
        const [counted] = yield* sql<{ n: number | string }>`SELECT count(*) AS n FROM incidents WHERE ${where}`
        count = Number(counted?.n ?? 0)
      }
      const timeline = yield* timelineOf(rows.map((r) => r.id))
      return { count, incidents: rows.map((row) => toIncident(row, timeline.get(row.id) ?? [])) }
    }).pipe(Effect.withSpan("IncidentsRepo.list"))

  const remove = (id: string) =>
    Effect.map(sql`DELETE FROM incidents WHERE id = ${id} RETURNING id`, (rows) => rows.length > 0)

  const save = (before: Incident, after: Incident) =>
    Effect.gen(function* () {
      if (after.id !== before.id) {
        return yield* new IncidentTimelineRewritten({
          id: before.id,
          message: `cannot save incident ${after.id} over incident ${before.id}`,
        })
      }
      if (!changed(before, after)) return before
      const kept = after.timeline.slice(0, before.timeline.length)
      if (
        after.timeline.length < before.timeline.length ||
        kept.some((entry, i) => entry !== before.timeline[i] && !sameEvent(entry, before.timeline[i]!))
      ) {
        return yield* new IncidentTimelineRewritten({
          id: before.id,
          message: `incident ${before.id}: a save may only add timeline entries, not change or remove them`,
        })
      }
      const added = after.timeline.slice(before.timeline.length)
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          const rows = yield* sql<IncidentRow>`UPDATE incidents SET
              status = ${after.status},
              root_cause = ${after.rootCause},
              corrective_action = ${after.correctiveAction},
              impact_summary = ${after.impactSummary},
              analysis_notes = ${after.analysisNotes},
              assignee = ${after.assignee},
              retry_count = ${after.retryCount},
              last_retry_at = ${after.lastRetryAt}::timestamptz,
              updated_at = GREATEST(${after.updatedAt}::timestamptz,
                date_trunc('milliseconds', updated_at) + interval '1 millisecond')
            WHERE id = ${before.id}
              AND date_trunc('milliseconds', updated_at) = ${before.updatedAt}::timestamptz
            RETURNING ${columns}`
          if (rows.length === 0) {
            const exists = yield* sql`SELECT 1 FROM incidents WHERE id = ${before.id}`
            if (exists.length === 0) {
              return yield* new IncidentNotFound({ id: before.id, message: `no incident ${before.id}` })
            }
            return yield* new IncidentConflict({
              id: before.id,
              expectedUpdatedAt: before.updatedAt,
              message:
                `incident ${before.id} changed since it was loaded (at ${before.updatedAt}); ` +
                "load it again and repeat the change",
            })
          }
          for (const entry of added) {
            yield* sql`INSERT INTO incident_events (incident_id, at, actor, kind, message, data)
              SELECT ${before.id}, GREATEST(${entry.at}::timestamptz, max(at)), ${entry.actor}, ${entry.kind},
                ${entry.message}, ${JSON.stringify(entry.data ?? {})}::jsonb
              FROM incident_events WHERE incident_id = ${before.id}`
          }
          if (after.status !== before.status) {
            yield* sql`UPDATE tickets SET status = ${ticketStatusFor(after.status)} WHERE incident_id = ${before.id}`
          }
          const timeline = yield* timelineOf([before.id])
          return toIncident(rows[0]!, timeline.get(before.id) ?? [])
        }),
      )
    }).pipe(Effect.withSpan("IncidentsRepo.save"))

  const recentFailures = (limit: number) =>
    Effect.map(
      sql<{ id: string; stage: string; error: string; created_at: Date | string }>`
        SELECT id, stage, error, created_at FROM incidents ORDER BY created_at DESC, id DESC
        LIMIT ${Math.max(0, Math.min(MAX_RECENT, Math.floor(limit)))}`,
      (rows) => rows.map((r) => ({ id: r.id, stage: r.stage, error: r.error, createdAt: iso(r.created_at) })),
    )

  const groupColumns = sql.literal(
    "fingerprint, stage, known_error, message_pattern, source, incident_id, count, first_seen, last_seen",
  )

  const getGroup = (fingerprint: string) =>
    Effect.map(sql<GroupRow>`SELECT ${groupColumns} FROM incident_groups WHERE fingerprint = ${fingerprint}`, (rows) =>
      rows.length === 0 ? Option.none<IncidentGroup>() : Option.some(toGroup(rows[0]!)),
    )

  const listGroups = () =>
    Effect.map(
      sql<GroupRow>`SELECT ${groupColumns} FROM incident_groups ORDER BY last_seen DESC, fingerprint`,
      (rows) => rows.map(toGroup),
    )

  const pageGroups = (page: { readonly limit: number; readonly offset: number }) =>
    Effect.gen(function* () {
      const rows = yield* sql<GroupRow & { readonly total: number | string }>`
        SELECT ${groupColumns}, count(*) OVER () AS total FROM incident_groups
        ORDER BY last_seen DESC, fingerprint
        LIMIT ${Math.max(0, Math.floor(page.limit))} OFFSET ${Math.max(0, Math.floor(page.offset))}`
      let count = rows.length === 0 ? 0 : Number(rows[0]!.total)
      if (rows.length === 0 && page.offset > 0) {
        const [counted] = yield* sql<{ n: number | string }>`SELECT count(*) AS n FROM incident_groups`
        count = Number(counted?.n ?? 0)
      }
      return { count, groups: rows.map(toGroup) }
    })

  const groupOf = (incidentId: string) =>
    Effect.map(
      sql<GroupRow>`SELECT ${groupColumns} FROM incident_groups
        WHERE fingerprint = (SELECT fingerprint FROM incidents WHERE id = ${incidentId})`,
      (rows) => (rows.length === 0 ? Option.none<IncidentGroup>() : Option.some(toGroup(rows[0]!))),
    )

  const upsertGroup = (group: IncidentGroup) =>
    Effect.map(
      sql<GroupRow>`INSERT INTO incident_groups
        (fingerprint, stage, known_error, message_pattern, source, incident_id, count, first_seen, last_seen)
        VALUES (${group.fingerprint}, ${group.stage}, ${group.knownError}, ${group.messagePattern}, ${group.source},
          ${group.incidentId}, ${group.count}, ${group.firstSeen}::timestamptz, ${group.lastSeen}::timestamptz)
        ON CONFLICT (fingerprint) DO UPDATE SET
          stage = EXCLUDED.stage, known_error = EXCLUDED.known_error, message_pattern = EXCLUDED.message_pattern,
          source = EXCLUDED.source, incident_id = EXCLUDED.incident_id, count = EXCLUDED.count,
          first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen
        RETURNING ${groupColumns}`,
      (rows) => toGroup(rows[0]!),
    )

  const lockFingerprint = (fingerprint: string) =>
    Effect.asVoid(sql`SELECT pg_advisory_xact_lock(hashtext(${`incident_group:${fingerprint}`}))`)

  return IncidentsRepo.of(
    storeErrors({
      insert,
      get,
      tickets,
      appendEvent,
      listByStatus,
      list,
      remove,
      save,
      recentFailures,
      getGroup,
      listGroups,
      pageGroups,
      groupOf,
      upsertGroup,
      lockFingerprint,
    }),
  )
})

export const IncidentsRepoLayer: Layer.Layer<IncidentsRepo, never, SqlClient.SqlClient> = Layer.effect(
  IncidentsRepo,
  makeIncidentsRepo,
)
