/**
 * A stage that flags students below a passing mark. It runs right after `validate_results`
 * (which has read the scores as numbers): every score under the mark becomes a warning with
 * the rule `below_passing_mark`, naming the student and the subject, and the step log counts
 * them per subject.
 */
import { definePlugin, isIdentifierName, normalizeName, PLUGIN_API_VERSION, type Row, type Stage } from "@batchops/core"
import { Effect } from "effect"

/** The rule of the warnings this stage reports. */
export const BELOW_PASSING_MARK = "below_passing_mark"

export const DEFAULT_PASSING_MARK = 60

export interface PassingMarkOptions {
  /** a score below this fails (default 60) */
  readonly mark?: number
  /** the subject columns, as the file names them; default: every column of scores but `ignore` */
  readonly subjects?: ReadonlyArray<string>
  /** columns of numbers that are not subjects, when `subjects` is not given (default: attendance) */
  readonly ignore?: ReadonlyArray<string>
}

/** The stage, checked and ready to place in a plugin. Throws a RangeError for a mark that is not a number of 0 or more. */
export const passingMarkStage = (options: PassingMarkOptions = {}): Stage => {
  const mark = options.mark ?? DEFAULT_PASSING_MARK
  if (typeof mark !== "number" || !Number.isFinite(mark) || mark < 0) {
    throw new RangeError(`the passing mark must be a number of 0 or more, not ${String(mark)}`)
  }
  const wanted = options.subjects?.map(normalizeName)
  const ignore = new Set((options.ignore ?? ["attendance"]).map(normalizeName))

  return {
    name: "flag_below_passing_mark",
    description: `Warn about every score below the passing mark (${mark}), per subject.`,
    after: "validate_results",
    start: (context, columns) =>
      Effect.gen(function* () {
        const keys = context.state.profile?.keys ?? []
        const missing = (wanted ?? []).filter((subject) => !columns.includes(subject))
        if (missing.length > 0) {
          return yield* context.fail(
            `no column ${missing.map((name) => `"${name}"`).join(", ")} in this file (columns: ${columns.join(", ")})`,
          )
        }
        const subjects = columns
          .map((name, index) => ({ name, index, scores: 0, below: 0 }))
          .filter((column) =>
            wanted === undefined
              ? !isIdentifierName(column.name, keys) && !ignore.has(column.name)
              : wanted.includes(column.name),
          )
        const student = keys.length > 0 ? columns.indexOf(keys[0]!) : -1
        let students = 0
        const countsToLog = () => {
          context.log.belowPassingMark = Object.fromEntries(
            subjects.filter((subject) => subject.scores > 0).map((subject) => [subject.name, subject.below]),
          )
          context.log.studentsBelow = students
        }
        context.log.passingMark = mark
        countsToLog()

        const chunk = (rows: ReadonlyArray<Row>) =>
          Effect.sync(() => {
            for (const row of rows) {
              let failed = false
              for (const subject of subjects) {
                // validate_results has read the scores: a cell that is still text is not a score
                const score = row.cells[subject.index]
                if (typeof score !== "number") continue
                subject.scores += 1
                if (score >= mark) continue
                subject.below += 1
                failed = true
                const who = student >= 0 ? String(row.cells[student] ?? `row ${row.number}`) : `row ${row.number}`
                context.report({
                  row: row.number,
                  column: subject.name,
                  value: String(score),
                  rule: BELOW_PASSING_MARK,
                  message: `${who} scored ${score} in ${subject.name}, below the passing mark of ${mark}`,
                })
              }
              if (failed) students += 1
            }
            countsToLog()
            return rows
          })
        return { chunk }
      }),
  }
}

/** A plugin contributing the stage: `passingMarkPlugin({ mark: 50 })`. */
export const passingMarkPlugin = (options: PassingMarkOptions = {}) =>
  definePlugin({
    name: "passing-mark",
    apiVersion: PLUGIN_API_VERSION,
    version: "0.1.0",
    stages: [passingMarkStage(options)],
  })
