import {
  eventUploadId,
  type IncidentDraft,
  incidentMail,
  Models,
  NOTIFY_INCIDENT,
  openIncident,
  recordRecurrence,
  recordRetry,
  resolveByRetry,
  resolvingEntry,
  transition,
} from "@batchops/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const known: IncidentDraft = {
  stage: "validate_results",
  error: "student_id is missing in 3 rows",
  severity: "high",
  knownError: "missing_student_id",
  rootCause: "The export left the Student ID column empty.",
  correctiveAction: "Export the gradebook again with student ids.",
  plugin: "builtin",
}

const unknown: IncidentDraft = {
  stage: "parse",
  error: "unexpected end of file",
  severity: "medium",
  knownError: null,
  rootCause: null,
  correctiveAction: null,
  plugin: null,
}

const open = (draft: IncidentDraft = known) =>
  openIncident(draft, {
    newId: (kind) => (kind === "incident" ? "inc-1" : "tkt-1"),
    now: "2026-03-02T08:00:00.000Z",
    uploadId: "upl-1",
    fileName: "Gradebook 9B.csv",
  }).incident

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(effect)

describe("incidentMail", () => {
  it("uses the kind of work item the worker claims", () => {
    expect(NOTIFY_INCIDENT).toBe("notify_incident")
  })

  it("an opened incident: subject with the stage, the file and the severity; the facts, one per line", () => {
    const mail = incidentMail("opened", open(), { fileName: "Gradebook 9B.csv", at: "2026-03-02T08:00:00.000Z" })
    expect(mail.subject).toBe(
      "[BatchOps] Incident opened: validate_results failed for Gradebook 9B.csv (severity high)",
    )
    expect(mail.text).toBe(
      [
        "A new incident was opened.",
        "",
        "When: 2026-03-02T08:00:00.000Z",
        "File: Gradebook 9B.csv",
        "Stage: validate_results",
        "Error: student_id is missing in 3 rows",
        "Severity: high",
        "Known error: missing_student_id",
        "Root cause: The export left the Student ID column empty.",
        "Corrective action: Export the gradebook again with student ids.",
        "Status: open",
        "Retries: 0",
        "Last timeline entry: 2026-03-02T08:00:00.000Z: opened: validate_results failed (known error missing_student_id)",
        "Incident id: inc-1",
        "",
        "This mail goes to the site's admins and moderators.",
        "",
      ].join("\n"),
    )
  })

  it("leaves out what is not known (no file, no known error, no root cause)", () => {
    const mail = incidentMail("opened", open(unknown))
    expect(mail.subject).toBe("[BatchOps] Incident opened: parse failed (severity medium)")
    expect(mail.text).not.toMatch(/^(File|Known error|Root cause|Corrective action|When):/m)
    expect(mail.text).toContain("Error: unexpected end of file\n")
    expect(mail.text).toContain("Incident id: inc-1\n")
  })

  it("keeps the subject and every field on one line, whatever the error says", () => {
    const incident = open({ ...unknown, stage: "parse\nstep", error: "line one\r\nline two\n\tline three" })
    const mail = incidentMail("opened", incident, { fileName: "a\nb.csv" })
    expect(mail.subject).toBe("[BatchOps] Incident opened: parse step failed for a b.csv (severity medium)")
    expect(mail.subject).not.toMatch(/[\r\n]/)
    expect(mail.text).toContain("Error: line one line two line three\n")
  })

  it("a recurrence says the resolved incident failed again and is open again", () => {
    const resolved = run(transition(open(), "resolved", "usr-admin", "2026-03-02T09:00:00.000Z"))
    const recurred = run(
      recordRecurrence(resolved, { at: "2026-03-03T08:00:00.000Z", uploadId: "upl-2", message: known.error }),
    )
    const mail = incidentMail("recurred", recurred, { fileName: "Gradebook 9C.csv" })
    expect(mail.subject).toBe(
      "[BatchOps] Incident recurred: validate_results failed for Gradebook 9C.csv (severity high)",
    )
    expect(mail.text.split("\n")[0]).toBe("A resolved incident failed again and was reopened: the fix did not hold.")
    expect(mail.text).toContain("Status: open\n")
    expect(mail.text).toContain(
      "Last timeline entry: 2026-03-03T08:00:00.000Z: recurred: the failure happened again in upload upl-2; reopened\n",
    )
    expect(eventUploadId("recurred", recurred)).toBe("upl-2")
    expect(eventUploadId("opened", recurred)).toBe("upl-1")
  })

  it("resolved by a retry: says so, with the retry's number", () => {
    const retried = run(recordRetry(open(), null, "2026-03-02T08:05:00.000Z"))
    const resolved = run(resolveByRetry(retried, null, "2026-03-02T08:06:00.000Z"))
    const mail = incidentMail("resolved", resolved)
    expect(mail.subject).toBe("[BatchOps] Incident resolved: validate_results failed (severity high)")
    expect(mail.text.split("\n").slice(0, 3)).toEqual([
      "The incident was resolved.",
      "",
      "Resolved: automatically, a retry succeeded (retry 1)",
    ])
    expect(mail.text).toContain("Status: resolved\n")
    expect(mail.text).toContain("Retries: 1\n")
    expect(mail.text).toContain("resolved_by_retry: resolved: retry 1 succeeded\n")
  })

  it("resolved by a person: names them (by username when known) with their note", () => {
    const resolved = run(transition(open(), "resolved", "usr-7", "2026-03-02T10:00:00.000Z", "re-exported\nthe file"))
    expect(resolvingEntry(resolved)?.actor).toBe("usr-7")
    expect(incidentMail("resolved", resolved, { resolvedBy: "ada" }).text).toContain(
      "Resolved: by ada, who changed its status to resolved: re-exported the file\n",
    )
    expect(incidentMail("resolved", resolved).text).toContain(
      "Resolved: by user usr-7, who changed its status to resolved: re-exported the file\n",
    )
  })

  it("resolved, then noted: tells how it was resolved, and the note as the last entry", () => {
    const started = run(transition(open(), "in_progress", "usr-7", "2026-03-02T09:00:00.000Z"))
    const resolved = run(transition(started, "resolved", "usr-7", "2026-03-02T10:00:00.000Z"))
    const noted = new Models.Incident({
      ...resolved,
      timeline: [
        ...resolved.timeline,
        new Models.TimelineEvent({
          at: "2026-03-02T10:01:00.000Z",
          actor: "usr-8",
          kind: "note",
          message: "checked the report",
          data: {},
        }),
      ],
    })
    const text = incidentMail("resolved", noted).text
    expect(text).toContain("Resolved: by user usr-7, who changed its status to resolved\n")
    expect(text).toContain("Last timeline entry: 2026-03-02T10:01:00.000Z by usr-8: note: checked the report\n")
  })
})
