/**
 * The scheduling rules of BatchOps jobs, as pure functions over plain values: parsing and
 * checking a five-field cron expression (`minute hour day month weekday`) in an IANA time zone,
 * the next run instants, a description in words, and what to do with ticks missed while the
 * scheduler was down. Nothing here reads a clock or a database: callers pass `now`.
 *
 * Cron syntax is the one of Effect's `Cron` module (which also checks every expression
 * accepted here): `*`, values, ranges `a-b`, steps `*\/n`, `a/n` and `a-b/n`, lists `a,b`;
 * months `1-12` or `jan`..`dec`, weekdays `0-7` (0 and 7 are Sunday) or `sun`..`sat`, names in
 * any case. A seconds field is refused. When both the day and the weekday fields are
 * restricted, a date matches if EITHER matches, unless one of them starts with `*` (as in
 * `*\/2`), in which case both must match (the classic cron rule, and Effect's).
 *
 * Runs are computed per LOCAL date in the job's time zone, by these daylight-saving rules:
 *
 * 1. Spring forward (a local time that does not exist): a job whose hour field names hours
 *    runs ONCE at the first real instant after the gap. `30 2 * * *` in America/Chicago runs on
 *    2024-03-10 at 03:00 local (08:00Z): not skipped, not twice. Several missing times of the
 *    same gap (e.g. `*\/15 2 * * *`) give that one run.
 * 2. Fall back (a local time that occurs twice): a job whose hour field names hours runs ONCE,
 *    at the first occurrence. `30 1 * * *` in America/Chicago runs on 2024-11-03 at 06:30Z
 *    (01:30 CDT), not again at 07:30Z (01:30 CST).
 * 3. A job whose hour field is a wildcard (all 24 hours, e.g. `*\/15 * * * *`) runs at every
 *    real instant whose local time matches: local times inside a spring-forward gap do not
 *    exist and are not run, both occurrences of a repeated local time are run (they are
 *    different instants an hour apart), and no instant is returned twice.
 *
 * Skip dates are local dates (`YYYY-MM-DD`, e.g. school holidays): runs whose local date (the
 * date of the scheduled wall time) is listed are left out.
 *
 * An expression that can never run (`0 0 30 2 *`) is refused when parsed; searches for runs
 * look at most 30 years ahead (or back), enough for any accepted expression (February 29 on a
 * given weekday included).
 */
import { Cron, DateTime, Option, Result, Schema } from "effect"

/** A schedule was refused: which input (`field`) and why, in words for the person who typed it. */
export class ScheduleError extends Schema.TaggedError<ScheduleError>()("ScheduleError", {
  field: Schema.Literals(["cron", "timezone", "skip_dates"]),
  message: Schema.String,
}) {}

/** What a job stores about when it runs. */
export interface ScheduleInput {
  readonly cron: string
  /** an IANA time zone name; default "UTC" */
  readonly timezone?: string | undefined
  /** local dates `YYYY-MM-DD` on which the job does not run */
  readonly skipDates?: ReadonlyArray<string> | undefined
}

/** A checked schedule: a plain value, made by `parseSchedule` only. */
export interface JobSchedule {
  /** the expression, fields separated by one space */
  readonly cron: string
  /** the IANA name of the zone, as given (in canonical case when only the case differed) */
  readonly timezone: string
  /** sorted, without duplicates */
  readonly skipDates: ReadonlyArray<string>
  /** the allowed values of each field, ascending; weekdays 0-6 with 0 = Sunday */
  readonly minutes: ReadonlyArray<number>
  readonly hours: ReadonlyArray<number>
  readonly days: ReadonlyArray<number>
  readonly months: ReadonlyArray<number>
  readonly weekdays: ReadonlyArray<number>
  /**
   * how the day and weekday fields combine: `any` (neither restricts), `day`, `weekday` (only
   * that one restricts), `either` (both restrict, one matching is enough), `both` (both must)
   */
  readonly dayRule: "any" | "day" | "weekday" | "either" | "both"
  /** Effect's parsed form (seconds fixed at 0), for `Cron.match` and the like */
  readonly expression: Cron.Cron
}

