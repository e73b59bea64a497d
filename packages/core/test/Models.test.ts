import { Models } from "@batchops/core"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"

const at = "2026-11-28T09:00:00.000Z"

const samples = {
  User: {
    id: "u1",
    username: "ops",
    email: "ops@school.example",
    role: "moderator",
    emailVerified: true,
    isActive: true,
    createdAt: at,
  },
  Upload: {
    id: "up1",
    fileName: "gradebook.csv",
    format: "csv",
    size: 1200,
    sha256: "ab".repeat(32),
    status: "published",
    profile: "gradebook",
    processMode: "delete",
    processConfig: { rules: [{ column: "class", value: "9B" }] },
    progress: 100,
    steps: [{ name: "standardize_results", plugin: "batchops", status: "ok", durationMs: 12, log: { rows: 3 } }],
    reportCsvPath: "exports/gradebook.processed.csv",
    reportPdfPath: "exports/gradebook.processed.pdf",
    rows: 3,
    uploadedBy: "u1",
    incidentId: null,
    approval: null,
    createdAt: at,
    updatedAt: at,
  },
  Job: {
    id: "j1",
    name: "Attendance reminders",
    automation: "send_attendance_reminders",
    cron: "0 7 * * 1-5",
    enabled: true,
    params: {},
    timezone: "America/Chicago",
    misfirePolicy: "coalesce_once",
    maxLatenessMs: 3_600_000,
    skipDates: ["2026-12-25"],
    allowOverlap: false,
    nextRunAt: null,
    lastScheduledFor: null,
    createdAt: at,
    updatedAt: at,
  },
  JobRun: {
    id: "r1",
    jobId: "j1",
    automation: "send_attendance_reminders",
    status: "succeeded",
    trigger: "schedule",
    details: { sent: 12 },
    logs: ["sent 12"],
    startedAt: at,
    finishedAt: at,
  },
  KnownErrorRow: {
    id: "k1",
    name: "pdf-no-table",
    pattern: "no table",
    stage: "standardize_results",
    severity: "medium",
    rootCause: "scan",
    correctiveAction: "ask for CSV",
    active: true,
  },
  Incident: {
    id: "i1",
    uploadId: "up1",
    stage: "validate_results",
    error: "student_id is missing in 2 rows",
    status: "open",
    severity: "high",
    knownError: "missing-student-id",
    rootCause: null,
    correctiveAction: null,
    impactSummary: null,
    analysisNotes: null,
    assignee: null,
    retryCount: 0,
    lastRetryAt: null,
    timeline: [{ at, actor: null, kind: "opened", message: "opened by the pipeline", data: {} }],
    createdAt: at,
    updatedAt: at,
  },
  IncidentGroup: {
    fingerprint: "validate_results:9f3c0a1b2d4e5f60",
    stage: "validate_results",
    knownError: null,
    messagePattern: "student_id is missing in <n> row (row <n>)",
    source: "science",
    incidentId: "i1",
    count: 3,
    firstSeen: at,
    lastSeen: at,
  },
  Ticket: { id: "t1", incidentId: "i1", title: "Fix the gradebook of 10B", status: "open", createdAt: at },
  DepartmentSource: {
    id: "d1",
    name: "Science gradebook",
    code: "SCI",
    department: "Science",
    kind: "directory",
    settings: { path: "science" },
    enabled: true,
  },
  DepartmentRecord: {
    id: "dr1",
    sourceId: "d1",
    kind: "score",
    key: "S1",
    payload: { student_id: "S1", score: 80 },
    recordedAt: at,
  },
  EmailVerificationRequest: { id: "e1", userId: "u1", codeHash: "x", expiresAt: at, usedAt: null, createdAt: at },
  PasswordResetRequest: { id: "p1", userId: "u1", codeHash: "y", expiresAt: at, usedAt: at, createdAt: at },
} as const

describe("Models", () => {
  it.each(Object.entries(samples))("%s decodes a well-formed value", (name, sample) => {
    const model = Models[name as keyof typeof samples]
    const decoded = Schema.decodeUnknownSync(model as unknown as Schema.Decoder<unknown>)(sample)
    expect(decoded).toMatchObject(sample)
  })

  it("refuses a role, status or severity outside its list, naming the field", () => {
    const decode = (model: unknown, value: unknown) => () =>
      Schema.decodeUnknownSync(model as Schema.Decoder<unknown>)(value)
    expect(decode(Models.User, { ...samples.User, role: "principal" })).toThrow(/role/)
    expect(decode(Models.Upload, { ...samples.Upload, status: "done" })).toThrow(/status/)
    expect(decode(Models.Incident, { ...samples.Incident, severity: "urgent" })).toThrow(/severity/)
    expect(decode(Models.IncidentGroup, { ...samples.IncidentGroup, count: 0 })).toThrow(/count/)
    expect(decode(Models.IncidentGroup, { ...samples.IncidentGroup, count: 1.5 })).toThrow(/count/)
  })
})
