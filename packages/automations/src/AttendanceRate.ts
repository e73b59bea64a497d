/**
 * Attendance rates and the reminder mail for `send_attendance_reminders`, as pure functions
 * over department records' payloads (no I/O: the automation reads the records and sends).
 *
 * The rules, as a family and the school would want them:
 *
 * - The window is a number of school days (Monday to Friday) ending with the school day
 *   before `today`: today's register may still be open in the morning, and an early "absent"
 *   is often corrected to "late". A holiday simply has no marks, so it counts for nobody and
 *   against nobody.
 * - A mark counts for the day its payload names (`date`), whenever it was recorded.
 * - present counts 1, absent 0, late `lateCountsAs` (default 1: late is still at school).
 * - The rate is over the days a student has a mark in the window, so a student who joined
 *   mid-window is rated on their own days. A student with no mark in the window has no rate
 *   and is never reminded.
 * - Statuses are read without regard to case or spaces, and the register's one-letter codes
 *   (P, L, A) are understood. Anything else ("excused", "", a number) is not counted either
 *   way and is reported as an unreadable mark, as is a mark without a student or a valid date.
 * - Two marks for one student and day (two registers, or a correction in another source)
 *   count as one day: the later recorded one wins; recorded at the same time, the better one
 *   (present, then late, then absent), so a contradicted absence never sends a reminder.
 */

export type AttendanceStatus = "present" | "late" | "absent"

/** One student's mark on one day, read from an `attendance` record. */
export interface AttendanceMark {
  readonly studentId: string
  /** `YYYY-MM-DD` */
  readonly date: string
  readonly status: AttendanceStatus
  /** ISO-8601; decides between two marks of one day */
  readonly recordedAt: string
}

/** A student with the contact the reminder goes to, read from a `student` record. */
export interface StudentContact {
  readonly studentId: string
  readonly name: string
  readonly contactName: string | undefined
  /** undefined when absent or not an address a mail can go to */
  readonly contactEmail: string | undefined
}

/** The school days a rate is computed over: `from` to `to`, both included. */
export interface AttendanceWindow {
  readonly from: string
  readonly to: string
  /** the school days (Monday to Friday) in it, oldest first */
  readonly schoolDays: ReadonlyArray<string>
}

/** One student's attendance over a window. */
export interface StudentAttendance {
  readonly studentId: string
  /** days with a mark in the window */
  readonly days: number
  readonly present: number
  readonly late: number
  readonly absent: number
  /** 0..1 */
  readonly rate: number
  readonly absentDates: ReadonlyArray<string>
  readonly lateDates: ReadonlyArray<string>
}

export interface AttendanceRates {
  /** every student with at least one mark in the window, by id */
  readonly students: ReadonlyArray<StudentAttendance>
  /** marks in the window (or without a readable date) that were not counted: no student, date or known status */
  readonly unreadable: number
  /** marks that repeated a student's day and gave way to another mark */
  readonly duplicates: number
}

export interface RateOptions {
  /** what a late mark counts as, 0..1 (default 1: as present) */
  readonly lateCountsAs?: number | undefined
}

const DAY_MS = 24 * 60 * 60 * 1000

const STATUSES: Readonly<Record<string, AttendanceStatus>> = {
  present: "present",
  p: "present",
  late: "late",
  l: "late",
  absent: "absent",
  a: "absent",
}

/** The status a register wrote, or undefined when it is not one of the three. */
export const readStatus = (value: unknown): AttendanceStatus | undefined =>
  typeof value === "string" ? STATUSES[value.trim().toLowerCase()] : undefined