export type MisfirePolicy = "skip" | "coalesce_once" | "run_all"

export interface MisfireInput {
  readonly schedule: JobSchedule
  /** the last tick the scheduler handled (ran or recorded missed); null for a new job */
  readonly lastScheduledFor: Date | null
  readonly now: Date
  readonly policy: MisfirePolicy
  /** a tick is on time when `now - tick <= maxLatenessMs` */
  readonly maxLatenessMs: number
  /** how many ticks one call examines at most, per kind (late, on time); default 1,000 */
  readonly maxTicks?: number | undefined
}

export interface MisfirePlan {
  /** the ticks to run now, oldest first */
  readonly run: Array<Date>
  /** the ticks to record as missed, oldest first */
  readonly missed: Array<Date>
  /** the first tick after `now`; null only when the schedule never runs again (skip dates) */
  readonly nextRunAt: Date | null
  /**
   * true when more ticks were due than `maxTicks`: the lists then hold the oldest examined
   * ticks (plus, for `skip` and `coalesce_once`, the latest due tick as the run) and the rest
   * are neither run nor listed
   */
  readonly truncated: boolean
}

/** How many due ticks `planMisfires` examines at most (per kind) unless told otherwise. */
export const MAX_MISFIRE_TICKS = 1000

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** how far `nextRuns` and `previousRun` look: 30 years covers every valid expression */
const HORIZON_DAYS = 366 * 30

const MONTH_NAMES = [
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
const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
const MONTH_ALIASES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
const WEEKDAY_ALIASES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
/** the longest each month can be (February 29 in leap years) */
const MONTH_MAX_DAY = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

interface FieldSpec {
  readonly name: "minute" | "hour" | "day" | "month" | "weekday"
  readonly min: number
  readonly max: number
  readonly aliases?: ReadonlyArray<string>
  readonly accepted: string
}

const SYNTAX = "*, a range a-b, a step */n, a/n or a-b/n, or a list a,b"
const FIELDS: ReadonlyArray<FieldSpec> = [
  { name: "minute", min: 0, max: 59, accepted: `a number 0-59, ${SYNTAX}` },
  { name: "hour", min: 0, max: 23, accepted: `a number 0-23, ${SYNTAX}` },
  { name: "day", min: 1, max: 31, accepted: `a number 1-31, ${SYNTAX}` },
  {
    name: "month",
    min: 1,
    max: 12,
    aliases: MONTH_ALIASES,
    accepted: `a number 1-12 or a name jan..dec (any case), ${SYNTAX}`,
  },
  {
    name: "weekday",
    min: 0,
    max: 7,
    aliases: WEEKDAY_ALIASES,
    accepted: `a number 0-7 (0 and 7 are Sunday) or a name sun..sat (any case), ${SYNTAX}`,
  },
]

const cronError = (message: string) => new ScheduleError({ field: "cron", message })

/** One field to its set of values, or the first thing wrong with it. */
const parseField = (spec: FieldSpec, text: string): Result.Result<Set<number>, ScheduleError> => {
  const values = new Set<number>()
  const invalid = (part: string) =>
    Result.fail(cronError(`${spec.name} "${part}" is not valid: expected ${spec.accepted}`))
  const value = (raw: string): number | undefined => {
    if (/^\d+$/.test(raw)) return Number(raw)
    const alias = spec.aliases?.indexOf(raw.toLowerCase()) ?? -1
    return alias === -1 ? undefined : spec.min + alias
  }
  for (const part of text.split(",")) {
    if (part === "") return invalid(text)
    const slash = part.split("/")
    if (slash.length > 2) return invalid(part)
    const [base = "", stepText] = slash
    let step = 1
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) return invalid(part)
      step = Number(stepText)
      if (step < 1 || step > spec.max) {
        return Result.fail(cronError(`${spec.name} step "${part}" is out of range: a step must be 1-${spec.max}`))
      }
    }
    let from: number
    let to: number
    if (base === "*") {
      from = spec.min
      to = spec.max
    } else {
      const dash = base.split("-")
      if (dash.length > 2) return invalid(part)
      const left = value(dash[0] ?? "")
      const right = dash.length === 2 ? value(dash[1] ?? "") : left
      if (left === undefined || right === undefined) return invalid(part)
      for (const v of [left, right]) {
        if (v < spec.min || v > spec.max) {
          return Result.fail(cronError(`${spec.name} ${v} is out of range ${spec.min}-${spec.max}`))
        }
      }
      if (left > right) {
        return Result.fail(cronError(`${spec.name} range "${part}" goes backwards: write the smaller value first`))
      }
      from = left
      // `a/n` runs from a to the end of the range, as in Effect's Cron
      to = dash.length === 1 && stepText !== undefined ? spec.max : right
    }
    for (let v = from; v <= to; v += step) values.add(spec.name === "weekday" && v === 7 ? 0 : v)
  }
  return Result.succeed(values)
}

