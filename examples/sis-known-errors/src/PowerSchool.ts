/**
 * A known-error pack for PowerSchool exports of stored grades (Quick Export or Export Using
 * Template: tab-delimited text with headers such as `Student_Number`, `LastFirst`,
 * `Grade_Level`, `[Students]Student_Number`).
 *
 * BatchOps' own known errors are matched first, so a pack cannot re-explain a failure they
 * already recognize. This one adds what only a PowerSchool export shows: a profile that reads
 * its headers, a stage that checks for PowerSchool's typical mistakes and fails with a message
 * saying which, and the known errors that give each its root cause and corrective action.
 */
import { definePlugin, type KnownError, PLUGIN_API_VERSION, type Profile, type Row, type Stage } from "@batchops/core"
import { Effect } from "effect"

export const POWERSCHOOL_PROFILE = "powerschool"
export const CHECK_STAGE = "check_powerschool_export"

/**
 * Stored grades exported from PowerSchool. Only `Student_Number` counts as the student id:
 * `ID`, `DCID` and `StudentID` are PowerSchool's internal record numbers.
 */
export const powerSchoolProfile: Profile = {
  id: POWERSCHOOL_PROFILE,
  label: "PowerSchool stored grades export",
  required: [
    { label: "Student_Number", anyOf: [["student_id"]] },
    { label: "LastFirst", anyOf: [["last_first"]] },
  ],
  minNumericColumns: 1,
  keys: ["student_id"],
  aliases: {
    // `[Students]Student_Number` and `[1]Student_Number` are how fields of the Students table
    // are written when exporting another table
    student_id: ["student_number", "students_student_number", "1_student_number"],
    last_first: ["lastfirst", "students_lastfirst", "1_lastfirst"],
    grade_level: ["students_grade_level", "1_grade_level"],
  },
}

/** Internal record numbers a PowerSchool export may carry instead of Student_Number. */
const INTERNAL_IDS = ["dcid", "id", "studentid", "students_dcid", "students_id", "1_dcid", "1_id"]

/** A number as Excel writes a long one when it saves a CSV: `1.23457E+11`. */
const SCIENTIFIC = /^\d(\.\d+)?E\+?\d+$/i

/** PowerSchool's grade levels for graduated students (99) and pre-kindergarten (below 0). */
const GRADUATED = 99

const LISTED = 5

export const checkPowerSchoolExport: Stage = {
  name: CHECK_STAGE,
  description: "Check a PowerSchool export for column titles, Student_Number and Excel damage; read -- as no grade.",
  after: "standardize_results",
  start: (context, columns) =>
    Effect.gen(function* () {
      if (context.state.profile?.id !== POWERSCHOOL_PROFILE) {
        context.log.skipped = `the profile is not ${POWERSCHOOL_PROFILE}`
        return {}
      }
      const numbers = columns.filter((column) => /^\d+$/.test(column))
      if (numbers.length > 0) {
        return yield* context.fail(
          `the first row holds a student's data, not column titles (columns read: ${columns.join(", ")})`,
        )
      }
      const internal = columns.find((column) => INTERNAL_IDS.includes(column))
      if (!columns.includes("student_id") && internal !== undefined) {
        return yield* context.fail(
          `the export has "${internal}", an internal record number of PowerSchool, but no Student_Number ` +
            `(columns: ${columns.join(", ")})`,
        )
      }
      const student = columns.indexOf("student_id")
      const gradeLevel = columns.indexOf("grade_level")
      const mangled: Array<string> = []
      let mangledCount = 0
      let noGrade = 0
      const chunk = (rows: ReadonlyArray<Row>) =>
        Effect.sync(() => {
          for (const row of rows) {
            const cells = row.cells
            for (let c = 0; c < cells.length; c++) {
              // PowerSchool prints "--" where a student has no grade yet
              if (cells[c] === "--" && c !== student) {
                cells[c] = undefined
                noGrade += 1
              }
            }
            const id = cells[student]
            if (typeof id === "string" && SCIENTIFIC.test(id)) {
              mangledCount += 1
              if (mangled.length < LISTED) mangled.push(`row ${row.number}: "${id}"`)
            }
            const level = cells[gradeLevel]
            if (
              gradeLevel >= 0 &&
              (level === String(GRADUATED) || (typeof level === "string" && /^-\d+$/.test(level)))
            ) {
              context.report({
                row: row.number,
                column: "grade_level",
                value: level,
                rule: "not_enrolled_grade_level",
                message: `row ${row.number}: grade level ${level} is PowerSchool's mark for ${
                  level === String(GRADUATED) ? "a graduated student" : "pre-kindergarten"
                }; check the export's selection of students`,
              })
            }
          }
          context.log.noGradeMarks = noGrade
          return rows
        })
      const finish = () =>
        Effect.gen(function* () {
          if (mangledCount > 0) {
            return yield* context.fail(
              `${mangledCount} Student_Number ${mangledCount === 1 ? "value is" : "values are"} in scientific notation ` +
                `(${mangled.join("; ")}${mangledCount > LISTED ? ` and ${mangledCount - LISTED} more` : ""})`,
            )
          }
          return undefined
        })
      return { chunk, finish }
    }),
}

export const powerSchoolKnownErrors: ReadonlyArray<KnownError> = [
  {
    name: "powerschool-no-column-titles",
    stage: CHECK_STAGE,
    pattern: "not column titles",
    severity: "medium",
    rootCause:
      "The export was made with “Include column titles” unticked, so the first student's record was read as the header.",
    correctiveAction: "Export again from PowerSchool with “Include column titles” ticked, then upload the new file.",
  },
  {
    name: "powerschool-internal-id",
    stage: CHECK_STAGE,
    pattern: "internal record number of PowerSchool, but no Student_Number",
    severity: "high",
    rootCause:
      "The export template has PowerSchool's internal record number (DCID, ID or StudentID) instead of Student_Number, the number the school knows students by.",
    correctiveAction:
      "Add [Students]Student_Number to the export template (or Student_Number in Quick Export) and export again.",
  },
  {
    name: "powerschool-excel-resaved",
    stage: CHECK_STAGE,
    pattern: "Student_Number values? (is|are) in scientific notation",
    severity: "high",
    rootCause:
      "The export was opened in Excel and saved again: Excel rewrote long Student_Numbers in scientific notation (and drops leading zeros), so they no longer identify students.",
    correctiveAction:
      "Upload the file exactly as PowerSchool exported it; if it must be edited, import it into Excel with the Student_Number column set to Text.",
  },
]

/** The pack: the profile, the check stage and its known errors. */
export const powerSchoolPlugin = definePlugin({
  name: "powerschool",
  apiVersion: PLUGIN_API_VERSION,
  version: "0.1.0",
  profiles: [powerSchoolProfile],
  stages: [checkPowerSchoolExport],
  knownErrors: powerSchoolKnownErrors,
})
