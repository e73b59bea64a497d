/** The four plans of BatchOps: transform (summary), append, delete and custom. */
import { Effect, Schema } from "effect"
import { coerceCell } from "./Coerce.js"
import { cleanCell, normalizeName } from "./Normalize.js"
import type { PlanContext } from "./Plan.js"
import { definePlan } from "./Plan.js"
import type { Cell, Row } from "./Row.js"
import { columnsFor } from "./stages/StandardizeResults.js"

// Not `Schema.Struct({})`: an empty struct accepts any value (even `{"records": [...]}` or 5).
const NO_CONFIG = "the transform plan takes no configuration"
const NoConfig = Schema.Union([
  Schema.Undefined,
  Schema.Null,
  Schema.Record(Schema.String, Schema.Never.annotate({ message: NO_CONFIG })),
]).annotate({ message: `${NO_CONFIG} (give none, null or {})` })

/** Produces the summary table; the rows are not changed. */
export const transformPlan = definePlan({
  id: "transform",
  label: "Transform gradebook",
  description: "Publish summary statistics of every numeric column instead of the rows.",
  output: "summary",
  config: NoConfig,
  start: () => Effect.succeed({}),
})

const Value = Schema.Union([Schema.String, Schema.Number, Schema.Boolean, Schema.Null])

const AppendConfig = Schema.Struct({
  records: Schema.Array(Schema.Record(Schema.String, Value)).check(Schema.isMinLength(1)),
})

const toCellText = (value: string | number | boolean | null): string | undefined =>
  value === null ? undefined : String(value)

/**
 * Where the column an operator names is: the name is normalized like a header, aliases
 * included ("Roll No" finds `student_id` when the header's "Roll No" was mapped to it).
 */
const columnIndex = (name: string, context: PlanContext, columns: ReadonlyArray<string>): number => {
  const column = normalizeName(name)
  const index = columns.indexOf(column)
  return index >= 0 ? index : columns.indexOf(columnsFor(context.state.profile, [column]).columns[0]!)
}

/** Adds the operator's records after the rows. */
export const appendPlan = definePlan({
  id: "append",
  label: "Append records",
  description: "Add records (objects keyed by column) after the file's rows.",
  output: "dataset",
  config: AppendConfig,
  start: (config, context, columns) =>
    Effect.gen(function* () {
      const rows: Array<Row> = []
      for (const [i, record] of config.records.entries()) {
        const cells: Array<Cell> = new Array(columns.length).fill(undefined)
        for (const [key, value] of Object.entries(record)) {
          const index = columnIndex(key, context, columns)
          if (index < 0) {
            return yield* context.fail(
              `process_config.records[${i}]: "${key}" is not a column of this file (columns: ${columns.join(", ")})`,
            )
          }
          // cleaned like a file's cell; transform_gradebook coerces it like one (identifiers, codes)
          cells[index] = cleanCell(toCellText(value))
        }
        rows.push({ number: 0, cells })
      }
      context.log.appended = rows.length
      let last = 0
      return {
        chunk: (chunk: ReadonlyArray<Row>) => {
          if (chunk.length > 0) last = chunk[chunk.length - 1]!.number
          return chunk
        },
        // Appended records are numbered after the file's last row.
        finish: () => rows.map((row, i) => ({ number: last + 1 + i, cells: row.cells })),
      }
    }),
})

const DeleteConfig = Schema.Struct({
  rules: Schema.Array(
    Schema.Struct({
      column: Schema.String.check(Schema.isNonEmpty()),
      value: Value,
    }),
  ).check(Schema.isMinLength(1)),
})

const comparable = (cell: Cell): string => (cell === undefined ? "" : String(cell).trim().toLowerCase())

/** Removes every row that any rule matches (trimmed, case-insensitive equality). */
export const deletePlan = definePlan({
  id: "delete",
  label: "Delete records",
  description: "Remove rows where a column equals a value; several rules may be given.",
  output: "dataset",
  config: DeleteConfig,
  start: (config, context, columns) =>
    Effect.gen(function* () {
      const rules: Array<{ readonly index: number; readonly values: ReadonlySet<string> }> = []
      for (const [i, rule] of config.rules.entries()) {
        const index = columnIndex(rule.column, context, columns)
        if (index < 0) {
          return yield* context.fail(
            `process_config.rules[${i}].column: "${rule.column}" is not a column of this file (columns: ${columns.join(", ")})`,
          )
        }
        // cleaned like a file's cell (NFC, zero-width spaces gone), so "é" typed either way matches
        const text = cleanCell(toCellText(rule.value))
        // "87" matches a cell that read "87%"; "87%" in a rule matches it too; a coded value
        // matches in either form ("P" and "present").
        const code = context.state.profile?.codes?.[columns[index]!]?.[text?.toUpperCase() ?? ""]
        rules.push({
          index,
          values: new Set([
            comparable(text),
            comparable(coerceCell(text, context.state.decimalMark)),
            ...(code ? [comparable(code)] : []),
          ]),
        })
      }
      let deleted = 0
      context.log.rules = config.rules.length
      return {
        chunk: (rows: ReadonlyArray<Row>) => {
          const kept = rows.filter((row) => !rules.some((rule) => rule.values.has(comparable(row.cells[rule.index]))))
          deleted += rows.length - kept.length
          context.log.deleted = deleted
          return kept
        },
      }
    }),
})

const CustomConfig = Schema.Struct({ note: Schema.String.check(Schema.isNonEmpty()) })

/** Records the operator's instruction; the rows are not changed. */
export const customPlan = definePlan({
  id: "custom",
  label: "Custom rules",
  description: "Record a note for people to act on; the rows are published unchanged.",
  output: "dataset",
  config: CustomConfig,
  start: (config, context) =>
    Effect.sync(() => {
      context.state.note = config.note
      context.log.note = config.note
      return {}
    }),
})

export const builtinPlans = [transformPlan, appendPlan, deletePlan, customPlan] as const