const isDate = (text: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  // a day past the month's end (or 00) moves the date; a month past 12 (or 00) moves the year,
  // as does a year below 100, which Date.UTC reads as 19xx
  return date.getUTCFullYear() === y && date.getUTCDate() === d
}

const sorted = (values: Iterable<number>) => Array.from(values).sort((a, b) => a - b)
const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i)

/**
 * Checks a job's schedule: the cron expression field by field, the time zone, the skip dates.
 * The first problem found is the error; a message names the field and the bad value.
 */
export const parseSchedule = (input: ScheduleInput): Result.Result<JobSchedule, ScheduleError> => {
  const text = input.cron.trim()
  const parts = text === "" ? [] : text.split(/\s+/)
  if (parts.length !== 5) {
    const message =
      parts.length === 0
        ? "cron expression is empty: expected five fields (minute hour day month weekday)"
        : parts.length === 6
          ? `cron expression "${text}" has 6 fields: a seconds field is not supported, write exactly five (minute hour day month weekday)`
          : `cron expression "${text}" has ${parts.length} fields; expected exactly five (minute hour day month weekday)`
    return Result.fail(cronError(message))
  }
  const sets: Array<Set<number>> = []
  for (const [i, spec] of FIELDS.entries()) {
    const parsed = parseField(spec, parts[i] ?? "")
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    sets.push(parsed.success)
  }
  const [minuteSet, hourSet, daySet, monthSet, weekdaySet] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ]

  const zoneName = input.timezone ?? "UTC"
  const zone = /^[A-Za-z]/.test(zoneName) ? DateTime.zoneMakeNamed(zoneName) : Option.none()
  if (Option.isNone(zone)) {
    return Result.fail(
      new ScheduleError({
        field: "timezone",
        message: `timezone "${zoneName}" is not a known time zone: use an IANA name such as "UTC" or "America/Chicago"`,
      }),
    )
  }

  const skipDates = input.skipDates ?? []
  for (const [i, date] of skipDates.entries()) {
    if (!isDate(date)) {
      return Result.fail(
        new ScheduleError({
          field: "skip_dates",
          message: `skip_dates[${i}]: "${date}" is not a date: expected YYYY-MM-DD`,
        }),
      )
    }
  }

  const cron = parts.join(" ")
  const expression = Cron.parse(cron, zone.value)
  // not expected: the checks above accept a subset of what Effect's parser accepts
  if (Result.isFailure(expression)) {
    return Result.fail(cronError(`cron expression "${cron}" is not valid: ${expression.failure.message}`))
  }

  // Effect's rule: a field is unrestricted when it is `*` (or `*/1`); both restricted and one
  // starting with `*` (as in `*/2`) means both must match, otherwise either.
  const dayText = parts[2] ?? "*"
  const weekdayText = parts[4] ?? "*"
  const unrestricted = (t: string) => /^\*(\/1)?(,|$)/.test(t)
  const dayRestricted = !unrestricted(dayText)
  const weekdayRestricted = !unrestricted(weekdayText)
  const dayRule: JobSchedule["dayRule"] =
    dayRestricted && weekdayRestricted
      ? dayText.startsWith("*") || weekdayText.startsWith("*")
        ? "both"
        : "either"
      : dayRestricted
        ? "day"
        : weekdayRestricted
          ? "weekday"
          : "any"

  const days = dayRestricted ? sorted(daySet) : range(1, 31)
  const months = sorted(monthSet)
  if (dayRule === "day" || dayRule === "both") {
    const possible = months.some((m) => days.some((d) => d <= (MONTH_MAX_DAY[m - 1] ?? 31)))
    if (!possible) {
      const monthWords = joinWords(
        months.map((m) => MONTH_NAMES[m - 1] ?? String(m)),
        "or",
      )
      const dayWords = joinWords(days.map(String), "or")
      return Result.fail(
        cronError(`cron expression "${cron}" never runs: there is no day ${dayWords} in ${monthWords}`),
      )
    }
  }

  return Result.succeed({
    cron,
    // Intl may canonicalize to an older name (Asia/Kolkata -> Asia/Calcutta): keep the one given
    // unless only its case differs
    timezone: zone.value.id.toLowerCase() === zoneName.toLowerCase() ? zone.value.id : zoneName,
    skipDates: Array.from(new Set(skipDates)).sort(),
    minutes: sorted(minuteSet),
    hours: sorted(hourSet),
    days,
    months,
    weekdays: weekdayRestricted ? sorted(weekdaySet) : range(0, 6),
    dayRule,
    expression: expression.success,
  })
}