/** `YYYY-MM-DD` that is a real calendar date. */
export const isCalendarDate = (text: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (m === null) return false
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return date.toISOString().slice(0, 10) === text
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined

/** An `attendance` record's payload as a mark, or undefined when it cannot be counted. */
export const readMark = (
  payload: Readonly<Record<string, unknown>>,
  recordedAt: string,
): AttendanceMark | undefined => {
  const studentId = text(payload.student_id)
  const date = text(payload.date)
  const status = readStatus(payload.status)
  if (studentId === undefined || date === undefined || !isCalendarDate(date) || status === undefined) return undefined
  return { studentId, date, status, recordedAt }
}

/** An address a mail can go to: one `@`, no spaces, a dot in the domain. */
export const isMailAddress = (value: string): boolean => /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/.test(value)

/** A `student` record's payload, or undefined without a student id. */
export const readStudent = (payload: Readonly<Record<string, unknown>>): StudentContact | undefined => {
  const studentId = text(payload.student_id)
  if (studentId === undefined) return undefined
  const email = text(payload.contact_email)
  return {
    studentId,
    name: text(payload.name) ?? studentId,
    contactName: text(payload.contact_name),
    contactEmail: email !== undefined && isMailAddress(email) ? email : undefined,
  }
}

const isWeekday = (day: string): boolean => {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
  return weekday !== 0 && weekday !== 6
}

/** The `schoolDays` school days (Monday to Friday) before `today` (`YYYY-MM-DD`, not included). */
export const attendanceWindow = (today: string, schoolDays: number): AttendanceWindow => {
  const days: Array<string> = []
  for (let at = Date.parse(`${today}T00:00:00Z`) - DAY_MS; days.length < schoolDays; at -= DAY_MS) {
    const day = new Date(at).toISOString().slice(0, 10)
    if (isWeekday(day)) days.unshift(day)
  }
  return { from: days[0] ?? today, to: days.at(-1) ?? today, schoolDays: days }
}

/** The calendar date (`YYYY-MM-DD`) of an instant in an IANA time zone (UTC when the zone is unknown). */
export const dateInZone = (at: Date, timeZone: string): string => {
  try {
    // en-CA writes dates as YYYY-MM-DD
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at)
  } catch {
    return at.toISOString().slice(0, 10)
  }
}

const RANK: Readonly<Record<AttendanceStatus, number>> = { present: 2, late: 1, absent: 0 }

/** Of two marks of one day, the one that counts (see the module comment). */
const prevails = (a: AttendanceMark, b: AttendanceMark): AttendanceMark => {
  const at = Date.parse(a.recordedAt) - Date.parse(b.recordedAt)
  if (at !== 0 && !Number.isNaN(at)) return at > 0 ? a : b
  return RANK[a.status] >= RANK[b.status] ? a : b
}

/**
 * Each student's attendance over the window from the payloads of `attendance` records (with
 * their recorded times). Students come out in id order.
 */
export const attendanceRates = (
  records: ReadonlyArray<{ readonly payload: Readonly<Record<string, unknown>>; readonly recordedAt: string }>,
  window: Pick<AttendanceWindow, "from" | "to">,
  options: RateOptions = {},
): AttendanceRates => {
  const late = options.lateCountsAs ?? 1
  const byDay = new Map<string, AttendanceMark>()
  let unreadable = 0
  let duplicates = 0
  for (const record of records) {
    const date = text(record.payload.date)
    // a record of a day outside the window is none of this window's business, readable or not
    if (date !== undefined && isCalendarDate(date) && (date < window.from || date > window.to)) continue
    const mark = readMark(record.payload, record.recordedAt)
    if (mark === undefined) {
      unreadable++
      continue
    }
    const key = `${mark.studentId}\u0000${mark.date}`
    const known = byDay.get(key)
    if (known !== undefined) duplicates++
    byDay.set(key, known === undefined ? mark : prevails(mark, known))
  }
  const byStudent = new Map<string, Array<AttendanceMark>>()
  for (const mark of byDay.values()) {
    const marks = byStudent.get(mark.studentId) ?? []
    marks.push(mark)
    byStudent.set(mark.studentId, marks)
  }
  const students = [...byStudent.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([studentId, marks]): StudentAttendance => {
      const dates = (status: AttendanceStatus) =>
        marks
          .filter((mark) => mark.status === status)
          .map((mark) => mark.date)
          .sort()
      const absentDates = dates("absent")
      const lateDates = dates("late")
      const present = marks.length - absentDates.length - lateDates.length
      return {
        studentId,
        days: marks.length,
        present,
        late: lateDates.length,
        absent: absentDates.length,
        rate: (present + late * lateDates.length) / marks.length,
        absentDates,
        lateDates,
      }
    })
  return { students, unreadable, duplicates }
}

