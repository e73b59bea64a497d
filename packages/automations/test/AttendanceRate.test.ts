import { describe, expect, it } from "vitest"
import {
  attendancePercent,
  attendanceRates,
  attendanceWindow,
  belowThreshold,
  dateInZone,
  readableDate,
  readMark,
  readStudent,
  reminderMail,
  type StudentAttendance,
} from "../src/index.js"

const mark = (student: string, date: string, status: unknown, recordedAt = `${date}T08:00:00.000Z`) => ({
  payload: { student_id: student, date, status },
  recordedAt,
})

// Monday 2 March to Friday 6 March 2026
const WEEK = { from: "2026-03-02", to: "2026-03-06" }

describe("attendanceWindow", () => {
  it("is the school days before today, today and weekends left out", () => {
    // Tuesday 10 March 2026: the five school days before it run from Tuesday 3 to Monday 9
    expect(attendanceWindow("2026-03-10", 5)).toEqual({
      from: "2026-03-03",
      to: "2026-03-09",
      schoolDays: ["2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09"],
    })
  })

  it("run on a Monday ends with the Friday before", () => {
    expect(attendanceWindow("2026-03-09", 1)).toMatchObject({ from: "2026-03-06", to: "2026-03-06" })
    expect(attendanceWindow("2026-03-09", 20).schoolDays).toHaveLength(20)
    expect(attendanceWindow("2026-03-09", 20).from).toBe("2026-02-09")
  })

  it("run on a Sunday ends with the Friday before", () => {
    expect(attendanceWindow("2026-03-08", 2)).toMatchObject({ from: "2026-03-05", to: "2026-03-06" })
  })
})

describe("dateInZone", () => {
  it("is the date where the school is, not in UTC", () => {
    const at = new Date("2026-03-10T03:30:00Z")
    expect(dateInZone(at, "UTC")).toBe("2026-03-10")
    expect(dateInZone(at, "America/Chicago")).toBe("2026-03-09")
    expect(dateInZone(new Date("2026-03-10T23:30:00Z"), "Asia/Tokyo")).toBe("2026-03-11")
  })

  it("falls back to UTC for a zone it does not know", () => {
    expect(dateInZone(new Date("2026-03-10T03:30:00Z"), "Mars/Olympus")).toBe("2026-03-10")
  })
})