// ---------------------------------------------------------------------------------------------
// Run instants

const zoneCache = new Map<string, DateTime.TimeZone>()
const zoneOf = (schedule: JobSchedule): DateTime.TimeZone => {
  let zone = zoneCache.get(schedule.timezone)
  if (zone === undefined) {
    zone = DateTime.zoneMakeNamedUnsafe(schedule.timezone)
    zoneCache.set(schedule.timezone, zone)
  }
  return zone
}

/** the zone's offset from UTC at an instant, in ms (local = utc + offset) */
const offsetAt = (zone: DateTime.TimeZone, t: number): number =>
  DateTime.zonedOffset(DateTime.makeZonedUnsafe(t, { timeZone: zone }))

/** the local day number (days since 1970-01-01 in local time) of an instant */
const localDayOf = (zone: DateTime.TimeZone, t: number): number => Math.floor((t + offsetAt(zone, t)) / DAY)

const isoDate = (dayNumber: number): string => new Date(dayNumber * DAY).toISOString().slice(0, 10)

const dayMatches = (schedule: JobSchedule, dayNumber: number): boolean => {
  const date = new Date(dayNumber * DAY)
  if (!schedule.months.includes(date.getUTCMonth() + 1)) return false
  const day = schedule.days.includes(date.getUTCDate())
  const weekday = schedule.weekdays.includes(date.getUTCDay())
  switch (schedule.dayRule) {
    case "any":
      return true
    case "day":
      return day
    case "weekday":
      return weekday
    case "either":
      return day || weekday
    case "both":
      return day && weekday
  }
}

/** the first instant after a spring-forward gap that swallowed the wall time `wall` */
const gapEnd = (zone: DateTime.TimeZone, wall: number, before: number, after: number): number => {
  // `wall - after` is before the change (offset `before`), `wall - before` after it
  let lo = wall - after
  let hi = wall - before
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (offsetAt(zone, mid) === before) lo = mid
    else hi = mid
  }
  return hi
}

