import {
  ASSIGNABLE_ROLES,
  addNote,
  allowedTransitions,
  assign,
  assignmentProblem,
  draftIncident,
  type IncidentDraft,
  Models,
  openIncident,
  recordRecurrence,
  recordRetry,
  resolveByRetry,
  syncTicket,
  TRANSITIONS,
  transition,
  updateFields,
} from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const T0 = "2026-11-28T09:00:00.000Z"
const T1 = "2026-11-28T10:00:00.000Z"
const T2 = "2026-11-28T11:00:00.000Z"

const draft: IncidentDraft = {
  stage: "validate_results",
  error: "student_id is missing in 3 rows (row 4, 9, 17)",
  severity: "high",
  knownError: "missing-student-id",
  rootCause: "the export left ids out",
  correctiveAction: "re-export with ids",
  plugin: "batchops",
}

const ids = () => {
  let n = 0
  return (kind: "incident" | "ticket") => `${kind}-${++n}`
}

const opened = (status: Models.IncidentStatus = "open") => {
  const { incident } = openIncident(draft, { newId: ids(), now: T0, uploadId: "up1" })
  return new Models.Incident({ ...incident, status })
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect)
const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(Effect.flip(effect))

describe("openIncident", () => {
  it("builds an open incident and its ticket from a draft, with the first timeline entry", () => {
    const { incident, ticket } = openIncident(draft, {
      newId: ids(),
      now: T0,
      uploadId: "up1",
      fileName: "gradebook_10B.csv",
    })
    expect(incident).toBeInstanceOf(Models.Incident)
    expect(incident).toMatchObject({
      id: "incident-1",
      uploadId: "up1",
      stage: "validate_results",
      error: draft.error,
      status: "open",
      severity: "high",
      knownError: "missing-student-id",
      rootCause: "the export left ids out",
      correctiveAction: "re-export with ids",
      impactSummary: null,
      analysisNotes: null,
      assignee: null,
      retryCount: 0,
      lastRetryAt: null,
      createdAt: T0,
      updatedAt: T0,
    })
    expect(incident.timeline).toHaveLength(1)
    expect(incident.timeline[0]).toMatchObject({
      at: T0,
      actor: null,
      kind: "opened",
      message: "opened: validate_results failed (known error missing-student-id)",
      data: { stage: "validate_results", severity: "high", knownError: "missing-student-id", uploadId: "up1" },
    })
    expect(ticket).toMatchObject({
      id: "ticket-2",
      incidentId: "incident-1",
      title: "validate_results failed for gradebook_10B.csv: missing-student-id",
      status: "open",
      createdAt: T0,
    })
  })

  it("titles the ticket with the (shortened) error when no known error matched", () => {
    const unknown = draftIncident([], { stage: "publish_results", message: `disk full ${"x".repeat(200)}` })
    const { ticket, incident } = openIncident(unknown, { newId: ids(), now: T0, uploadId: null, actor: "u1" })
    expect(ticket.title).toBe(`publish_results failed: disk full ${"x".repeat(67)}...`)
    expect(incident.severity).toBe("medium")
    expect(incident.timeline[0]?.actor).toBe("u1")
    expect(incident.timeline[0]?.message).toBe("opened: publish_results failed")
  })
})