/** The students whose rate is below `threshold` (0..1, strictly below). */
export const belowThreshold = (
  students: ReadonlyArray<StudentAttendance>,
  threshold: number,
): ReadonlyArray<StudentAttendance> => students.filter((student) => student.rate < threshold - 1e-12)

/**
 * A rate as a whole percentage, rounded down, so a rate below the threshold never reads as
 * the threshold itself (89.6% is "89%", not "90%").
 */
export const attendancePercent = (rate: number): number => Math.floor(rate * 100 + 1e-9)

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
]

/** A share as a percentage for reading: `0.9` is "90", `0.855` is "85.5". */
const percentText = (share: number): string => String(Math.round(share * 1000) / 10)

/** `2026-03-10` as `Tuesday 10 March 2026`. */
export const readableDate = (day: string): string => {
  const date = new Date(`${day}T00:00:00Z`)
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`
}

/** `2026-03-10` as `Tuesday 10 March`. */
const shortDate = (day: string): string => readableDate(day).replace(/ \d{4}$/, "")

const days = (count: number) => `${count} ${count === 1 ? "day" : "days"}`

const list = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`

/** How the school signs and who a family can talk to. */
export interface SchoolContact {
  /** who signs the mail, e.g. "Riverside High School" */
  readonly schoolName: string
  /** who to contact, e.g. "the attendance office on 555 0100 or attendance@school.example" */
  readonly contact: string
}

export const DEFAULT_SCHOOL: SchoolContact = { schoolName: "The school office", contact: "the school office" }

/** The reminder a student's contact gets: plain text, kind, the facts they can check. */
export const reminderMail = (input: {
  readonly student: StudentContact
  readonly attendance: StudentAttendance
  readonly window: Pick<AttendanceWindow, "from" | "to">
  /** 0..1: what the school hopes for */
  readonly threshold: number
  readonly school?: SchoolContact | undefined
}): { readonly subject: string; readonly text: string } => {
  const { student, attendance, window } = input
  const school = input.school ?? DEFAULT_SCHOOL
  const name = student.name
  const greeting = student.contactName === undefined ? "Hello," : `Dear ${student.contactName},`
  const missed: Array<string> = []
  if (attendance.absent > 0) missed.push(`absent on ${days(attendance.absent)}`)
  if (attendance.late > 0) missed.push(`late on ${days(attendance.late)}`)
  const lines = [
    greeting,
    "",
    `We are writing about ${name}'s attendance at school between ${readableDate(window.from)} and ` +
      `${readableDate(window.to)}. In that time ${name} had ${attendancePercent(attendance.rate)}% attendance, ` +
      `which is below the ${percentText(input.threshold)}% we hope every student reaches.`,
    "",
    `Of the ${days(attendance.days)} recorded, ${name} was ${missed.length === 0 ? "at school on all of them" : list(missed)}.`,
  ]
  if (attendance.absentDates.length > 0) lines.push(`Absent: ${list(attendance.absentDates.map(shortDate))}.`)
  if (attendance.lateDates.length > 0) lines.push(`Late: ${list(attendance.lateDates.map(shortDate))}.`)
  lines.push(
    "",
    "Every day at school helps, and we would like to help too. If something is making it hard " +
      `for ${name} to come to school, or if any of these dates look wrong to you, please contact ${school.contact}.`,
    "",
    "Thank you,",
    school.schoolName,
  )
  return { subject: `Attendance reminder for ${name}`, text: `${lines.join("\n")}\n` }
}
