import {
  describeSchedule,
  type JobSchedule,
  MAX_MISFIRE_TICKS,
  nextRuns,
  parseSchedule,
  planMisfires,
  previousRun,
  ScheduleError,
} from "@batchops/core"
import { Cron, DateTime, Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const schedule = (cron: string, timezone?: string, skipDates?: Array<string>): JobSchedule =>
  Result.getOrThrow(parseSchedule({ cron, timezone, skipDates }))

const refused = (cron: string, timezone?: string, skipDates?: Array<string>): ScheduleError => {
  const result = parseSchedule({ cron, timezone, skipDates })
  if (Result.isSuccess(result)) throw new Error(`expected "${cron}" to be refused`)
  return result.failure
}

const iso = (dates: ReadonlyArray<Date>) => dates.map((d) => d.toISOString())
const runs = (s: JobSchedule, after: string, count: number) => iso(nextRuns(s, new Date(after), count))
const between = (s: JobSchedule, from: string, to: string) =>
  iso(nextRuns(s, new Date(from), 500).filter((d) => d.getTime() <= new Date(to).getTime()))

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe("parseSchedule", () => {
  it("accepts five fields, defaults the zone to UTC and normalizes spacing", () => {
    const s = schedule("  */15   *  * * * ")
    expect(s.cron).toBe("*/15 * * * *")
    expect(s.timezone).toBe("UTC")
    expect(s.minutes).toEqual([0, 15, 30, 45])
    expect(s.dayRule).toBe("any")
  })

  it("accepts names of months and weekdays in any case, ranges, steps and lists", () => {
    const s = schedule("5,10-20/5 8-17 1,15 JAN-mar,Dec MON-fri", "america/chicago")
    expect(s.minutes).toEqual([5, 10, 15, 20])
    expect(s.hours).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
    expect(s.months).toEqual([1, 2, 3, 12])
    expect(s.weekdays).toEqual([1, 2, 3, 4, 5])
    expect(s.timezone).toBe("America/Chicago")
    expect(s.dayRule).toBe("either")
  })

  it("keeps the zone name as given, in its canonical case", () => {
    expect(schedule("* * * * *", "utc").timezone).toBe("UTC")
    expect(schedule("* * * * *", "Asia/Kolkata").timezone).toBe("Asia/Kolkata")
    expect(schedule("* * * * *", "europe/london").timezone).toBe("Europe/London")
  })

  it("reads 7 as Sunday and `a/n` as from a to the end of the range", () => {
    expect(schedule("0 0 * * 7").weekdays).toEqual([0])
    expect(schedule("50/5 0 * * *").minutes).toEqual([50, 55])
  })

  it("combines day and weekday like cron: either, or both when one starts with *", () => {
    expect(schedule("0 0 1 * 1").dayRule).toBe("either")
    expect(schedule("0 0 */2 * 1").dayRule).toBe("both")
    expect(schedule("0 0 1 * *").dayRule).toBe("day")
    expect(schedule("0 0 * * 1").dayRule).toBe("weekday")
  })

  it("keeps skip dates sorted and without duplicates", () => {
    expect(schedule("0 7 * * *", "UTC", ["2024-12-25", "2024-01-01", "2024-12-25"]).skipDates).toEqual([
      "2024-01-01",
      "2024-12-25",
    ])
  })

  it("refuses an empty expression and a wrong number of fields", () => {
    expect(refused("").message).toBe("cron expression is empty: expected five fields (minute hour day month weekday)")
    expect(refused("* * *").message).toBe(
      'cron expression "* * *" has 3 fields; expected exactly five (minute hour day month weekday)',
    )
    expect(refused("0 0 0 0 0 0 0").message).toContain("has 7 fields")
  })

  it("refuses six fields, saying a seconds field is not supported", () => {
    const error = refused("0 30 2 * * *")
    expect(error).toBeInstanceOf(ScheduleError)
    expect(error._tag).toBe("ScheduleError")
    expect(error.field).toBe("cron")
    expect(error.message).toBe(
      'cron expression "0 30 2 * * *" has 6 fields: a seconds field is not supported, write exactly five (minute hour day month weekday)',
    )
  })

  it("names the field and the value out of range", () => {
    expect(refused("61 * * * *").message).toBe("minute 61 is out of range 0-59")
    expect(refused("* 24 * * *").message).toBe("hour 24 is out of range 0-23")
    expect(refused("* * 0 * *").message).toBe("day 0 is out of range 1-31")
    expect(refused("* * 32 * *").message).toBe("day 32 is out of range 1-31")
    expect(refused("* * * 13 *").message).toBe("month 13 is out of range 1-12")
    expect(refused("* * * * 8").message).toBe("weekday 8 is out of range 0-7")
    expect(refused("0-60 * * * *").message).toBe("minute 60 is out of range 0-59")
  })

  it("names the field and the bad value, and says what is accepted", () => {
    expect(refused("* * * * MON-FRX").message).toBe(
      'weekday "MON-FRX" is not valid: expected a number 0-7 (0 and 7 are Sunday) or a name sun..sat (any case), *, a range a-b, a step */n, a/n or a-b/n, or a list a,b',
    )
    expect(refused("* * * foo *").message).toBe(
      'month "foo" is not valid: expected a number 1-12 or a name jan..dec (any case), *, a range a-b, a step */n, a/n or a-b/n, or a list a,b',
    )
    expect(refused("a * * * *").message).toBe(
      'minute "a" is not valid: expected a number 0-59, *, a range a-b, a step */n, a/n or a-b/n, or a list a,b',
    )
    expect(refused("1,,2 * * * *").message).toContain('minute "1,,2" is not valid')
    expect(refused("* */2/3 * * *").message).toContain('hour "*/2/3" is not valid')
    expect(refused("* 1-2-3 * * *").message).toContain('hour "1-2-3" is not valid')
    expect(refused("* * * * -1").message).toContain('weekday "-1" is not valid')
  })

  it("refuses steps out of range and backward ranges", () => {
    expect(refused("*/0 * * * *").message).toBe('minute step "*/0" is out of range: a step must be 1-59')
    expect(refused("0 */24 * * *").message).toBe('hour step "*/24" is out of range: a step must be 1-23')
    expect(refused("0 0 * * */x").message).toContain('weekday "*/x" is not valid')
    expect(refused("5-1 * * * *").message).toBe('minute range "5-1" goes backwards: write the smaller value first')
    expect(refused("0 0 * * fri-mon").message).toBe(
      'weekday range "fri-mon" goes backwards: write the smaller value first',
    )
  })

  it("refuses an expression that can never run", () => {
    expect(refused("0 0 30 2 *").message).toBe(
      'cron expression "0 0 30 2 *" never runs: there is no day 30 in February',
    )
    expect(refused("0 0 31 4,6 *").message).toBe(
      'cron expression "0 0 31 4,6 *" never runs: there is no day 31 in April or June',
    )
    // February 29 exists in leap years; a weekday alternative makes day 30 reachable
    expect(Result.isSuccess(parseSchedule({ cron: "0 0 29 2 *" }))).toBe(true)
    expect(Result.isSuccess(parseSchedule({ cron: "0 0 30 2 1" }))).toBe(true)
  })

  it("refuses an unknown time zone, naming it", () => {
    const error = refused("* * * * *", "Mars/Base")
    expect(error.field).toBe("timezone")
    expect(error.message).toBe(
      'timezone "Mars/Base" is not a known time zone: use an IANA name such as "UTC" or "America/Chicago"',
    )
    expect(refused("* * * * *", "").field).toBe("timezone")
    expect(refused("* * * * *", "+05:30").message).toContain('timezone "+05:30" is not a known time zone')
  })

  it("refuses a skip date that is not a date, naming its position", () => {
    const error = refused("0 7 * * *", "UTC", ["2024-01-01", "2024-02-29", "2024-13-01"])
    expect(error.field).toBe("skip_dates")
    expect(error.message).toBe('skip_dates[2]: "2024-13-01" is not a date: expected YYYY-MM-DD')
    expect(refused("0 7 * * *", "UTC", ["2023-02-29"]).message).toContain('skip_dates[0]: "2023-02-29" is not a date')
    expect(refused("0 7 * * *", "UTC", ["2024/01/01"]).message).toContain('skip_dates[0]: "2024/01/01" is not a date')
  })

  it("keeps Effect's parsed Cron for matching", () => {
    const s = schedule("0 7 * * mon-fri", "America/Chicago")
    expect(Cron.match(s.expression, new Date("2024-06-03T12:00:00Z"))).toBe(true)
    expect(Cron.match(s.expression, new Date("2024-06-02T12:00:00Z"))).toBe(false)
  })
})

describe("nextRuns", () => {
  it("gives the next five runs in UTC, strictly after the given instant", () => {
    expect(runs(schedule("0 0 1 * *"), "2024-01-01T00:00:00Z", 5)).toEqual([
      "2024-02-01T00:00:00.000Z",
      "2024-03-01T00:00:00.000Z",
      "2024-04-01T00:00:00.000Z",
      "2024-05-01T00:00:00.000Z",
      "2024-06-01T00:00:00.000Z",
    ])
    expect(runs(schedule("*/15 * * * *"), "2024-01-01T23:40:00Z", 5)).toEqual([
      "2024-01-01T23:45:00.000Z",
      "2024-01-02T00:00:00.000Z",
      "2024-01-02T00:15:00.000Z",
      "2024-01-02T00:30:00.000Z",
      "2024-01-02T00:45:00.000Z",
    ])
    expect(runs(schedule("0 12 29 2 *"), "2024-03-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T12:00:00.000Z",
      "2032-02-29T12:00:00.000Z",
    ])
    expect(nextRuns(schedule("* * * * *"), new Date(), 0)).toEqual([])
  })

  it("runs on either the day or the weekday when both are given, on both with *", () => {
    // the 13th, or any Friday, in September 2024
    expect(runs(schedule("0 9 13 9 fri"), "2024-09-01T00:00:00Z", 5)).toEqual([
      "2024-09-06T09:00:00.000Z",
      "2024-09-13T09:00:00.000Z",
      "2024-09-20T09:00:00.000Z",
      "2024-09-27T09:00:00.000Z",
      "2025-09-05T09:00:00.000Z",
    ])
    // odd days that are Mondays
    expect(runs(schedule("0 0 */2 * mon"), "2024-01-01T00:00:00Z", 3)).toEqual([
      "2024-01-15T00:00:00.000Z",
      "2024-01-29T00:00:00.000Z",
      "2024-02-05T00:00:00.000Z",
    ])
  })

  it("follows Europe/London across the change to summer time", () => {
    expect(runs(schedule("0 9 * * 1-5", "Europe/London"), "2024-03-28T00:00:00Z", 5)).toEqual([
      "2024-03-28T09:00:00.000Z",
      "2024-03-29T09:00:00.000Z",
      "2024-04-01T08:00:00.000Z",
      "2024-04-02T08:00:00.000Z",
      "2024-04-03T08:00:00.000Z",
    ])
  })

  it("follows Asia/Kolkata's half-hour offset", () => {
    expect(runs(schedule("30 6 * * *", "Asia/Kolkata"), "2024-01-01T00:00:00Z", 5)).toEqual([
      "2024-01-01T01:00:00.000Z",
      "2024-01-02T01:00:00.000Z",
      "2024-01-03T01:00:00.000Z",
      "2024-01-04T01:00:00.000Z",
      "2024-01-05T01:00:00.000Z",
    ])
    expect(runs(schedule("0 * * * *", "Asia/Kolkata"), "2024-01-01T00:00:00Z", 5)).toEqual([
      "2024-01-01T00:30:00.000Z",
      "2024-01-01T01:30:00.000Z",
      "2024-01-01T02:30:00.000Z",
      "2024-01-01T03:30:00.000Z",
      "2024-01-01T04:30:00.000Z",
    ])
    // Monday 2024-01-01 00:00 in Kolkata is still Sunday 18:30 in UTC
    expect(runs(schedule("0 0 * * mon", "Asia/Kolkata"), "2023-12-30T00:00:00Z", 2)).toEqual([
      "2023-12-31T18:30:00.000Z",
      "2024-01-07T18:30:00.000Z",
    ])
  })

  it("runs 02:30 in America/Chicago exactly once on 2024-03-10, at 03:00 local (08:00Z)", () => {
    const s = schedule("30 2 * * *", "America/Chicago")
    expect(runs(s, "2024-03-08T12:00:00Z", 4)).toEqual([
      "2024-03-09T08:30:00.000Z",
      "2024-03-10T08:00:00.000Z",
      "2024-03-11T07:30:00.000Z",
      "2024-03-12T07:30:00.000Z",
    ])
  })

  it("runs 01:30 in America/Chicago exactly once on 2024-11-03, at its first occurrence", () => {
    const s = schedule("30 1 * * *", "America/Chicago")
    expect(runs(s, "2024-11-01T12:00:00Z", 4)).toEqual([
      "2024-11-02T06:30:00.000Z",
      "2024-11-03T06:30:00.000Z",
      "2024-11-04T07:30:00.000Z",
      "2024-11-05T07:30:00.000Z",
    ])
  })

  it("runs */30 across the spring-forward change with no duplicate and no gap but the real one", () => {
    const s = schedule("*/30 * * * *", "America/Chicago")
    expect(between(s, "2024-03-10T06:50:00Z", "2024-03-10T09:00:00Z")).toEqual([
      "2024-03-10T07:00:00.000Z", // 01:00 CST
      "2024-03-10T07:30:00.000Z", // 01:30 CST; 02:00 and 02:30 do not exist
      "2024-03-10T08:00:00.000Z", // 03:00 CDT
      "2024-03-10T08:30:00.000Z",
      "2024-03-10T09:00:00.000Z",
    ])
    const day = nextRuns(s, new Date("2024-03-09T12:00:00Z"), 200)
    for (let i = 1; i < day.length; i++) {
      expect((day[i] as Date).getTime() - (day[i - 1] as Date).getTime()).toBe(30 * MINUTE)
    }
  })

  it("runs */30 across the fall-back change on every real instant, each once", () => {
    const s = schedule("*/30 * * * *", "America/Chicago")
    expect(between(s, "2024-11-03T05:50:00Z", "2024-11-03T08:00:00Z")).toEqual([
      "2024-11-03T06:00:00.000Z", // 01:00 CDT
      "2024-11-03T06:30:00.000Z", // 01:30 CDT
      "2024-11-03T07:00:00.000Z", // 01:00 CST
      "2024-11-03T07:30:00.000Z", // 01:30 CST
      "2024-11-03T08:00:00.000Z", // 02:00 CST
    ])
    const day = nextRuns(s, new Date("2024-11-02T12:00:00Z"), 200)
    expect(new Set(iso(day)).size).toBe(day.length)
    for (let i = 1; i < day.length; i++) {
      expect((day[i] as Date).getTime() - (day[i - 1] as Date).getTime()).toBe(30 * MINUTE)
    }
  })

  it("gives one run for several missing times of the same gap, and for a time and its gap", () => {
    expect(
      between(schedule("*/15 2 * * *", "America/Chicago"), "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z"),
    ).toEqual(["2024-03-10T08:00:00.000Z"])
    expect(between(schedule("0 2,3 * * *", "America/Chicago"), "2024-03-10T00:00:00Z", "2024-03-11T00:00:00Z")).toEqual(
      ["2024-03-10T08:00:00.000Z"],
    )
  })

  it("applies the same rules in Europe/London", () => {
    // 01:30 does not exist on 2024-03-31: 02:00 BST (01:00Z)
    expect(between(schedule("30 1 * * *", "Europe/London"), "2024-03-30T12:00:00Z", "2024-04-01T12:00:00Z")).toEqual([
      "2024-03-31T01:00:00.000Z",
      "2024-04-01T00:30:00.000Z",
    ])
    // 01:30 happens twice on 2024-10-27: the first, BST (00:30Z)
    expect(between(schedule("30 1 * * *", "Europe/London"), "2024-10-26T12:00:00Z", "2024-10-28T12:00:00Z")).toEqual([
      "2024-10-27T00:30:00.000Z",
      "2024-10-28T01:30:00.000Z",
    ])
  })

  it("leaves out runs on skip dates, as local dates, and finds the next ones", () => {
    const s = schedule("0 7 * * mon-fri", "America/Chicago", ["2024-11-28", "2024-11-29"])
    expect(runs(s, "2024-11-26T00:00:00Z", 3)).toEqual([
      "2024-11-26T13:00:00.000Z",
      "2024-11-27T13:00:00.000Z",
      "2024-12-02T13:00:00.000Z",
    ])
    // 23:30 local on 2024-12-24 is 05:30Z on the 25th: the local date decides
    const late = schedule("30 23 * * *", "America/Chicago", ["2024-12-24"])
    expect(runs(late, "2024-12-23T12:00:00Z", 2)).toEqual(["2024-12-24T05:30:00.000Z", "2024-12-26T05:30:00.000Z"])
  })

  it("finds the previous run at or before an instant", () => {
    const s = schedule("30 2 * * *", "America/Chicago")
    expect(previousRun(s, new Date("2024-03-10T12:00:00Z"))?.toISOString()).toBe("2024-03-10T08:00:00.000Z")
    expect(previousRun(s, new Date("2024-03-10T08:00:00Z"))?.toISOString()).toBe("2024-03-10T08:00:00.000Z")
    expect(previousRun(s, new Date("2024-03-10T07:59:59Z"))?.toISOString()).toBe("2024-03-09T08:30:00.000Z")
  })

  it("gives increasing instants matching the cron in local time, but for the spring-forward shift", () => {
    const values = (min: number, max: number) => fc.integer({ min, max })
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        values(min, max).map(String),
        fc.tuple(values(min, max), values(min, max)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        values(1, Math.min(max, 12)).map((n) => `*/${n}`),
        fc.uniqueArray(values(min, max), { minLength: 2, maxLength: 4 }).map((xs) => xs.join(",")),
      )
    const zones = ["UTC", "America/Chicago", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"]
    const cronArb = fc
      .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6))
      .map((fields) => fields.join(" "))
    fc.assert(
      fc.property(
        cronArb,
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2026, 0, 1) }),
        (cron, timezone, after) => {
          const s = schedule(cron, timezone)
          const zone = DateTime.zoneMakeNamedUnsafe(s.timezone)
          const offset = (t: number) => DateTime.zonedOffset(DateTime.makeZonedUnsafe(t, { timeZone: zone }))
          const found = nextRuns(s, new Date(after), 30)
          // rare combinations (February 3rd on an even weekday) may not give 30 within the horizon
          expect(found.length).toBeGreaterThan(0)
          let previous = after
          for (const d of found) {
            const t = d.getTime()
            expect(t).toBeGreaterThan(previous)
            previous = t
            if (!Cron.match(s.expression, d)) {
              // rule 1: only at the first instant after a spring-forward gap, hours named
              expect(offset(t)).toBeGreaterThan(offset(t - 1000))
              expect(s.hours.length).toBeLessThan(24)
            }
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it("with an hour wildcard, gives exactly the real instants matching in local time (no gaps)", () => {
    const minuteField = fc.oneof(
      fc.constant("*/30"),
      fc.constant("*/15"),
      fc.integer({ min: 0, max: 59 }).map(String),
      fc.constant("0,45"),
    )
    // days around changes of offset in each zone
    const around = [
      ["America/Chicago", Date.UTC(2024, 2, 10, 8)],
      ["America/Chicago", Date.UTC(2024, 10, 3, 7)],
      ["Europe/London", Date.UTC(2024, 2, 31, 1)],
      ["Europe/London", Date.UTC(2024, 9, 27, 1)],
      ["Australia/Lord_Howe", Date.UTC(2024, 3, 6, 15)],
    ] as const
    fc.assert(
      fc.property(minuteField, fc.constantFrom(...around), fc.integer({ min: -20, max: 4 }), (minutes, [tz, at], h) => {
        const s = schedule(`${minutes} * * * *`, tz)
        const from = at + h * HOUR
        const to = from + 24 * HOUR
        const expected: Array<string> = []
        for (let t = from - (from % MINUTE) + MINUTE; t <= to; t += MINUTE) {
          if (Cron.match(s.expression, new Date(t))) expected.push(new Date(t).toISOString())
        }
        expect(between(s, new Date(from).toISOString(), new Date(to).toISOString())).toEqual(expected)
      }),
      { numRuns: 25 },
    )
  })
})

describe("describeSchedule", () => {
  it("says the common schedules in words", () => {
    expect(describeSchedule(schedule("*/15 * * * *"))).toBe("every 15 minutes")
    expect(describeSchedule(schedule("* * * * *"))).toBe("every minute")
    expect(describeSchedule(schedule("0 7 * * 1-5", "America/Chicago"))).toBe(
      "at 07:00 on Monday through Friday (America/Chicago)",
    )
    expect(describeSchedule(schedule("0 7 * * MON-FRI", "America/Chicago"))).toBe(
      "at 07:00 on Monday through Friday (America/Chicago)",
    )
    expect(describeSchedule(schedule("30 2 * * *"))).toBe("at 02:30 every day (UTC)")
    expect(describeSchedule(schedule("30 3 * * 0"))).toBe("at 03:30 on Sunday (UTC)")
    expect(describeSchedule(schedule("0 */6 * * *"))).toBe("at minute 0 past every 6th hour (UTC)")
    expect(describeSchedule(schedule("0 6 1 * *"))).toBe("at 06:00 on day 1 of the month (UTC)")
    expect(describeSchedule(schedule("0 * * * *", "Asia/Kolkata"))).toBe("at minute 0 past every hour (Asia/Kolkata)")
  })

  it("lists every value when there is no short form", () => {
    expect(describeSchedule(schedule("*/7 * * * *"))).toBe(
      "at minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56 past every hour (UTC)",
    )
    expect(describeSchedule(schedule("5,35 8-17 * jan,jul 1,3,5"))).toBe(
      "at minutes 5 and 35 past hours 8 through 17 on Monday, Wednesday and Friday in January and July (UTC)",
    )
    expect(describeSchedule(schedule("0 8,12,17 * * 6,0"))).toBe(
      "at 08:00, 12:00 and 17:00 on Saturday and Sunday (UTC)",
    )
    expect(describeSchedule(schedule("0 0 1,15 * 1"))).toBe(
      "at 00:00 on days 1 and 15 of the month and on Monday (UTC)",
    )
    expect(describeSchedule(schedule("0 0 1-7 * */2"))).toBe(
      "at 00:00 on days 1 through 7 of the month if it is a Tuesday, Thursday, Saturday or Sunday (UTC)",
    )
    expect(describeSchedule(schedule("*/10 9-10 * * *"))).toBe("every 10 minutes during hours 9 and 10 (UTC)")
    // 5 does not divide 24: the hours are listed, not "every 5th hour"
    expect(describeSchedule(schedule("0 */5 * * *"))).toBe("at 00:00, 05:00, 10:00, 15:00 and 20:00 every day (UTC)")
    expect(describeSchedule(schedule("15 */5 * * *"))).toBe("at 00:15, 05:15, 10:15, 15:15 and 20:15 every day (UTC)")
    expect(describeSchedule(schedule("0,30 */5 * * *"))).toBe("every 30 minutes during hours 0, 5, 10, 15 and 20 (UTC)")
    expect(describeSchedule(schedule("0,20 */5 * * *"))).toBe(
      "at minutes 0 and 20 past hours 0, 5, 10, 15 and 20 (UTC)",
    )
  })

  it("counts skip dates", () => {
    expect(describeSchedule(schedule("0 7 * * 1-5", "UTC", ["2024-12-25", "2024-12-26"]))).toBe(
      "at 07:00 on Monday through Friday (UTC), except on 2 skipped dates",
    )
  })
})

describe("planMisfires", () => {
  const hourly = schedule("0 * * * *")
  const last = new Date("2024-01-01T00:00:00Z")
  // down from 00:00 to 03:10: the ticks of 01:00, 02:00 and 03:00 are due
  const now = new Date("2024-01-01T03:10:00Z")
  const plan = (policy: "skip" | "coalesce_once" | "run_all", maxLatenessMs: number) => {
    const p = planMisfires({ schedule: hourly, lastScheduledFor: last, now, policy, maxLatenessMs })
    return { run: iso(p.run), missed: iso(p.missed), nextRunAt: p.nextRunAt?.toISOString(), truncated: p.truncated }
  }

  it("coalesce_once: one catch-up run (the latest tick) and the others missed", () => {
    expect(plan("coalesce_once", HOUR)).toEqual({
      run: ["2024-01-01T03:00:00.000Z"],
      missed: ["2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z"],
      nextRunAt: "2024-01-01T04:00:00.000Z",
      truncated: false,
    })
  })

  it("coalesce_once: nothing runs when even the latest tick is too late", () => {
    expect(plan("coalesce_once", 5 * MINUTE).run).toEqual([])
    expect(plan("coalesce_once", 5 * MINUTE).missed).toHaveLength(3)
  })

  it("run_all: every tick within the lateness limit, oldest first; the others missed", () => {
    expect(plan("run_all", 3 * HOUR + 10 * MINUTE)).toMatchObject({
      run: ["2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z"],
      missed: [],
    })
    expect(plan("run_all", 2 * HOUR)).toMatchObject({
      run: ["2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z"],
      missed: ["2024-01-01T01:00:00.000Z"],
    })
  })

  it("skip: only the latest tick, and only within the grace; never older ones", () => {
    expect(plan("skip", 5 * MINUTE)).toMatchObject({
      run: [],
      missed: ["2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z"],
    })
    expect(plan("skip", 15 * MINUTE)).toMatchObject({
      run: ["2024-01-01T03:00:00.000Z"],
      missed: ["2024-01-01T01:00:00.000Z", "2024-01-01T02:00:00.000Z"],
    })
  })

  it("counts a tick exactly maxLatenessMs late as on time", () => {
    expect(plan("coalesce_once", 10 * MINUTE).run).toEqual(["2024-01-01T03:00:00.000Z"])
    expect(plan("coalesce_once", 10 * MINUTE - 1).run).toEqual([])
    expect(plan("run_all", 70 * MINUTE).run).toEqual(["2024-01-01T02:00:00.000Z", "2024-01-01T03:00:00.000Z"])
  })

  it("has nothing due for a new job, nor when the last tick is the latest", () => {
    const fresh = planMisfires({
      schedule: hourly,
      lastScheduledFor: null,
      now,
      policy: "run_all",
      maxLatenessMs: HOUR,
    })
    expect(fresh).toEqual({ run: [], missed: [], nextRunAt: new Date("2024-01-01T04:00:00Z"), truncated: false })
    const upToDate = planMisfires({
      schedule: hourly,
      lastScheduledFor: new Date("2024-01-01T03:00:00Z"),
      now,
      policy: "coalesce_once",
      maxLatenessMs: HOUR,
    })
    expect(upToDate).toEqual({ run: [], missed: [], nextRunAt: new Date("2024-01-01T04:00:00Z"), truncated: false })
  })

  it("caps the ticks examined so a years-long downtime of a per-minute job is quick", () => {
    const started = Date.now()
    const p = planMisfires({
      schedule: schedule("* * * * *"),
      lastScheduledFor: new Date("2020-01-01T00:00:00Z"),
      now: new Date("2024-01-01T03:10:30Z"),
      policy: "coalesce_once",
      maxLatenessMs: 30 * MINUTE,
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(p.truncated).toBe(true)
    expect(iso(p.run)).toEqual(["2024-01-01T03:10:00.000Z"])
    // the oldest 1,000 late ticks, then the 29 on-time ones (02:41..03:09) not run
    expect(p.missed).toHaveLength(MAX_MISFIRE_TICKS + 29)
    expect(p.missed.at(-1)?.toISOString()).toBe("2024-01-01T03:09:00.000Z")
    expect(p.missed[MAX_MISFIRE_TICKS]?.toISOString()).toBe("2024-01-01T02:41:00.000Z")
    expect(p.missed[0]?.toISOString()).toBe("2020-01-01T00:01:00.000Z")
    expect(p.nextRunAt?.toISOString()).toBe("2024-01-01T03:11:00.000Z")
  })

  it("caps run_all's runs too, oldest first, and says so", () => {
    const p = planMisfires({
      schedule: schedule("* * * * *"),
      lastScheduledFor: new Date("2024-01-01T00:00:00Z"),
      now: new Date("2024-01-01T03:00:00Z"),
      policy: "run_all",
      maxLatenessMs: 24 * HOUR,
      maxTicks: 10,
    })
    expect(p.truncated).toBe(true)
    expect(p.missed).toEqual([])
    expect(iso(p.run)).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2024, 0, 1, 0, i + 1)).toISOString()),
    )
  })

  it("plans across the fall-back change without running the repeated hour twice", () => {
    const p = planMisfires({
      schedule: schedule("30 1 * * *", "America/Chicago"),
      lastScheduledFor: new Date("2024-11-02T06:30:00Z"),
      now: new Date("2024-11-03T08:00:00Z"),
      policy: "run_all",
      maxLatenessMs: 6 * HOUR,
    })
    expect(iso(p.run)).toEqual(["2024-11-03T06:30:00.000Z"])
    expect(p.missed).toEqual([])
  })
})

describe("schedule rules at the case that decides them", () => {
  it("names every month, from numbers or names in any case", () => {
    expect(describeSchedule(schedule("0 0 1 3,5,8-12 *"))).toBe(
      "at 00:00 on day 1 of the month in March, May and August through December (UTC)",
    )
    expect(describeSchedule(schedule("0 0 1 JUN-AUG *"))).toBe(
      "at 00:00 on day 1 of the month in June through August (UTC)",
    )
    const allByName = schedule("0 0 1 jan,FEB,mar,apr,may,jun,jul,aug,sep,oct,nov,dec *")
    expect(allByName.months).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    for (const [name, month] of [
      ["mar", 3],
      ["may", 5],
      ["jun", 6],
      ["jul", 7],
      ["sep", 9],
      ["oct", 10],
      ["nov", 11],
      ["dec", 12],
    ] as const) {
      expect(schedule(`0 0 1 ${name} *`).months).toEqual([month])
    }
  })

  it("names the months inside a run when they are listed", () => {
    expect(describeSchedule(schedule("0 0 1 9,11 *"))).toBe(
      "at 00:00 on day 1 of the month in September and November (UTC)",
    )
    expect(describeSchedule(schedule("0 0 1 10 *"))).toBe("at 00:00 on day 1 of the month in October (UTC)")
  })

  it("says every 2nd, 3rd, 4th, 6th, 8th and 12th hour", () => {
    expect(describeSchedule(schedule("0 */8 * * *"))).toBe("at minute 0 past every 8th hour (UTC)")
    expect(describeSchedule(schedule("0 */2 * * *"))).toBe("at minute 0 past every 2nd hour (UTC)")
    expect(describeSchedule(schedule("0 */3 * * *"))).toBe("at minute 0 past every 3rd hour (UTC)")
    expect(describeSchedule(schedule("0 */4 * * *"))).toBe("at minute 0 past every 4th hour (UTC)")
    expect(describeSchedule(schedule("0 */12 * * *"))).toBe("at minute 0 past every 12th hour (UTC)")
  })

  it("lists up to six times of day, and says one hour or several", () => {
    expect(describeSchedule(schedule("0,30 7,8,9 * * *"))).toBe(
      "at 07:00, 07:30, 08:00, 08:30, 09:00 and 09:30 every day (UTC)",
    )
    expect(describeSchedule(schedule("0,30 7,8,9,10 * * *"))).toBe("every 30 minutes during hours 7 through 10 (UTC)")
    expect(describeSchedule(schedule("*/5 5 * * *"))).toBe("every 5 minutes during hour 5 (UTC)")
    expect(describeSchedule(schedule("* 5 * * *"))).toBe("every minute during hour 5 (UTC)")
    expect(describeSchedule(schedule("* 5,7 * * *"))).toBe("every minute during hours 5 and 7 (UTC)")
  })

  it("names the days and months of a minute schedule", () => {
    expect(describeSchedule(schedule("*/15 * 1 * *"))).toBe("every 15 minutes on day 1 of the month (UTC)")
    expect(describeSchedule(schedule("*/15 * * 3 *"))).toBe("every 15 minutes in March (UTC)")
  })

  it("joins three or more days in a row with through, and only those", () => {
    expect(describeSchedule(schedule("0 0 * * 1-3"))).toBe("at 00:00 on Monday through Wednesday (UTC)")
    expect(describeSchedule(schedule("0 0 * * 1,2,3,5"))).toBe("at 00:00 on Monday through Wednesday and Friday (UTC)")
    expect(describeSchedule(schedule("0 0 * * 1,2,4,5"))).toBe("at 00:00 on Monday, Tuesday, Thursday and Friday (UTC)")
  })

  it("says every n minutes only when the minutes are exactly 0, n, 2n, ...", () => {
    expect(describeSchedule(schedule("0,15,30,40 * * * *"))).toBe("at minutes 0, 15, 30 and 40 past every hour (UTC)")
    expect(describeSchedule(schedule("5/15 * * * *"))).toBe("at minutes 5, 20, 35 and 50 past every hour (UTC)")
    expect(describeSchedule(schedule("0,15,30 * * * *"))).toBe("at minutes 0, 15 and 30 past every hour (UTC)")
    expect(describeSchedule(schedule("0 0,8,16 * * *"))).toBe("at minute 0 past every 8th hour (UTC)")
    expect(describeSchedule(schedule("0 0,8 * * *"))).toBe("at 00:00 and 08:00 every day (UTC)")
    expect(describeSchedule(schedule("* */8 * * *"))).toBe("every minute during every 8th hour (UTC)")
  })

  it("orders the values of a list, whatever order they are written in", () => {
    const s = schedule("30,10 * * * *")
    expect(s.minutes).toEqual([10, 30])
    expect(describeSchedule(s)).toBe("at minutes 10 and 30 past every hour (UTC)")
    expect(runs(s, "2026-03-07T12:00:00Z", 3)).toEqual([
      "2026-03-07T12:10:00.000Z",
      "2026-03-07T12:30:00.000Z",
      "2026-03-07T13:10:00.000Z",
    ])
  })

  it("fills the fields left open: every day of the month, every weekday", () => {
    expect(schedule("0 7 * * 1-5").days).toEqual(Array.from({ length: 31 }, (_, i) => i + 1))
    expect(schedule("0 7 * * *").weekdays).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it("says what each field accepts", () => {
    expect(refused("0 x * * *").message).toBe(
      'hour "x" is not valid: expected a number 0-23, *, a range a-b, a step */n, a/n or a-b/n, or a list a,b',
    )
    expect(refused("0 0 x * *").message).toBe(
      'day "x" is not valid: expected a number 1-31, *, a range a-b, a step */n, a/n or a-b/n, or a list a,b',
    )
  })

  it("refuses a value or a step with anything but digits around it", () => {
    for (const part of ["a5", "5a", "*/x5", "*/5x"]) {
      expect(refused(`${part} * * * *`).message).toBe(
        `minute "${part}" is not valid: expected a number 0-59, *, a range a-b, a step */n, a/n or a-b/n, or a list a,b`,
      )
    }
  })

  it("refuses a skip date with anything around it, or a day its month does not have", () => {
    // (Date.UTC reads a year below 100 as 19xx: "0024" is not taken for 1924)
    for (const date of [
      "x2024-09-02",
      "2024-09-02x",
      "2024-02-30",
      "2023-02-29",
      "2024-04-31",
      "2024-13-01",
      "0024-01-01",
    ]) {
      expect(refused("0 0 * * *", "UTC", [date]).message).toContain(`"${date}" is not a date`)
    }
    expect(schedule("0 0 * * *", "UTC", ["2024-02-29"]).skipDates).toEqual(["2024-02-29"])
  })

  it("refuses a day no chosen month has, whether days alone or days and weekdays both decide", () => {
    expect(refused("0 0 30 2 *").message).toBe(
      'cron expression "0 0 30 2 *" never runs: there is no day 30 in February',
    )
    expect(refused("0 0 30,31 2 */2").message).toBe(
      'cron expression "0 0 30,31 2 */2" never runs: there is no day 30 or 31 in February',
    )
    // one of the months has the day: it runs
    expect(describeSchedule(schedule("0 0 30 2,3 *"))).toBe(
      "at 00:00 on day 30 of the month in February and March (UTC)",
    )
  })

  it("reads a day list holding * as restricted: either the day or the weekday, so every day", () => {
    expect(runs(schedule("0 0 1,* * 1"), "2026-01-05T12:00:00Z", 3)).toEqual([
      "2026-01-06T00:00:00.000Z",
      "2026-01-07T00:00:00.000Z",
      "2026-01-08T00:00:00.000Z",
    ])
  })

  it("finds the previous run in a zone far ahead of UTC, just after its local midnight", () => {
    // 00:30 on January 10 in Kiritimati (UTC+14) is 10:30Z on January 9
    const daily = schedule("0 0 * * *", "Pacific/Kiritimati")
    expect(previousRun(daily, new Date("2026-01-09T10:30:00Z"))?.toISOString()).toBe("2026-01-09T10:00:00.000Z")
  })

  it("places times far from the change on the day an offset changes", () => {
    // after the fall-back change at 02:00, 07:00 is EST (-5); before the spring-forward one, 00:30 is EST
    expect(runs(schedule("0 7 * * *", "America/New_York"), "2026-10-31T12:00:00Z", 2)).toEqual([
      "2026-11-01T12:00:00.000Z",
      "2026-11-02T12:00:00.000Z",
    ])
    expect(runs(schedule("30 0 * * *", "America/New_York"), "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T05:30:00.000Z",
      "2026-03-09T04:30:00.000Z",
    ])
  })

  it("counts a tick due exactly now, and one exactly maxLatenessMs late, as on time and not missed", () => {
    const hourly = schedule("0 * * * *")
    const plan = (now: string, policy: "coalesce_once" | "run_all", maxLatenessMs: number) => {
      const p = planMisfires({
        schedule: hourly,
        lastScheduledFor: new Date("2024-01-01T01:00:00Z"),
        now: new Date(now),
        policy,
        maxLatenessMs,
      })
      return { run: iso(p.run), missed: iso(p.missed) }
    }
    const tickOfThree = { run: ["2024-01-01T03:00:00.000Z"], missed: ["2024-01-01T02:00:00.000Z"] }
    expect(plan("2024-01-01T03:00:00Z", "coalesce_once", 0)).toEqual(tickOfThree)
    expect(plan("2024-01-01T03:00:00Z", "run_all", 0)).toEqual(tickOfThree)
    expect(plan("2024-01-01T03:10:00Z", "run_all", 10 * MINUTE)).toEqual(tickOfThree)
  })

  it("says one skipped date, or several", () => {
    expect(describeSchedule(schedule("0 7 * * 1-5", "UTC", ["2024-12-25"]))).toBe(
      "at 07:00 on Monday through Friday (UTC), except on 1 skipped date",
    )
  })
})