describe("transition", () => {
  it("moves open -> in_progress -> resolved, one entry per move", () => {
    const started = run(transition(opened(), "in_progress", "u1", T1))
    const resolved = run(transition(started, "resolved", "u2", T2, "  re-exported  "))
    expect(resolved.status).toBe("resolved")
    expect(resolved.updatedAt).toBe(T2)
    expect(resolved.timeline.map((e) => [e.kind, e.actor, e.message])).toEqual([
      ["opened", null, "opened: validate_results failed (known error missing-student-id)"],
      ["status", "u1", "open -> in progress"],
      ["status", "u2", "in progress -> resolved: re-exported"],
    ])
    expect(resolved.timeline[2]?.data).toEqual({ from: "in_progress", to: "resolved", note: "re-exported" })
  })

  it("archives from open, in progress or resolved", () => {
    for (const from of ["open", "in_progress", "resolved"] as const) {
      expect(run(transition(opened(from), "archived", "u1", T1)).status).toBe("archived")
    }
  })

  it("reopens a resolved incident as a 'reopened' entry", () => {
    const reopened = run(transition(opened("resolved"), "open", "u1", T1, "still failing"))
    expect(reopened.status).toBe("open")
    expect(reopened.timeline.at(-1)).toMatchObject({ kind: "reopened", message: "reopened: still failing" })
  })

  it("refuses a move out of archived, naming both states", () => {
    const error = failure(transition(opened("archived"), "in_progress", "u1", T1))
    expect(error._tag).toBe("InvalidTransition")
    expect(error.message).toBe(
      "cannot move an incident from archived to in_progress; an archived incident cannot change",
    )
    expect(error).toMatchObject({ from: "archived", to: "in_progress", allowed: [], incidentId: "incident-1" })
  })

  it("refuses a move the lifecycle skips or reverses, listing the allowed targets", () => {
    expect(failure(transition(opened("in_progress"), "open", null, T1)).message).toBe(
      "cannot move an incident from in_progress to open; from in progress it can move to resolved or archived",
    )
    expect(failure(transition(opened("resolved"), "in_progress", null, T1)).message).toBe(
      "cannot move an incident from resolved to in_progress; from resolved it can move to open or archived",
    )
  })

  it("refuses a move to the same state clearly", () => {
    expect(failure(transition(opened("resolved"), "resolved", "u1", T1)).message).toBe(
      "cannot move an incident from resolved to resolved; the incident is already resolved",
    )
  })

  it("the transition table is the lifecycle", () => {
    expect(TRANSITIONS).toEqual({
      open: ["in_progress", "resolved", "archived"],
      in_progress: ["resolved", "archived"],
      resolved: ["open", "archived"],
      archived: [],
    })
    expect(allowedTransitions("archived")).toEqual([])
  })
})

describe("field updates, assignment and notes", () => {
  it("writes one 'field' entry per changed field, with old and new values", () => {
    const updated = run(
      updateFields(
        opened(),
        { rootCause: "the export left ids out", impactSummary: " 10B grades late ", analysisNotes: "" },
        "u1",
        T1,
      ),
    )
    expect(updated.impactSummary).toBe("10B grades late")
    expect(updated.timeline.slice(1).map((e) => [e.kind, e.message, e.data])).toEqual([
      ["field", "set the impact summary", { field: "impactSummary", from: null, to: "10B grades late" }],
    ])
    const cleared = run(updateFields(updated, { correctiveAction: "  " }, "u1", T2))
    expect(cleared.correctiveAction).toBeNull()
    expect(cleared.timeline.at(-1)).toMatchObject({
      kind: "field",
      message: "cleared the corrective action",
      data: { field: "correctiveAction", from: "re-export with ids", to: null },
    })
  })

  it("an update that changes nothing returns the same incident", () => {
    const incident = opened()
    expect(run(updateFields(incident, { rootCause: "the export left ids out" }, "u1", T1))).toBe(incident)
    expect(run(assign(incident, null, "u1", T1))).toBe(incident)
  })

  it("assigns and unassigns", () => {
    const assigned = run(assign(opened(), "u7", "u1", T1))
    expect(assigned.assignee).toBe("u7")
    expect(assigned.timeline.at(-1)).toMatchObject({
      kind: "assigned",
      actor: "u1",
      message: "assigned to u7",
      data: { from: null, to: "u7" },
    })
    expect(run(assign(assigned, null, "u1", T2)).timeline.at(-1)?.message).toBe("unassigned")
  })

  it("adds a note; refuses an empty one", () => {
    const noted = run(addNote(opened(), " called the science office ", "u1", T1))
    expect(noted.timeline.at(-1)).toMatchObject({ kind: "note", message: "called the science office", at: T1 })
    const error = failure(addNote(opened(), "   ", "u1", T1))
    expect(error._tag).toBe("IncidentChangeRefused")
    expect(error.message).toBe("a note needs some text")
  })

  it("refuses any change to an archived incident", () => {
    const archived = opened("archived")
    const refusals = [
      failure(updateFields(archived, { rootCause: "x" }, "u1", T1)),
      failure(assign(archived, "u2", "u1", T1)),
      failure(addNote(archived, "hello", "u1", T1)),
      failure(recordRetry(archived, "u1", T1)),
      failure(recordRecurrence(archived, { at: T1, uploadId: "up2", message: "again" })),
    ]
    expect(refusals.map((e) => e.message)).toEqual([
      "cannot update incident incident-1: it is archived, and an archived incident cannot change",
      "cannot assign incident incident-1: it is archived, and an archived incident cannot change",
      "cannot add a note to incident incident-1: it is archived, and an archived incident cannot change",
      "cannot retry incident incident-1: it is archived, and an archived incident cannot change",
      "cannot record a recurrence on incident incident-1: it is archived, and an archived incident cannot change",
    ])
  })
})

