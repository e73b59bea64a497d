/** The four profiles BatchOps knows out of the box (see docs/pipeline.md). */
import type { Profile } from "./Profile.js"

/** `student_id` aliases, applied in every profile. */
export const STUDENT_ID_ALIASES = [
  "studentid",
  "student_no",
  "student_number",
  "roll_no",
  "roll_number",
  "admission_no",
  "id",
] as const

const studentId = { label: "student_id", anyOf: [["student_id"]] }

export const gradebook: Profile = {
  id: "gradebook",
  label: "Gradebook",
  required: [studentId],
  minNumericColumns: 1,
  keys: ["student_id"],
}

export const attendance: Profile = {
  id: "attendance",
  label: "Attendance",
  required: [studentId, { label: "date", anyOf: [["date"]] }, { label: "status", anyOf: [["status"]] }],
  keys: ["student_id"],
  codes: {
    status: {
      P: "present",
      A: "absent",
      L: "late",
      E: "excused",
      PRESENT: "present",
      ABSENT: "absent",
      LATE: "late",
      EXCUSED: "excused",
    },
  },
}

export const roster: Profile = {
  id: "roster",
  label: "Roster",
  required: [
    studentId,
    { label: "a name (name, or first_name and last_name)", anyOf: [["name"], ["first_name", "last_name"]] },
    { label: "grade or class", anyOf: [["grade"], ["class"]] },
  ],
  keys: ["student_id"],
  unique: ["student_id"],
}

export const generic: Profile = {
  id: "generic",
  label: "Generic table",
  required: [],
  keys: [],
}

export const builtinProfiles: ReadonlyArray<Profile> = [gradebook, attendance, roster, generic]