/** the run instants of one local date, ascending, by the rules in the module comment */
const runsOnDay = (schedule: JobSchedule, dayNumber: number): Array<number> => {
  if (!dayMatches(schedule, dayNumber)) return []
  if (schedule.skipDates.includes(isoDate(dayNumber))) return []
  const zone = zoneOf(schedule)
  const midnight = dayNumber * DAY
  const early = offsetAt(zone, midnight - 15 * HOUR)
  const late = offsetAt(zone, midnight + DAY + 15 * HOUR)
  const out: Array<number> = []
  if (early === late) {
    for (const h of schedule.hours) for (const m of schedule.minutes) out.push(midnight + h * HOUR + m * MINUTE - early)
    return out
  }
  // a day near an offset change: check each wall time
  const everyHour = schedule.hours.length === 24
  const seen = new Set<number>()
  for (const h of schedule.hours) {
    for (const m of schedule.minutes) {
      const wall = midnight + h * HOUR + m * MINUTE
      // the instants that show this wall time: none in a gap, two for a repeated time, the
      // earlier first (an offset falls back, so wall - early < wall - late)
      const real = [wall - early, wall - late].filter((t) => wall - t === offsetAt(zone, t))
      const chosen =
        real.length === 0
          ? everyHour
            ? [] // rule 3: the time does not exist today
            : [gapEnd(zone, wall, Math.min(early, late), Math.max(early, late))] // rule 1
          : everyHour
            ? real // rule 3: every real instant
            : real.slice(0, 1) // rule 2: the first occurrence
      for (const t of chosen) seen.add(t)
    }
  }
  out.push(...seen)
  return out.sort((a, b) => a - b)
}

/** Run instants strictly after `after`, ascending, lazily; ends past the horizon. */
function* runsAfter(schedule: JobSchedule, after: number): Generator<number> {
  const zone = zoneOf(schedule)
  const first = localDayOf(zone, after) - 1
  let last = after
  for (let day = first; day <= first + HORIZON_DAYS; day++) {
    for (const t of runsOnDay(schedule, day)) {
      if (t > last) {
        last = t
        yield t
      }
    }
  }
}

/**
 * The next `count` run instants strictly after `after`, ascending, by the daylight-saving
 * rules and skip dates of the module comment. Fewer only if the schedule stops running within
 * 30 years (skip dates covering every remaining run).
 */
export const nextRuns = (schedule: JobSchedule, after: Date, count: number): Array<Date> => {
  const out: Array<Date> = []
  if (count <= 0) return out
  for (const t of runsAfter(schedule, after.getTime())) {
    out.push(new Date(t))
    if (out.length >= count) break
  }
  return out
}

/** The latest run instant at or before `atOrBefore`, or null when none within 30 years. */
export const previousRun = (schedule: JobSchedule, atOrBefore: Date): Date | null => {
  const limit = atOrBefore.getTime()
  const start = localDayOf(zoneOf(schedule), limit) + 1
  for (let day = start; day >= start - HORIZON_DAYS; day--) {
    const runs = runsOnDay(schedule, day)
    for (let i = runs.length - 1; i >= 0; i--) {
      const t = runs[i] as number
      if (t <= limit) return new Date(t)
    }
  }
  return null
}

// ---------------------------------------------------------------------------------------------
// Misfires

/** Ticks in (after, upTo], at most `cap`; `more` when there were others. */
const ticksBetween = (schedule: JobSchedule, after: number, upTo: number, cap: number) => {
  const ticks: Array<Date> = []
  let more = false
  if (upTo <= after) return { ticks, more }
  for (const t of runsAfter(schedule, after)) {
    if (t > upTo) break
    if (ticks.length >= cap) {
      more = true
      break
    }
    ticks.push(new Date(t))
  }
  return { ticks, more }
}