describe("retries and recurrences", () => {
  it("recordRetry counts attempts and stamps the last one", () => {
    const once = run(recordRetry(opened(), null, T1))
    const twice = run(recordRetry(once, "u1", T2))
    expect(twice).toMatchObject({ retryCount: 2, lastRetryAt: T2, updatedAt: T2 })
    expect(twice.timeline.slice(1).map((e) => [e.kind, e.message, e.data])).toEqual([
      ["retry", "retry 1 started", { attempt: 1 }],
      ["retry", "retry 2 started", { attempt: 2 }],
    ])
  })

  it("recordRetry says how the retry runs", () => {
    const message = (details: Parameters<typeof recordRetry>[3]) =>
      run(recordRetry(opened(), "u1", T1, details)).timeline.at(-1)?.message
    expect(message({ uploadId: "up-1", resumeAfter: "generate_summary" })).toBe(
      "retry 1 of upload up-1 started: resuming after generate_summary",
    )
    expect(message({ resumeAfter: null })).toBe("retry 1 started: from the start")
    expect(message({ resumeAfter: null, corrected: ["profile", "plan"] })).toBe(
      "retry 1 started: from the start with the corrected profile and plan",
    )
    expect(run(recordRetry(opened(), "u1", T1, { uploadId: "up-1", resumeAfter: null })).timeline.at(-1)?.data).toEqual(
      { attempt: 1, uploadId: "up-1", resumeAfter: null },
    )
  })

  it("resolveByRetry resolves with its own entry; refuses when already resolved", () => {
    const retried = run(recordRetry(opened(), null, T1))
    const resolved = run(resolveByRetry(retried, null, T2))
    expect(resolved.status).toBe("resolved")
    expect(resolved.timeline.at(-1)).toMatchObject({
      kind: "resolved_by_retry",
      message: "resolved: retry 1 succeeded",
      data: { from: "open", to: "resolved", attempt: 1 },
    })
    expect(failure(resolveByRetry(resolved, null, T2))._tag).toBe("InvalidTransition")
  })

  it("a recurrence reopens a resolved incident and is recorded on a live one", () => {
    const reopened = run(recordRecurrence(opened("resolved"), { at: T1, uploadId: "up2", message: "again" }))
    expect(reopened.status).toBe("open")
    expect(reopened.timeline.at(-1)).toMatchObject({
      kind: "recurred",
      actor: null,
      at: T1,
      message: "the failure happened again in upload up2; reopened",
      data: { uploadId: "up2", error: "again", reopened: true },
    })
    const live = run(recordRecurrence(opened("in_progress"), { at: T1, uploadId: null, message: "again" }))
    expect(live.status).toBe("in_progress")
    expect(live.timeline.at(-1)?.message).toBe("the failure happened again")
  })
})

describe("syncTicket", () => {
  it("closes the ticket when the incident is resolved or archived, and opens it on a reopen", () => {
    const { incident, ticket } = openIncident(draft, { newId: ids(), now: T0, uploadId: null })
    expect(syncTicket(ticket, incident)).toBe(ticket)
    const resolved = run(transition(incident, "resolved", "u1", T1))
    const closed = syncTicket(ticket, resolved)
    expect(closed.status).toBe("closed")
    expect(syncTicket(closed, run(transition(resolved, "open", "u1", T2))).status).toBe("open")
    expect(syncTicket(ticket, new Models.Incident({ ...incident, status: "archived" })).status).toBe("closed")
  })
})

describe("who may be assigned an incident", () => {
  const user = (role: Models.Role, isActive = true) =>
    new Models.User({
      id: `u-${role}`,
      username: `${role}1`,
      email: `${role}1@school.test`,
      role,
      emailVerified: true,
      isActive,
      createdAt: "2024-05-01T09:00:00.000Z",
    })

  it("active admins and moderators, and nobody else", () => {
    expect(assignmentProblem(user("admin"))).toBeUndefined()
    expect(assignmentProblem(user("moderator"))).toBeUndefined()
    expect(assignmentProblem(user("user"))).toBe("user1 is a user; only an admin or a moderator can be assigned")
    expect(assignmentProblem(user("moderator", false))).toBe("moderator1's account is not active")
    expect(ASSIGNABLE_ROLES).toEqual(["admin", "moderator"])
  })
})