describe("readMark and readStudent", () => {
  it("reads the statuses without regard to case and spaces, and the one-letter codes", () => {
    const at = "2026-03-02T08:00:00.000Z"
    const status = (value: unknown) => readMark({ student_id: "S-1", date: "2026-03-02", status: value }, at)?.status
    expect(["present", " Present ", "P", "p"].map(status)).toEqual(["present", "present", "present", "present"])
    expect(["late", "LATE", "L"].map(status)).toEqual(["late", "late", "late"])
    expect(["absent", "A"].map(status)).toEqual(["absent", "absent"])
    expect(["excused", "", "x", 1, null, undefined].map(status)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })

  it("refuses a mark without a student or with a date that is not a calendar date", () => {
    const at = "2026-03-02T08:00:00.000Z"
    expect(readMark({ date: "2026-03-02", status: "present" }, at)).toBeUndefined()
    expect(readMark({ student_id: " ", date: "2026-03-02", status: "present" }, at)).toBeUndefined()
    expect(readMark({ student_id: "S-1", date: "2026-02-30", status: "present" }, at)).toBeUndefined()
    expect(readMark({ student_id: "S-1", date: "2 March", status: "present" }, at)).toBeUndefined()
    expect(readMark({ student_id: "S-1", date: "2026-03-02", status: "absent" }, at)).toEqual({
      studentId: "S-1",
      date: "2026-03-02",
      status: "absent",
      recordedAt: at,
    })
  })

  it("keeps a contact address only when a mail can go to it", () => {
    const student = (contact_email: unknown) =>
      readStudent({ student_id: "S-1", name: "Amara Chen", contact_name: "Jade Chen", contact_email })
    expect(student(" jade.chen@families.example.edu ")?.contactEmail).toBe("jade.chen@families.example.edu")
    for (const bad of ["", "jade", "jade@", "jade chen@x.edu", "a@b", "a@b.edu, c@d.edu", null, 7]) {
      expect(student(bad)?.contactEmail).toBeUndefined()
    }
    expect(student("x@y.edu")).toEqual({
      studentId: "S-1",
      name: "Amara Chen",
      contactName: "Jade Chen",
      contactEmail: "x@y.edu",
    })
    expect(readStudent({ name: "No Id" })).toBeUndefined()
    // without a name the id stands in for it
    expect(readStudent({ student_id: "S-2" })).toEqual({
      studentId: "S-2",
      name: "S-2",
      contactName: undefined,
      contactEmail: undefined,
    })
  })
})

describe("attendanceRates", () => {
  it("counts present 1, late 1 by default, absent 0, over the days each student has a mark", () => {
    const { students, unreadable, duplicates } = attendanceRates(
      [
        mark("S-2", "2026-03-02", "present"),
        mark("S-2", "2026-03-03", "absent"),
        mark("S-2", "2026-03-04", "late"),
        mark("S-2", "2026-03-05", "absent"),
        mark("S-1", "2026-03-02", "present"),
        mark("S-1", "2026-03-03", "present"),
        // S-3 joined on Thursday: rated on its two days
        mark("S-3", "2026-03-05", "present"),
        mark("S-3", "2026-03-06", "late"),
      ],
      WEEK,
    )
    expect(unreadable).toBe(0)
    expect(duplicates).toBe(0)
    expect(students).toEqual([
      {
        studentId: "S-1",
        days: 2,
        present: 2,
        late: 0,
        absent: 0,
        rate: 1,
        absentDates: [],
        lateDates: [],
      },
      {
        studentId: "S-2",
        days: 4,
        present: 1,
        late: 1,
        absent: 2,
        rate: 0.5,
        absentDates: ["2026-03-03", "2026-03-05"],
        lateDates: ["2026-03-04"],
      },
      {
        studentId: "S-3",
        days: 2,
        present: 1,
        late: 1,
        absent: 0,
        rate: 1,
        absentDates: [],
        lateDates: ["2026-03-06"],
      },
    ])
  })

  it("counts late as the lateCountsAs share", () => {
    const records = [
      mark("S-1", "2026-03-02", "present"),
      mark("S-1", "2026-03-03", "late"),
      mark("S-1", "2026-03-04", "late"),
      mark("S-1", "2026-03-05", "present"),
    ]
    expect(attendanceRates(records, WEEK, { lateCountsAs: 0 }).students[0]!.rate).toBe(0.5)
    expect(attendanceRates(records, WEEK, { lateCountsAs: 0.5 }).students[0]!.rate).toBe(0.75)
    expect(attendanceRates(records, WEEK).students[0]!.rate).toBe(1)
  })

  it("leaves out marks outside the window, and students with none in it", () => {
    const { students, unreadable } = attendanceRates(
      [
        mark("S-1", "2026-02-27", "absent"),
        mark("S-1", "2026-03-02", "present"),
        mark("S-1", "2026-03-09", "absent"),
        // no mark in the window at all: not rated, never reminded
        mark("S-9", "2026-02-27", "absent"),
        mark("S-9", "2026-03-10", "absent"),
      ],
      WEEK,
    )
    expect(students.map((s) => [s.studentId, s.days, s.rate])).toEqual([["S-1", 1, 1]])
    expect(unreadable).toBe(0)
  })

  it("counts a mark of a day it cannot read or of an unknown status as unreadable, and nothing else", () => {
    const { students, unreadable } = attendanceRates(
      [
        mark("S-1", "2026-03-02", "present"),
        mark("S-1", "2026-03-03", "excused"),
        mark("S-1", "2026-03-04", ""),
        mark("S-1", "yesterday", "absent"),
        { payload: { date: "2026-03-05", status: "absent" }, recordedAt: "2026-03-05T08:00:00.000Z" },
      ],
      WEEK,
    )
    expect(unreadable).toBe(4)
    expect(students).toMatchObject([{ studentId: "S-1", days: 1, absent: 0, rate: 1 }])
  })

  it("counts a day marked twice once: the later recorded mark wins", () => {
    const { students, duplicates } = attendanceRates(
      [
        mark("S-1", "2026-03-02", "absent", "2026-03-02T08:00:00.000Z"),
        // the register corrected at ten: late after all
        mark("S-1", "2026-03-02", "late", "2026-03-02T10:00:00.000Z"),
        mark("S-1", "2026-03-03", "present", "2026-03-03T08:00:00.000Z"),
        // a later correction the other way round counts too
        mark("S-1", "2026-03-03", "absent", "2026-03-04T08:00:00.000Z"),
      ],
      WEEK,
    )
    expect(duplicates).toBe(2)
    expect(students).toMatchObject([{ studentId: "S-1", days: 2, late: 1, absent: 1, present: 0, rate: 0.5 }])
  })

  it("counts a day marked twice at the same time as the better mark, in any order", () => {
    const at = "2026-03-02T08:00:00.000Z"
    for (const order of [
      ["absent", "present"],
      ["present", "absent"],
    ]) {
      const { students } = attendanceRates(
        order.map((status) => mark("S-1", "2026-03-02", status, at)),
        WEEK,
      )
      expect(students).toMatchObject([{ days: 1, present: 1, absent: 0, rate: 1 }])
    }
    const { students } = attendanceRates(
      [mark("S-1", "2026-03-02", "absent", at), mark("S-1", "2026-03-02", "L", at)],
      WEEK,
    )
    expect(students).toMatchObject([{ days: 1, late: 1, absent: 0 }])
  })
})

describe("belowThreshold and attendancePercent", () => {
  const student = (studentId: string, rate: number) => ({ studentId, rate }) as StudentAttendance

  it("is strictly below the threshold", () => {
    const students = [student("S-1", 0.9), student("S-2", 0.85), student("S-3", 1), student("S-4", 0.8999)]
    expect(belowThreshold(students, 0.9).map((s) => s.studentId)).toEqual(["S-2", "S-4"])
    // 9 of 10 days is exactly 90%: not below
    expect(belowThreshold([student("S-5", 9 / 10)], 0.9)).toEqual([])
    expect(belowThreshold(students, 0)).toEqual([])
    expect(belowThreshold(students, 1).map((s) => s.studentId)).toEqual(["S-1", "S-2", "S-4"])
  })

  it("rounds a rate down to a whole percentage, never up to the threshold", () => {
    expect(attendancePercent(0.8999)).toBe(89)
    expect(attendancePercent(0.9)).toBe(90)
    expect(attendancePercent(0.29)).toBe(29)
    expect(attendancePercent(17 / 20)).toBe(85)
    expect(attendancePercent(2 / 3)).toBe(66)
    expect(attendancePercent(0)).toBe(0)
    expect(attendancePercent(1)).toBe(100)
  })
})

describe("reminderMail", () => {
  const student = {
    studentId: "S-1006",
    name: "Farah Haddad",
    contactName: "Omar Haddad",
    contactEmail: "omar@families.example.edu",
  }
  const { students } = attendanceRates(
    [
      mark("S-1006", "2026-03-02", "present"),
      mark("S-1006", "2026-03-03", "absent"),
      mark("S-1006", "2026-03-04", "late"),
      mark("S-1006", "2026-03-05", "absent"),
      mark("S-1006", "2026-03-06", "present"),
    ],
    WEEK,
  )

  it("tells the contact the student's rate, the days absent and late, and the window, kindly", () => {
    const mail = reminderMail({
      student,
      attendance: students[0]!,
      window: WEEK,
      threshold: 0.9,
      school: { schoolName: "Riverside High School", contact: "the attendance office on 555 0100" },
    })
    expect(mail.subject).toBe("Attendance reminder for Farah Haddad")
    expect(mail.text).toBe(
      [
        "Dear Omar Haddad,",
        "",
        "We are writing about Farah Haddad's attendance at school between Monday 2 March 2026 and Friday 6 March 2026. " +
          "In that time Farah Haddad had 60% attendance, which is below the 90% we hope every student reaches.",
        "",
        "Of the 5 days recorded, Farah Haddad was absent on 2 days and late on 1 day.",
        "Absent: Tuesday 3 March and Thursday 5 March.",
        "Late: Wednesday 4 March.",
        "",
        "Every day at school helps, and we would like to help too. If something is making it hard for Farah Haddad " +
          "to come to school, or if any of these dates look wrong to you, please contact the attendance office on 555 0100.",
        "",
        "Thank you,",
        "Riverside High School",
        "",
      ].join("\n"),
    )
  })

  it("greets without a contact name, shows a threshold with a decimal, and signs as the school office by default", () => {
    const mail = reminderMail({
      student: { ...student, contactName: undefined },
      attendance: { ...students[0]!, absent: 1, absentDates: ["2026-03-03"], late: 0, lateDates: [] },
      window: WEEK,
      threshold: 0.855,
    })
    expect(mail.text.startsWith("Hello,\n")).toBe(true)
    expect(mail.text).toContain("below the 85.5% we hope")
    expect(mail.text).toContain("was absent on 1 day.")
    expect(mail.text).toContain("Absent: Tuesday 3 March.")
    expect(mail.text).not.toContain("Late:")
    expect(mail.text).toContain("please contact the school office.")
    expect(mail.text.endsWith("Thank you,\nThe school office\n")).toBe(true)
    // no jargon: no ids, no field names, no raw dates
    expect(mail.text).not.toMatch(/S-1006|student_id|rate|threshold|2026-03/)
  })

  it("writes dates the way people read them", () => {
    expect(readableDate("2026-03-10")).toBe("Tuesday 10 March 2026")
    expect(readableDate("2025-12-31")).toBe("Wednesday 31 December 2025")
  })
})