/**
 * What to do with the ticks due since the last one handled, at `now`. A due tick is one with
 * `lastScheduledFor < tick <= now`; it is on time when `now - tick <= maxLatenessMs`, late
 * otherwise.
 *
 * - `run_all`: run every on-time due tick, oldest first; the late ones are missed.
 * - `coalesce_once` (the default of jobs): run ONE catch-up, the latest due tick, when it is on
 *   time; every other due tick is missed. Downtime across three ticks: one run, two missed.
 * - `skip`: run only the latest due tick, and only if it is on time (`maxLatenessMs` is then
 *   meant as a small grace); older ticks are never caught up. With the same `maxLatenessMs` it
 *   plans the same as `coalesce_once`: the two differ in the lateness a site sets for them.
 *
 * A new job (`lastScheduledFor` null) has nothing due: its first run is `nextRunAt`.
 *
 * The cap: at most `maxTicks` late ticks (oldest first) and `maxTicks` on-time ticks are
 * examined, so a years-long downtime of a per-minute job cannot hang. Beyond that `truncated`
 * is true and the ticks not examined are neither run nor listed as missed; `skip` and
 * `coalesce_once` still run the latest due tick (found by searching back from `now`).
 */
export const planMisfires = (input: MisfireInput): MisfirePlan => {
  const { schedule, lastScheduledFor, now, policy, maxLatenessMs } = input
  const cap = Math.max(1, Math.floor(input.maxTicks ?? MAX_MISFIRE_TICKS))
  const nowMs = now.getTime()
  const nextRunAt = nextRuns(schedule, now, 1)[0] ?? null
  if (lastScheduledFor === null || lastScheduledFor.getTime() >= nowMs) {
    return { run: [], missed: [], nextRunAt, truncated: false }
  }
  const lastMs = lastScheduledFor.getTime()
  // on time: tick >= onTimeFrom
  const onTimeFrom = nowMs - Math.max(0, maxLatenessMs)
  const late = ticksBetween(schedule, lastMs, Math.min(nowMs, onTimeFrom - 1), cap)
  const onTime = ticksBetween(schedule, Math.max(lastMs, onTimeFrom - 1), nowMs, cap)
  const truncated = late.more || onTime.more
  if (policy === "run_all") {
    return { run: onTime.ticks, missed: late.ticks, nextRunAt, truncated }
  }
  const latest = onTime.more ? previousRun(schedule, now) : (onTime.ticks.at(-1) ?? null)
  const latestMs = latest?.getTime()
  return {
    run: latest === null ? [] : [latest],
    missed: [...late.ticks, ...onTime.ticks.filter((t) => t.getTime() !== latestMs)],
    nextRunAt,
    truncated,
  }
}

// ---------------------------------------------------------------------------------------------
// Words

function joinWords(items: ReadonlyArray<string>, last = "and"): string {
  if (items.length <= 1) return items.join("")
  return `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`
}

/** runs of consecutive values: 3 or more become "a through b" */
const compact = (values: ReadonlyArray<number>, name: (v: number) => string): string => {
  const groups: Array<string> = []
  let i = 0
  while (i < values.length) {
    let j = i
    // past the end, values[j + 1] is undefined, which equals no number
    while (values[j + 1] === (values[j] as number) + 1) j++
    const a = values[i] as number
    const b = values[j] as number
    if (j - i >= 2) groups.push(`${name(a)} through ${name(b)}`)
    else for (let k = i; k <= j; k++) groups.push(name(values[k] as number))
    i = j + 1
  }
  return joinWords(groups)
}

/** the step n when values are exactly 0, n, 2n, ... up to `size`, n dividing `size` */
const evenStep = (values: ReadonlyArray<number>, size: number): number | undefined => {
  const step = values[1] ?? 0
  // as many values as steps fit in `size`, and each i steps from 0
  if (values.length * step !== size) return undefined
  return values.every((v, i) => v === i * step) ? step : undefined
}

/** an hour step as an ordinal: the steps that divide 24 are 2nd, 3rd, 4th, 6th, 8th and 12th */
const ordinal = (n: number): string => `${n}${n === 2 ? "nd" : n === 3 ? "rd" : "th"}`

