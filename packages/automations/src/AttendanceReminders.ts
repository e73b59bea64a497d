/**
 * `send_attendance_reminders`: from the department records of kind `attendance` (a mark per
 * student and day) and `student` (the roster, with a contact each), mails the contact of every
 * student whose attendance over the last `window_days` school days is below `threshold`.
 *
 * - "Today" is the run's date by Effect's clock in the job's time zone (UTC without a job).
 *   The window is the `window_days` school days (Monday to Friday) before today; today's
 *   register may still be open. The rules of the rate are core's (`AttendanceRate.ts`).
 * - A student is reminded at most once a day, also with two runners: the ledger entry
 *   (`attendance_reminder`, `<student id>:<today>`) is claimed before the mail goes out. A
 *   delivery that fails releases its claim, so the next run tries again; the others are still
 *   sent, and the run fails at the end saying how many failed, so its incident says so.
 * - A student below the threshold without a usable contact address is counted and logged by
 *   id. Steps and log lines carry counts and student ids, never names, addresses or marks.
 */
import {
  type AutomationContext,
  AutomationError,
  AutomationLedger,
  DepartmentsRepo,
  defineAutomation,
  JobsRepo,
  Mailer,
} from "@batchops/core"
import { Clock, Effect, Option, Schema } from "effect"
import {
  attendanceRates,
  attendanceWindow,
  belowThreshold,
  DEFAULT_SCHOOL,
  dateInZone,
  readStudent,
  reminderMail,
  type StudentContact,
} from "./AttendanceRate.js"

/** The ledger scope of a reminder sent (its key is `<student id>:<YYYY-MM-DD>`). */
export const REMINDER_SCOPE = "attendance_reminder"

const DAY_MS = 24 * 60 * 60 * 1000
/** how many student ids a log line names before it only counts the rest */
const IDS_IN_A_LINE = 50

const Share = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Ids = Schema.Array(Schema.String.check(Schema.isNonEmpty()))
const Line = Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(300))

export const ReminderParams = Schema.Struct({
  window_days: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 }))
    .annotate({
      description:
        "how many school days (Monday to Friday) before today the rate is computed over (default 20, four weeks)",
    })
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(20))),
  threshold: Share.annotate({
    description: "a student whose attendance is below this share is reminded: 0.9 is 90% (default 0.9)",
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0.9))),
  late_counts_as: Share.annotate({
    description: "what a late mark counts as: 1 as present, 0 as absent, 0.5 half (default 1)",
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(1))),
  sourceIds: Schema.optionalKey(
    Ids.annotate({ description: "read the records of these sources only (default: every source)" }),
  ),
  codes: Schema.optionalKey(
    Ids.annotate({ description: "read the records of the sources with these codes only (e.g. ATT)" }),
  ),
  school_name: Schema.optionalKey(
    Line.annotate({ description: `who signs the reminder (default "${DEFAULT_SCHOOL.schoolName}")` }),
  ),
  school_contact: Schema.optionalKey(
    Line.annotate({
      description: `who a family can contact, e.g. "the attendance office on 555 0100" (default "${DEFAULT_SCHOOL.contact}")`,
    }),
  ),
  dry_run: Schema.Boolean.annotate({
    description: "count who would be reminded and send nothing (default false)",
  }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(false))),
})

export type ReminderParams = typeof ReminderParams.Type

