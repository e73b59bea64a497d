/** `generate_summary`: row and column counts and, per numeric column, descriptive statistics. */
import { Effect } from "effect"
import { isNumericColumn } from "../Coerce.js"
import { isIdentifierName } from "../Normalize.js"
import type { Row } from "../Row.js"
import type { Stage, StageContext } from "../Stage.js"
import { columnStats, NumberColumn } from "../Statistics.js"

const start = Effect.fn("GenerateSummary.start")(function* (context: StageContext, columns: ReadonlyArray<string>) {
  const { state, log } = context
  const keys = state.profile?.keys ?? []
  const candidates = columns
    .map((name, index) => ({ name, index, values: new NumberColumn(), present: 0 }))
    .filter((c) => !isIdentifierName(c.name, keys))
  let rows = 0

  const chunk = (chunk: ReadonlyArray<Row>) =>
    Effect.sync(() => {
      rows += chunk.length
      for (const row of chunk) {
        const cells = row.cells
        for (const column of candidates) {
          const value = cells[column.index]
          if (value === undefined) continue
          column.present += 1
          if (typeof value === "number") column.values.push(value)
        }
      }
      return chunk
    })

  const finish = () =>
    Effect.sync(() => {
      const numeric = candidates
        .filter((c) => isNumericColumn(c.values.length, c.present))
        .map((c) => columnStats(c.name, c.values, rows))
      // a million values are 8 MB a column: free them before the reports are drawn
      for (const c of candidates) c.values.release()
      state.summary = { rows, columns: columns.length, numeric }
      log.rows = rows
      log.columns = columns.length
      log.numericColumns = numeric.map((c) => c.column)
      return undefined
    })

  return { chunk, finish }
})

export const generateSummary: Stage = {
  name: "generate_summary",
  description: "Count rows and columns; compute statistics of numeric columns.",
  start,
}
