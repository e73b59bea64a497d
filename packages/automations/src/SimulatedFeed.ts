/**
 * Simulated department feeds: realistic sample records for a new install (and for trying
 * BatchOps out), produced the same way every time for a given feed, day and count, so running
 * an ingest twice on one day updates the day's records instead of adding copies.
 *
 * - `admissions`: applications (applicant, program, status, submitted)
 * - `library`: loans (item, title, borrower, due, returned)
 * - `facilities`: work orders (building, room, issue, priority, status)
 * - `attendance`: the students of a small school with a contact each, and a mark per student
 *   and school day (present, late, absent); a few students are absent often, so the attendance
 *   reminders have someone to remind
 */

import type { IngestRecord } from "@batchops/core"
import { Schema } from "effect"

export const SIMULATED_FEEDS = ["admissions", "library", "facilities", "attendance"] as const
export type SimulatedFeedName = (typeof SIMULATED_FEEDS)[number]

export const SimulatedSettings = Schema.Struct({
  feed: Schema.Literals(SIMULATED_FEEDS).annotate({ description: "which sample data the source produces" }),
  per_run: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 200 })).annotate({
      description: "records per ingest (default 5; attendance: one mark per student per school day)",
    }),
  ),
  students: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 2000 })).annotate({
      description: "attendance: the number of students (default 40)",
    }),
  ),
})

export type SimulatedSettings = typeof SimulatedSettings.Type

/** A small, fast deterministic generator (mulberry32) seeded from a text. */
const random = (seed: string) => {
  let h = 1779033703 ^ seed.length
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353)
    h = (h << 13) | (h >>> 19)
  }
  let state = h >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <A>(next: () => number, items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!

const FIRST = [
  "Amara",
  "Ben",
  "Chloe",
  "Dev",
  "Elena",
  "Farah",
  "Gabriel",
  "Hana",
  "Isaac",
  "Jade",
  "Kofi",
  "Lena",
  "Mateo",
  "Nia",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sami",
  "Tara",
  "Uma",
  "Victor",
  "Wen",
  "Yusuf",
  "Zoe",
]
const LAST = [
  "Adeyemi",
  "Brooks",
  "Chen",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Haddad",
  "Ivanova",
  "Johnson",
  "Kim",
  "Larsen",
  "Mensah",
  "Nguyen",
  "Okafor",
  "Patel",
  "Reyes",
  "Silva",
  "Tanaka",
  "Walsh",
]
const PROGRAMS = ["Science", "Arts", "Engineering", "Nursing", "Business", "Music", "Computing"]
const TITLES = [
  "A Brief History of Time",
  "Things Fall Apart",
  "The Selfish Gene",
  "Pride and Prejudice",
  "Cosmos",
  "Beloved",
  "Sapiens",
  "The Odyssey",
  "Dune",
  "Frankenstein",
  "The Elements of Style",
  "Hamlet",
]
const BUILDINGS = ["Main Hall", "Science Block", "Library", "Gym", "Arts Centre"]
const ISSUES = ["projector", "heating", "leaking tap", "broken chair", "lights", "door lock", "wifi access point"]

const DAY_MS = 24 * 60 * 60 * 1000

/** `YYYY-MM-DD` of an instant (UTC). */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10)

const isSchoolDay = (day: string): boolean => {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
  return weekday !== 0 && weekday !== 6
}

/** The school days up to and including `until`, newest last, `count` of them. */
export const schoolDays = (until: Date, count: number): Array<string> => {
  const days: Array<string> = []
  for (let at = until.getTime(); days.length < count; at -= DAY_MS) {
    const day = dayOf(new Date(at))
    if (isSchoolDay(day)) days.unshift(day)
  }
  return days
}

const studentId = (index: number) => `S-${String(1001 + index)}`

