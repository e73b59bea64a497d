/**
 * `send_attendance_reminders` through the job runner, the same on every database backend
 * (embedded PGlite, real Postgres): records stored with `DepartmentsRepo.upsertRecords` (and
 * by the simulated attendance feed), the day set on Effect's `TestClock`, and the mails read
 * back from a real SMTP server.
 *
 * Each test works on a department source of its own, named by `codes`, with student ids of its
 * own, so the tests share the database without reading each other's records or ledger entries.
 */
import { mkdtempSync, rmSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { REMINDER_SCOPE, SimulatedSettings, simulatedRecords } from "@batchops/automations"
import {
  AutomationLedger,
  type AutomationServices,
  type CurrentRegistry,
  DepartmentsRepo,
  type IngestRecord,
  JobRunsRepo,
  JobsRepo,
  type KnownErrorsRepo,
  type NewJob,
  type OriginalFiles,
  processNextJobRun,
  type Transactions,
  triggerJob,
  type UploadsRepo,
  type WorkQueue,
} from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import type { UploadSettings } from "@batchops/runner-node"
import { migrate } from "@batchops/store-sql"
import { Effect, Layer, Option, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { SMTPServer } from "smtp-server"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from "../../mailer-smtp/test/smtpTestServer.js"
import { jobRunnerLayer } from "../src/JobRunner.js"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { defaultRegistry } from "../src/Registry.js"

export interface AttendanceTarget {
  /** a new client layer over the backend's database */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

type Services =
  | AutomationServices
  | KnownErrorsRepo
  | UploadsRepo
  | WorkQueue
  | UploadSettings
  | OriginalFiles
  | CurrentRegistry
  | SqlClient.SqlClient
  | Transactions

const RUNNER = { worker: "attendance-test-runner", leaseMs: 60_000, overlapDelayMs: 60_000 }

// Tuesday 10 March 2026, 07:00 UTC (the seeded job's time); its ten school days before it:
const TUESDAY = Date.parse("2026-03-10T07:00:00Z")
const WEDNESDAY = Date.parse("2026-03-11T07:00:00Z")
const TEN_DAYS = [
  "2026-02-24",
  "2026-02-25",
  "2026-02-26",
  "2026-02-27",
  "2026-03-02",
  "2026-03-03",
  "2026-03-04",
  "2026-03-05",
  "2026-03-06",
  "2026-03-09",
]

/** A real SMTP server that refuses the recipients in `refused` (550, naming the address) and keeps the rest. */
const startRefusingSmtpServer = (refused: ReadonlyArray<string>) => {
  const received: Array<{ rcptTo: ReadonlyArray<string> }> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!refused.includes(address.address)) return callback()
      callback(Object.assign(new Error(`<${address.address}> is not a known mailbox`), { responseCode: 550 }))
    },
    onData(stream, session, callback) {
      stream.on("data", () => {})
      stream.on("end", () => {
        received.push({ rcptTo: session.envelope.rcptTo.map((r) => r.address) })
        callback()
      })
    },
  })
  return new Promise<{ port: number; received: typeof received; close: () => Promise<void> }>((resolve, reject) => {
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.server.address() as AddressInfo
      resolve({ port, received, close: () => new Promise<void>((done) => server.close(() => done())) })
    })
  })
}

/** A mark per day: `absent`/`late` on the days named, `present` on the others. */
const marks = (
  studentId: string,
  days: ReadonlyArray<string>,
  exceptions: Readonly<Record<string, string>> = {},
): Array<IngestRecord> =>
  days.map((date) => ({
    kind: "attendance",
    key: `${studentId}:${date}`,
    recordedAt: `${date}T08:00:00.000Z`,
    payload: { student_id: studentId, date, status: exceptions[date] ?? "present" },
  }))

const student = (studentId: string, name: string, contactEmail?: string): IngestRecord => ({
  kind: "student",
  key: studentId,
  recordedAt: "2026-01-05T08:00:00.000Z",
  payload: {
    student_id: studentId,
    name,
    grade: 10,
    contact_name: `Parent of ${name}`,
    ...(contactEmail === undefined ? {} : { contact_email: contactEmail }),
  },
})