const pad = (n: number) => String(n).padStart(2, "0")

/** the time-of-day part */
const describeTime = (s: JobSchedule): string => {
  const allMinutes = s.minutes.length === 60
  const allHours = s.hours.length === 24
  const minuteStep = allMinutes ? 1 : evenStep(s.minutes, 60)
  const hourStep = allHours ? 1 : evenStep(s.hours, 24)
  const hoursWords = (prep: string) =>
    hourStep !== undefined
      ? `${prep} every ${ordinal(hourStep)} hour`
      : `${prep} hour${s.hours.length === 1 ? "" : "s"} ${compact(s.hours, String)}`
  if (allHours) {
    if (allMinutes) return "every minute"
    // a step of 1 is every minute: a step here is 2 or more
    if (minuteStep !== undefined) return `every ${minuteStep} minutes`
    return `at minute${s.minutes.length === 1 ? "" : "s"} ${compact(s.minutes, String)} past every hour`
  }
  // (a single hour has no step)
  if (s.minutes.length * s.hours.length <= 6 && hourStep === undefined) {
    const times = s.hours.flatMap((h) => s.minutes.map((m) => `${pad(h)}:${pad(m)}`))
    return `at ${joinWords(times)}`
  }
  if (allMinutes) return `every minute ${hoursWords("during")}`
  if (minuteStep !== undefined) return `every ${minuteStep} minutes ${hoursWords("during")}`
  return `at minute${s.minutes.length === 1 ? "" : "s"} ${compact(s.minutes, String)} ${hoursWords("past")}`
}

const describeDays = (s: JobSchedule): string => {
  const dayWords = () => `on day${s.days.length === 1 ? "" : "s"} ${compact(s.days, String)} of the month`
  const weekdayWords = () => {
    // Sunday last when the list wraps the weekend (sat, sun) reads better as Monday-first
    const mondayFirst = [...s.weekdays].map((d) => (d === 0 ? 7 : d)).sort((a, b) => a - b)
    return `on ${compact(mondayFirst, (d) => WEEKDAY_NAMES[d % 7] ?? String(d))}`
  }
  switch (s.dayRule) {
    case "any":
      return "every day"
    case "day":
      return dayWords()
    case "weekday":
      return weekdayWords()
    case "either":
      return `${dayWords()} and ${weekdayWords()}`
    case "both":
      return `${dayWords()} if it is ${weekdayWords().replace(/^on /, "a ").replace(/ and /g, " or ")}`
  }
}

/**
 * The schedule in words, e.g. `every 15 minutes`, `at 07:00 on Monday through Friday
 * (America/Chicago)`, `at minute 0 past every 6th hour (UTC)`. Lists every value rather than
 * guess when the expression has no short form. The zone is named in every description but
 * `every minute` and `every N minutes` (N dividing 60), the only ones true in any zone; skip
 * dates are counted, not listed.
 */
export const describeSchedule = (schedule: JobSchedule): string => {
  const time = describeTime(schedule)
  const minutesOnly = schedule.hours.length === 24 && schedule.dayRule === "any" && schedule.months.length === 12
  if (minutesOnly && !time.startsWith("at minute")) {
    return withSkips(time, schedule)
  }
  const months =
    schedule.months.length === 12 ? "" : ` in ${compact(schedule.months, (m) => MONTH_NAMES[m - 1] ?? String(m))}`
  const days = describeDays(schedule)
  const clock = /^at \d/.test(time)
  const dayPart = schedule.dayRule === "any" && !clock ? "" : ` ${days}`
  const text = `${time}${dayPart}${months} (${schedule.timezone})`
  return withSkips(text, schedule)
}

const withSkips = (text: string, schedule: JobSchedule): string => {
  const n = schedule.skipDates.length
  return n === 0 ? text : `${text}, except on ${n} skipped date${n === 1 ? "" : "s"}`
}