/** The students of the attendance feed, each with a contact (a parent or guardian). */
export const simulatedStudents = (count: number): Array<IngestRecord> =>
  Array.from({ length: count }, (_, index) => {
    const next = random(`student:${index}`)
    const first = pick(next, FIRST)
    const last = pick(next, LAST)
    const guardian = pick(next, FIRST)
    const id = studentId(index)
    return {
      kind: "student",
      key: id,
      recordedAt: "2026-01-05T08:00:00.000Z",
      payload: {
        student_id: id,
        name: `${first} ${last}`,
        grade: 9 + (index % 4),
        contact_name: `${guardian} ${last}`,
        contact_email: `${guardian.toLowerCase()}.${last.toLowerCase()}.${id.toLowerCase()}@families.example.edu`,
      },
    }
  })

/** One attendance mark per student on `day`: every sixth student is absent often. */
export const simulatedAttendance = (students: number, day: string): Array<IngestRecord> =>
  Array.from({ length: students }, (_, index) => {
    const next = random(`attendance:${day}:${index}`)
    const chronic = index % 6 === 5
    const roll = next()
    const status = roll < (chronic ? 0.45 : 0.04) ? "absent" : roll < (chronic ? 0.55 : 0.1) ? "late" : "present"
    const id = studentId(index)
    return {
      kind: "attendance",
      key: `${id}:${day}`,
      recordedAt: `${day}T08:00:00.000Z`,
      payload: { student_id: id, date: day, status },
    }
  })

/** The feed's records for one ingest at `now` (the same for the same feed, day and settings). */
export const simulatedRecords = (settings: SimulatedSettings, now: Date): Array<IngestRecord> => {
  const day = dayOf(now)
  const count = settings.per_run ?? 5
  const at = `${day}T${String(now.getUTCHours()).padStart(2, "0")}:00:00.000Z`
  const compact = day.replaceAll("-", "")
  switch (settings.feed) {
    case "attendance": {
      const students = settings.students ?? 40
      // the roster, and the last ten school days' marks (a new install has a history to look at)
      return [
        ...simulatedStudents(students),
        ...schoolDays(now, 10).flatMap((schoolDay) => simulatedAttendance(students, schoolDay)),
      ]
    }
    case "admissions":
      return Array.from({ length: count }, (_, index) => {
        const next = random(`admissions:${day}:${index}`)
        const applicant = `A-${compact}-${String(index + 1).padStart(3, "0")}`
        return {
          kind: "application",
          key: applicant,
          recordedAt: at,
          payload: {
            applicant,
            name: `${pick(next, FIRST)} ${pick(next, LAST)}`,
            program: pick(next, PROGRAMS),
            status: pick(next, ["received", "received", "under_review", "accepted", "waitlisted"]),
            submitted: day,
          },
        }
      })
    case "library":
      return Array.from({ length: count }, (_, index) => {
        const next = random(`library:${day}:${index}`)
        const item = `B-${compact}-${String(index + 1).padStart(3, "0")}`
        const due = dayOf(new Date(now.getTime() + (14 + Math.floor(next() * 14)) * DAY_MS))
        return {
          kind: "loan",
          key: item,
          recordedAt: at,
          payload: {
            item,
            title: pick(next, TITLES),
            borrower: studentId(Math.floor(next() * 40)),
            loaned: day,
            due,
            returned: false,
          },
        }
      })
    case "facilities":
      return Array.from({ length: count }, (_, index) => {
        const next = random(`facilities:${day}:${index}`)
        const order = `W-${compact}-${String(index + 1).padStart(3, "0")}`
        return {
          kind: "work_order",
          key: order,
          recordedAt: at,
          payload: {
            order,
            building: pick(next, BUILDINGS),
            room: `${pick(next, ["Room", "Lab", "Office"])} ${1 + Math.floor(next() * 30)}`,
            issue: pick(next, ISSUES),
            priority: pick(next, ["low", "normal", "normal", "high"]),
            status: pick(next, ["open", "open", "scheduled", "done"]),
          },
        }
      })
  }
}