export const attendanceRemindersContract = (name: string, target: () => AttendanceTarget) =>
  describe(`send_attendance_reminders: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-attendance-"))
    const dirs = { uploadsDir: join(root, "uploads"), exportDir: join(root, "exports") }
    let counter = 0
    let smtp: TestSmtpServer

    const run = <A, E>(effect: Effect.Effect<A, E, Services>, port = smtp.port) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const registry = yield* Effect.orDie(defaultRegistry())
          const mailer = Layer.orDie(mailerLayerFromEnv({ EMAIL_HOST: "127.0.0.1", EMAIL_PORT: String(port) }))
          return yield* Effect.provide(
            effect,
            Layer.mergeAll(jobRunnerLayer, mailer).pipe(
              Layer.provideMerge(uploadLifecycleLayer(target().open(), { ...dirs, registry })),
            ),
          )
        }),
      )

    /** a source of the test's own with these records; its code and a prefix for its student ids */
    const newSource = (records: (prefix: string) => ReadonlyArray<IngestRecord>) => {
      const n = ++counter
      const code = `ATT-T${n}`
      const prefix = `t${n}`
      return run(
        Effect.gen(function* () {
          const departments = yield* DepartmentsRepo
          const source = yield* departments.createSource({
            name: `Attendance test ${n} ${name}`,
            code,
            department: "attendance",
            kind: "simulated",
            settings: { feed: "attendance" },
          })
          yield* departments.upsertRecords(source.id, records(prefix))
          return { code, prefix, sourceId: source.id }
        }),
      )
    }

    /** a job with these parameters, run once by the runner at `at` */
    const remind = (
      params: Record<string, unknown>,
      at: number,
      options: { port?: number; job?: Partial<NewJob> } = {},
    ) =>
      run(
        Effect.gen(function* () {
          const jobs = yield* JobsRepo
          const job = yield* jobs.create({
            name: `reminders ${++counter} ${name}`,
            cron: "0 7 * * 1-5",
            automation: "send_attendance_reminders",
            params,
            ...options.job,
          })
          const queued = yield* triggerJob(job, "user-1")
          yield* TestClock.setTime(at)
          const outcome = Option.getOrThrow(yield* processNextJobRun(RUNNER))
          const runs = yield* JobRunsRepo
          return { outcome, stored: Option.getOrThrow(yield* runs.get(queued.id)) }
        }).pipe(Effect.provide(TestClock.layer())),
        options.port,
      )

    const ledgerHas = (key: string) =>
      run(
        Effect.gen(function* () {
          const ledger = yield* AutomationLedger
          return Option.isSome(yield* ledger.get(REMINDER_SCOPE, key))
        }),
      )

    /** the mails received since `from` that went to the test's families */
    const mailsTo = (prefix: string, from: number): Array<ReceivedMail> =>
      smtp.received.slice(from).filter((mail) => mail.rcptTo.some((to) => to.endsWith(`@${prefix}.families.test`)))

    beforeAll(async () => {
      smtp = await startSmtpServer()
      await Effect.runPromise(Effect.provide(migrate(), target().open()))
    })
    afterAll(async () => {
      await smtp?.close()
      rmSync(root, { recursive: true, force: true })
    })

    it("mails the contacts of the students below the threshold, and only them, once a day", async () => {
      const other = await newSource(() => [])
      const { code, prefix } = await newSource((p) => [
        // 100% (and 90% the next day, with today's absence: not below)
        student(`${p}-1`, "Ada Brooks", `ada@${p}.families.test`),
        ...marks(`${p}-1`, TEN_DAYS),
        ...marks(`${p}-1`, ["2026-03-10"], { "2026-03-10": "absent" }),
        // 3 absent, 1 late of 10: 70% (80% the next day)
        student(`${p}-2`, "Ben Chen", `ben@${p}.families.test`),
        ...marks(`${p}-2`, [...TEN_DAYS, "2026-03-10"], {
          "2026-02-24": "absent",
          "2026-02-26": "absent",
          "2026-03-04": "absent",
          "2026-03-05": "late",
        }),
        // exactly 90%: not below
        student(`${p}-3`, "Cleo Diaz", `cleo@${p}.families.test`),
        ...marks(`${p}-3`, [...TEN_DAYS, "2026-03-10"], { "2026-03-02": "absent" }),
        // 50%, but no contact address
        student(`${p}-4`, "Dan Evans"),
        ...marks(`${p}-4`, TEN_DAYS, Object.fromEntries(TEN_DAYS.slice(0, 5).map((day) => [day, "absent"]))),
        // 80%
        student(`${p}-5`, "Eve Fischer", `eve@${p}.families.test`),
        ...marks(`${p}-5`, [...TEN_DAYS, "2026-03-10"], { "2026-03-06": "absent", "2026-03-09": "absent" }),
        // marks only before the window: not rated, never reminded
        student(`${p}-6`, "Finn Garcia", `finn@${p}.families.test`),
        ...marks(`${p}-6`, ["2026-02-20"], { "2026-02-20": "absent" }),
        // a status the rules do not know: not counted, reported
        student(`${p}-7`, "Gil Haddad", `gil@${p}.families.test`),
        ...marks(`${p}-7`, ["2026-03-03"], { "2026-03-03": "excused" }),
      ])
      // another register marks Ada absent every day: not one of the sources this job reads
      await run(
        Effect.gen(function* () {
          const departments = yield* DepartmentsRepo
          yield* departments.upsertRecords(other.sourceId, [
            student(`${prefix}-1`, "Ada Brooks", `ada.other@${prefix}.families.test`),
            ...marks(`${prefix}-1`, TEN_DAYS, Object.fromEntries(TEN_DAYS.map((day) => [day, "absent"]))),
          ])
        }),
      )
      const params = { window_days: 10, codes: [code], school_contact: "the attendance office on 555 0100" }

      const before = smtp.received.length
      const first = await remind(params, TUESDAY)
      expect(first.outcome.status).toBe("succeeded")
      const mails = mailsTo(prefix, before)
      expect(mails.map((mail) => mail.rcptTo)).toEqual([
        [`ben@${prefix}.families.test`],
        [`eve@${prefix}.families.test`],
      ])
      const [ben, eve] = mails as [ReceivedMail, ReceivedMail]
      expect(ben.headers.get("subject")).toBe("Attendance reminder for Ben Chen")
      expect(ben.body).toContain("Dear Parent of Ben Chen,")
      expect(ben.body).toContain(
        "between Tuesday 24 February 2026 and Monday 9 March 2026. In that time Ben Chen had 70% attendance, " +
          "which is below the 90% we hope every student reaches.",
      )
      expect(ben.body).toContain("Of the 10 days recorded, Ben Chen was absent on 3 days and late on 1 day.")
      expect(ben.body).toContain("Absent: Tuesday 24 February, Thursday 26 February and Wednesday 4 March.")
      expect(ben.body).toContain("Late: Thursday 5 March.")
      expect(ben.body).toContain("please contact the attendance office on 555 0100.")
      expect(eve.headers.get("subject")).toBe("Attendance reminder for Eve Fischer")
      expect(eve.body).toContain("Eve Fischer had 80% attendance")
      expect(eve.body).toContain("absent on 2 days.")

      expect(first.stored.details.result).toEqual({
        dry_run: false,
        date: "2026-03-10",
        from: "2026-02-24",
        to: "2026-03-09",
        students: 5,
        below_threshold: 3,
        sent: 2,
        already_sent: 0,
        no_contact: 1,
        failed: 0,
      })
      expect(first.stored.steps.map((step) => [step.name, step.details])).toEqual([
        [
          "rates",
          {
            date: "2026-03-10",
            time_zone: "UTC",
            from: "2026-02-24",
            to: "2026-03-09",
            records: expect.any(Number),
            students: 5,
            below_threshold: 3,
            unreadable_marks: 1,
            duplicate_marks: 0,
          },
        ],
        ["mail", { sent: 2, already_sent: 0, no_contact: 1, failed: 0 }],
      ])
      expect(first.stored.logs).toContain(`no contact address for 1 student below 90%: ${prefix}-4`)
      expect(first.stored.logs.join("\n")).toContain("1 mark not counted")
      // ids and counts only: no names, addresses or marks in the run's record
      const told = JSON.stringify([first.stored.steps, first.stored.logs, first.stored.details])
      for (const secret of ["Ben", "Eve", "Dan", "Parent of", "families.test", "excused", "2026-02-26"])
        expect(told).not.toContain(secret)
      expect(await ledgerHas(`${prefix}-2:2026-03-10`)).toBe(true)
      expect(await ledgerHas(`${prefix}-5:2026-03-10`)).toBe(true)
      expect(await ledgerHas(`${prefix}-4:2026-03-10`)).toBe(false)

      // again the same day (later, another job even): nothing more is sent
      const again = await remind(params, TUESDAY + 6 * 60 * 60 * 1000)
      expect(again.outcome.status).toBe("succeeded")
      expect(mailsTo(prefix, before)).toHaveLength(2)
      expect(again.stored.details.result).toMatchObject({ sent: 0, already_sent: 2, no_contact: 1, failed: 0 })
      expect(again.stored.logs).toContain("already reminded today: 2 students")

      // the next day the window moves on, and the reminders go again
      const nextDay = await remind(params, WEDNESDAY)
      expect(nextDay.outcome.status).toBe("succeeded")
      const later = mailsTo(prefix, before).slice(2)
      expect(later.map((mail) => mail.rcptTo)).toEqual([
        [`ben@${prefix}.families.test`],
        [`eve@${prefix}.families.test`],
      ])
      expect(later[0]!.body).toContain(
        "between Wednesday 25 February 2026 and Tuesday 10 March 2026. In that time Ben Chen had 80% attendance",
      )
      expect(nextDay.stored.details.result).toMatchObject({
        date: "2026-03-11",
        students: 5,
        below_threshold: 3,
        sent: 2,
        already_sent: 0,
      })
    })

    it("two runners running the reminders at once send each reminder once", async () => {
      const { code, prefix } = await newSource((p) =>
        [1, 2, 3, 4].flatMap((n) => [
          student(`${p}-${n}`, `Student ${n}`, `s${n}@${p}.families.test`),
          ...marks(`${p}-${n}`, TEN_DAYS, { "2026-03-02": "absent", "2026-03-03": "absent" }),
        ]),
      )
      const before = smtp.received.length
      const outcomes = await run(
        Effect.gen(function* () {
          const jobs = yield* JobsRepo
          for (const n of [1, 2]) {
            const job = yield* jobs.create({
              name: `concurrent reminders ${n} ${code} ${name}`,
              cron: "0 7 * * 1-5",
              automation: "send_attendance_reminders",
              params: { window_days: 10, codes: [code] },
            })
            yield* triggerJob(job, null)
          }
          yield* TestClock.setTime(TUESDAY)
          const runners = [1, 2].map((n) => processNextJobRun({ ...RUNNER, worker: `attendance-runner-${n}` }))
          const outcomes = yield* Effect.all(runners, { concurrency: 2 })
          const runs = yield* JobRunsRepo
          return yield* Effect.forEach(outcomes, (outcome) =>
            Effect.map(runs.get(Option.getOrThrow(outcome).jobRunId!), Option.getOrThrow),
          )
        }).pipe(Effect.provide(TestClock.layer())),
      )
      expect(outcomes.map((stored) => stored.status)).toEqual(["succeeded", "succeeded"])
      const results = outcomes.map((stored) => stored.details.result as { sent: number; already_sent: number })
      expect(results.map((result) => result.sent + result.already_sent)).toEqual([4, 4])
      expect(results[0]!.sent + results[1]!.sent).toBe(4)
      const recipients = mailsTo(prefix, before).flatMap((mail) => mail.rcptTo)
      expect(recipients.sort()).toEqual([1, 2, 3, 4].map((n) => `s${n}@${prefix}.families.test`))
    })

    it("counts late as absent when late_counts_as is 0, and sends at the threshold given", async () => {
      const { code, prefix } = await newSource((p) => [
        // 8 present, 2 late: 100% by default, 80% when late counts as absent
        student(`${p}-1`, "Hana Ivanova", `hana@${p}.families.test`),
        ...marks(`${p}-1`, TEN_DAYS, { "2026-03-03": "late", "2026-03-04": "late" }),
        // 1 absent: 90%
        student(`${p}-2`, "Isaac Johnson", `isaac@${p}.families.test`),
        ...marks(`${p}-2`, TEN_DAYS, { "2026-03-03": "absent" }),
      ])
      const before = smtp.received.length
      const lenient = await remind({ window_days: 10, codes: [code], threshold: 0.85 }, TUESDAY)
      expect(lenient.stored.details.result).toMatchObject({ students: 2, below_threshold: 0, sent: 0 })
      const strict = await remind({ window_days: 10, codes: [code], threshold: 0.95, late_counts_as: 0 }, TUESDAY)
      expect(strict.stored.details.result).toMatchObject({ students: 2, below_threshold: 2, sent: 2 })
      const mails = mailsTo(prefix, before)
      expect(mails.map((mail) => mail.rcptTo[0])).toEqual([
        `hana@${prefix}.families.test`,
        `isaac@${prefix}.families.test`,
      ])
      expect(mails[0]!.body).toContain("Hana Ivanova had 80% attendance, which is below the 95% we hope")
      expect(mails[0]!.body).toContain("was late on 2 days.")
      expect(mails[1]!.body).toContain("Isaac Johnson had 90% attendance, which is below the 95% we hope")
    })

    it("releases the claim of a reminder the mail server refused: the others are sent, the run fails saying how many, a later run sends it", async () => {
      const { code, prefix } = await newSource((p) => [
        student(`${p}-1`, "Jade Kim", `jade@${p}.families.test`),
        ...marks(`${p}-1`, TEN_DAYS, { "2026-03-02": "absent", "2026-03-03": "absent" }),
        student(`${p}-2`, "Kofi Larsen", `kofi@${p}.families.test`),
        ...marks(`${p}-2`, TEN_DAYS, { "2026-03-04": "absent", "2026-03-05": "absent" }),
      ])
      const refusing = await startRefusingSmtpServer([`kofi@${prefix}.families.test`])
      try {
        const params = { window_days: 10, codes: [code] }
        const first = await remind(params, TUESDAY, { port: refusing.port })
        expect(first.outcome.status).toBe("failed")
        expect(first.stored.status).toBe("failed")
        expect(first.stored.error).toMatch(
          new RegExp(
            `^1 of 2 attendance reminders could not be sent \\(students ${prefix}-2; they are tried again on the next run\\): ` +
              `cannot send the reminder through 127\\.0\\.0\\.1:${refusing.port}: `,
          ),
        )
        // what the server said, without the family's address or the student's name
        expect(first.stored.error).toContain("the contact's address")
        expect(first.stored.error).not.toContain("kofi@")
        expect(first.stored.error).not.toContain("Kofi")
        expect(first.stored.details.incident_id).toEqual(expect.any(String))
        expect(first.stored.steps.at(-1)).toMatchObject({
          name: "mail",
          details: { sent: 1, already_sent: 0, no_contact: 0, failed: 1 },
        })
        expect(first.stored.logs.join("\n")).toContain(`${prefix}-2: not sent, tried again on the next run`)
        expect(refusing.received.map((mail) => mail.rcptTo)).toEqual([[`jade@${prefix}.families.test`]])
        expect(await ledgerHas(`${prefix}-1:2026-03-10`)).toBe(true)
        expect(await ledgerHas(`${prefix}-2:2026-03-10`)).toBe(false)

        // the same day, with the mail server accepting: only the refused one goes
        const before = smtp.received.length
        const retry = await remind(params, TUESDAY + 60 * 60 * 1000)
        expect(retry.outcome.status).toBe("succeeded")
        expect(mailsTo(prefix, before).map((mail) => mail.rcptTo)).toEqual([[`kofi@${prefix}.families.test`]])
        expect(retry.stored.details.result).toMatchObject({ sent: 1, already_sent: 1, failed: 0 })
        expect(await ledgerHas(`${prefix}-2:2026-03-10`)).toBe(true)
      } finally {
        await refusing.close()
      }
    })

    it("a dry run counts who would be reminded and sends and records nothing; today is the job's time zone's", async () => {
      const { code, prefix } = await newSource((p) => [
        student(`${p}-1`, "Lena Mensah", `lena@${p}.families.test`),
        ...marks(`${p}-1`, TEN_DAYS, { "2026-03-09": "absent", "2026-03-06": "absent" }),
      ])
      // 20:00 UTC on Monday 9 March is 09:00 on Tuesday 10 March in Auckland
      const at = Date.parse("2026-03-09T20:00:00Z")
      const job = { timezone: "Pacific/Auckland" }
      const before = smtp.received.length
      const dry = await remind({ window_days: 10, codes: [code], dry_run: true }, at, { job })
      expect(dry.outcome.status).toBe("succeeded")
      expect(dry.stored.details.result).toEqual({
        dry_run: true,
        date: "2026-03-10",
        from: "2026-02-24",
        to: "2026-03-09",
        students: 1,
        below_threshold: 1,
        sent: 0,
        would_send: 1,
        already_sent: 0,
        no_contact: 0,
        failed: 0,
      })
      expect(dry.stored.logs).toContain("dry run: would remind 1 student; nothing sent")
      expect(mailsTo(prefix, before)).toEqual([])
      expect(await ledgerHas(`${prefix}-1:2026-03-10`)).toBe(false)

      const real = await remind({ window_days: 10, codes: [code] }, at, { job })
      expect(real.stored.details.result).toMatchObject({ date: "2026-03-10", sent: 1 })
      expect(mailsTo(prefix, before)).toHaveLength(1)
      expect(await ledgerHas(`${prefix}-1:2026-03-10`)).toBe(true)
    })

    it("refuses a threshold given as a percentage and a source that does not exist, naming them", async () => {
      const percent = await remind({ threshold: 90 }, TUESDAY)
      expect(percent.stored.status).toBe("failed")
      expect(percent.stored.error).toContain("params.threshold")
      const typo = await remind({ window_day: 10 }, TUESDAY)
      expect(typo.stored.error).toContain("params.window_day")
      const missing = await remind({ codes: ["NOPE"] }, TUESDAY)
      expect(missing.stored.status).toBe("failed")
      expect(missing.stored.error).toBe("no department source with code NOPE")
    })

    it("reminds the families of the simulated feed's often absent students, and only them", async () => {
      // a day of its own (the simulated students' ids are the same in every source)
      const at = Date.parse("2026-04-14T07:00:00Z")
      const records = simulatedRecords(
        Schema.decodeUnknownSync(SimulatedSettings)({ feed: "attendance", students: 12 }),
        new Date(at),
      )
      const { code } = await newSource(() => records)
      // the rule, worked out here from the records: late counts as present, today is not counted
      const today = "2026-04-14"
      const days = new Map<string, { days: number; absent: number }>()
      for (const record of records) {
        if (record.kind !== "attendance" || String(record.payload.date) >= today) continue
        const counts = days.get(String(record.payload.student_id)) ?? { days: 0, absent: 0 }
        counts.days++
        if (record.payload.status === "absent") counts.absent++
        days.set(String(record.payload.student_id), counts)
      }
      const expected = [...days.entries()]
        .filter(([, counts]) => (counts.days - counts.absent) / counts.days < 0.9)
        .map(([id]) => id)
        .sort()
      // every sixth student is absent often
      expect(expected).toEqual(expect.arrayContaining(["S-1006", "S-1012"]))
      const emails = new Map(
        records
          .filter((record) => record.kind === "student")
          .map((record) => [String(record.payload.student_id), String(record.payload.contact_email)]),
      )

      const before = smtp.received.length
      // the feed gives nine school days before the day
      const { outcome, stored } = await remind({ window_days: 9, codes: [code] }, at)
      expect(outcome.status).toBe("succeeded")
      const sentTo = smtp.received
        .slice(before)
        .flatMap((mail) => mail.rcptTo)
        .sort()
      expect(sentTo).toEqual(expected.map((id) => emails.get(id)!).sort())
      expect(stored.details.result).toMatchObject({
        students: 12,
        below_threshold: expected.length,
        sent: expected.length,
        no_contact: 0,
        failed: 0,
      })
    })
    it("the seeded jobs: ingesting the attendance register, then the reminders with their defaults", async () => {
      // a day of its own, far from the other tests' windows; the ingest's ten school days end with it
      const ingestAt = Date.parse("2026-05-20T06:30:00Z")
      const remindAt = Date.parse("2026-05-20T07:00:00Z")
      const seeded = (jobId: string, at: number) =>
        run(
          Effect.gen(function* () {
            const jobs = yield* JobsRepo
            const job = Option.getOrThrow(yield* jobs.get(jobId))
            const queued = yield* triggerJob(job, null)
            yield* TestClock.setTime(at)
            const outcome = Option.getOrThrow(yield* processNextJobRun(RUNNER))
            const runs = yield* JobRunsRepo
            return { outcome, job, stored: Option.getOrThrow(yield* runs.get(queued.id)) }
          }).pipe(Effect.provide(TestClock.layer())),
        )
      const ingest = await seeded("job_ingest_attendance", ingestAt)
      expect(ingest.outcome.status).toBe("succeeded")

      const records = await run(
        Effect.gen(function* () {
          const departments = yield* DepartmentsRepo
          const marks = yield* departments.recordsByKind({ kind: "attendance", sourceIds: ["src_attendance"] })
          const students = yield* departments.recordsByKind({ kind: "student", sourceIds: ["src_attendance"] })
          return { marks, students }
        }),
      )
      // the default window (20 school days before the day) holds all nine earlier days of the feed
      const rated = new Map<string, { days: number; absent: number }>()
      for (const mark of records.marks) {
        const date = String(mark.payload.date)
        if (date < "2026-04-22" || date >= "2026-05-20") continue
        const counts = rated.get(String(mark.payload.student_id)) ?? { days: 0, absent: 0 }
        counts.days++
        if (mark.payload.status === "absent") counts.absent++
        rated.set(String(mark.payload.student_id), counts)
      }
      const emails = new Map(
        records.students.map((record) => [String(record.payload.student_id), String(record.payload.contact_email)]),
      )
      const expected = [...rated.entries()]
        .filter(([, counts]) => (counts.days - counts.absent) / counts.days < 0.9)
        .map(([id]) => emails.get(id)!)
        .sort()
      expect(expected.length).toBeGreaterThan(0)

      const before = smtp.received.length
      const reminders = await seeded("job_send_attendance_reminders", remindAt)
      expect(reminders.job.params).toEqual({})
      expect(reminders.outcome.status).toBe("succeeded")
      expect(
        smtp.received
          .slice(before)
          .flatMap((mail) => mail.rcptTo)
          .sort(),
      ).toEqual(expected)
      expect(reminders.stored.details.result).toMatchObject({
        date: "2026-05-20",
        from: "2026-04-22",
        to: "2026-05-19",
        students: 40,
        below_threshold: expected.length,
        sent: expected.length,
        failed: 0,
      })
      const mail = smtp.received.at(-1)!
      expect(mail.body).toContain("which is below the 90% we hope every student reaches.")
      expect(mail.body).toContain("please contact the school office.")
    })
  })