const failed = (what: string) => (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot ${what}: ${error.message}`, cause: error })

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`

const idList = (ids: ReadonlyArray<string>) =>
  ids.length <= IDS_IN_A_LINE
    ? ids.join(", ")
    : `${ids.slice(0, IDS_IN_A_LINE).join(", ")} and ${ids.length - IDS_IN_A_LINE} more`

/** The sources whose records count: those named (all must exist), or undefined for every source. */
const chooseSources = (params: ReminderParams) =>
  Effect.gen(function* () {
    if (params.sourceIds === undefined && params.codes === undefined) return undefined
    const departments = yield* DepartmentsRepo
    const read = failed("read the department sources")
    const ids: Array<string> = []
    const missing: Array<string> = []
    for (const id of params.sourceIds ?? []) {
      const found = yield* departments.getSource(id).pipe(Effect.mapError(read))
      if (Option.isSome(found)) ids.push(found.value.id)
      else missing.push(`id ${id}`)
    }
    for (const code of params.codes ?? []) {
      const found = yield* departments.getSourceByCode(code).pipe(Effect.mapError(read))
      if (Option.isSome(found)) ids.push(found.value.id)
      else missing.push(`code ${code}`)
    }
    if (missing.length > 0) {
      return yield* new AutomationError({ message: `no department source with ${missing.join(", ")}` })
    }
    return [...new Set(ids)]
  })

/** The job's time zone, which decides what "today" is; UTC for a run without a job. */
const jobTimeZone = (context: AutomationContext) =>
  Effect.gen(function* () {
    if (context.jobId === null) return "UTC"
    const jobs = yield* JobsRepo
    const job = yield* jobs.get(context.jobId).pipe(Effect.mapError(failed("read the job")))
    return Option.match(job, { onNone: () => "UTC", onSome: (found) => found.timezone })
  })

/**
 * The roster by student id: of several records of one student (two sources), the latest with
 * a usable contact address, else the latest.
 */
const rosterOf = (records: ReadonlyArray<{ readonly payload: Readonly<Record<string, unknown>> }>) => {
  const roster = new Map<string, StudentContact>()
  // oldest first: a later record replaces an earlier one unless it lost the address
  for (const record of records) {
    const student = readStudent(record.payload)
    if (student === undefined) continue
    const known = roster.get(student.studentId)
    if (known?.contactEmail !== undefined && student.contactEmail === undefined) continue
    roster.set(student.studentId, student)
  }
  return roster
}

/**
 * A delivery failure as the run may tell it: the mailer's message names the subject (the
 * student's name) and the server's reply may repeat the address, neither of which belongs in
 * a run's log or an incident.
 */
const withoutPersonalDetails = (message: string, subject: string, student: StudentContact): string => {
  let text = message.split(JSON.stringify(subject)).join("the reminder").split(subject).join("the reminder")
  const details: Array<[string | undefined, string]> = [
    [student.contactEmail, "the contact's address"],
    [student.contactName, "the contact"],
    [student.name === student.studentId ? undefined : student.name, "the student"],
  ]
  for (const [detail, instead] of details) {
    if (detail !== undefined && detail !== "") text = text.split(detail).join(instead)
  }
  return text
}

export const attendanceReminders = defineAutomation({
  key: "send_attendance_reminders",
  description:
    "Mails the contact of each student whose attendance over the last school days (window_days, default 20) is " +
    "below the threshold (default 90%), at most once a day per student. Supports a dry run.",
  params: ReminderParams,
  // by hand: it mails families
  runByHand: "moderator",
  run: (params, context) =>
    Effect.gen(function* () {
      const departments = yield* DepartmentsRepo
      const ledger = yield* AutomationLedger
      const mailer = yield* Mailer
      const now = new Date(yield* Clock.currentTimeMillis)
      const timeZone = yield* jobTimeZone(context)
      const today = dateInZone(now, timeZone)
      const window = attendanceWindow(today, params.window_days)
      const sourceIds = yield* chooseSources(params)
      const school = {
        schoolName: params.school_name ?? DEFAULT_SCHOOL.schoolName,
        contact: params.school_contact ?? DEFAULT_SCHOOL.contact,
      }
      const threshold = `${Math.round(params.threshold * 1000) / 10}%`

      // marks count by the day they name; a day before `from` in UTC may be `from` where the
      // school is, and a correction may be recorded days later, so read from a day early to now
      const since = new Date(Date.parse(`${window.from}T00:00:00Z`) - DAY_MS).toISOString()
      const marks = yield* departments
        .recordsByKind({ kind: "attendance", since, sourceIds })
        .pipe(Effect.mapError(failed("read the attendance records")))
      const rates = attendanceRates(marks, window, { lateCountsAs: params.late_counts_as })
      const below = belowThreshold(rates.students, params.threshold)
      yield* context.step("rates", {
        date: today,
        time_zone: timeZone,
        from: window.from,
        to: window.to,
        records: marks.length,
        students: rates.students.length,
        below_threshold: below.length,
        unreadable_marks: rates.unreadable,
        duplicate_marks: rates.duplicates,
      })
      yield* context.log(
        `${today} (${timeZone}): ${plural(rates.students.length, "student")} with marks from ${window.from} ` +
          `to ${window.to}, ${below.length} below ${threshold}`,
      )
      if (rates.unreadable > 0) {
        yield* context.log(
          `${plural(rates.unreadable, "mark")} not counted: no student, no date or a status other than present, late or absent`,
        )
      }

      const students = yield* departments
        .recordsByKind({ kind: "student", sourceIds })
        .pipe(Effect.mapError(failed("read the students")), Effect.map(rosterOf))

      const noContact: Array<string> = []
      const alreadySent: Array<string> = []
      const sent: Array<string> = []
      const failures: Array<{ readonly studentId: string; readonly reason: string }> = []
      for (const attendance of below) {
        const student = students.get(attendance.studentId)
        const to = student?.contactEmail
        if (student === undefined || to === undefined) {
          noContact.push(attendance.studentId)
          continue
        }
        const key = `${student.studentId}:${today}`
        if (params.dry_run) {
          const entry = yield* ledger.get(REMINDER_SCOPE, key).pipe(Effect.mapError(failed("read the ledger")))
          if (Option.isSome(entry)) alreadySent.push(student.studentId)
          else sent.push(student.studentId)
          continue
        }
        // claimed before it is sent: of two runs, one sends; and claim, send and release go
        // through together even when the runner is stopping, so a stop never leaves a claim
        // whose mail was not sent (a crash still can: a day's reminder lost, never sent twice)
        const outcome = yield* Effect.uninterruptible(
          Effect.gen(function* () {
            const claimed = yield* ledger
              .claim({ scope: REMINDER_SCOPE, key, jobRunId: context.runId })
              .pipe(Effect.mapError(failed("record the reminder in the ledger")))
            if (!claimed) return { _tag: "AlreadySent" } as const
            const mail = reminderMail({ student, attendance, window, threshold: params.threshold, school })
            const delivery = yield* Effect.result(mailer.send({ to: [to], ...mail }))
            if (delivery._tag === "Success") return { _tag: "Sent" } as const
            const released = yield* Effect.result(ledger.release(REMINDER_SCOPE, key))
            return {
              _tag: "Failed",
              reason: withoutPersonalDetails(delivery.failure.message, mail.subject, student),
              releaseError: released._tag === "Failure" ? released.failure.message : undefined,
            } as const
          }),
        )
        if (outcome._tag === "AlreadySent") alreadySent.push(student.studentId)
        else if (outcome._tag === "Sent") sent.push(student.studentId)
        else {
          failures.push({ studentId: student.studentId, reason: outcome.reason })
          yield* context.log(
            outcome.releaseError === undefined
              ? `${student.studentId}: not sent, tried again on the next run: ${outcome.reason}`
              : `${student.studentId}: not sent, and its ledger entry could not be released (${outcome.releaseError}), ` +
                  `so it is not tried again today: ${outcome.reason}`,
          )
        }
      }

      if (noContact.length > 0) {
        yield* context.log(
          `no contact address for ${plural(noContact.length, "student")} below ${threshold}: ${idList(noContact)}`,
        )
      }
      if (alreadySent.length > 0) {
        yield* context.log(`already reminded today: ${plural(alreadySent.length, "student")}`)
      }
      const counts = {
        students: rates.students.length,
        below_threshold: below.length,
        sent: sent.length,
        already_sent: alreadySent.length,
        no_contact: noContact.length,
        failed: failures.length,
      }
      if (params.dry_run) {
        yield* context.step("mail", {
          would_send: sent.length,
          already_sent: alreadySent.length,
          no_contact: noContact.length,
        })
        yield* context.log(`dry run: would remind ${plural(sent.length, "student")}; nothing sent`)
        return {
          dry_run: true,
          date: today,
          from: window.from,
          to: window.to,
          ...counts,
          sent: 0,
          would_send: sent.length,
        }
      }
      yield* context.step("mail", {
        sent: sent.length,
        already_sent: alreadySent.length,
        no_contact: noContact.length,
        failed: failures.length,
      })
      yield* context.log(`reminded ${plural(sent.length, "student")}`)
      if (failures.length > 0) {
        const tried = sent.length + failures.length
        return yield* new AutomationError({
          message:
            `${failures.length} of ${plural(tried, "attendance reminder")} could not be sent ` +
            `(students ${idList(failures.map((failure) => failure.studentId))}; they are tried again on the next run): ` +
            failures[0]!.reason,
        })
      }
      return { dry_run: false, date: today, from: window.from, to: window.to, ...counts }
    }),
})
