/**
 * `transform_gradebook`: coerce values (numbers, missing tokens, coded values), then apply
 * the operator's plan to the rows.
 */
import { Effect, Exit, Schema } from "effect"
import { coerceCell, isMissingToken } from "../Coerce.js"
import { schemaMessage } from "../internal/schemaMessage.js"
import { isIdentifierName } from "../Normalize.js"
import type { Cell, Row } from "../Row.js"
import type { Stage, StageContext } from "../Stage.js"

const start = Effect.fn("TransformGradebook.start")(function* (context: StageContext, columns: ReadonlyArray<string>) {
  const { state, registry, log } = context
  const plan = registry.plans.get(state.plan.mode)
  if (plan === undefined) return yield* context.fail(`unknown plan "${state.plan.mode}"`)
  const decoded = Schema.decodeUnknownExit(plan.config)(state.plan.config, {
    errors: "all",
    onExcessProperty: "error",
  })
  if (Exit.isFailure(decoded)) {
    const error = decoded.cause.reasons.find((r) => r._tag === "Fail")
    return yield* context.fail(
      `invalid ${plan.id} plan: ${schemaMessage(error && "error" in error ? error.error : decoded.cause, "process_config")}`,
    )
  }
  state.output = plan.output
  log.plan = plan.id

  const keys = state.profile?.keys ?? []
  // What to do with each column: identifiers keep their text, coded columns spell codes out.
  const kinds = columns.map((name) => ({
    codes: state.profile?.codes?.[name],
    identifier: isIdentifierName(name, keys),
  }))
  const coerceRow = (cells: Array<Cell>) => {
    for (let c = 0; c < cells.length; c++) {
      const value = cells[c]
      if (typeof value !== "string") continue
      const kind = kinds[c]!
      if (kind.codes) {
        cells[c] = isMissingToken(value) ? undefined : (kind.codes[value.toUpperCase()] ?? value)
      } else if (kind.identifier) {
        if (isMissingToken(value)) cells[c] = undefined
      } else {
        cells[c] = coerceCell(value)
      }
    }
  }

  const run = yield* plan.start(decoded.value, context, columns)
  const outColumns = run.columns ?? columns
  state.datasetColumns = outColumns
  let datasetRows = 0

  const chunk = (rows: ReadonlyArray<Row>) =>
    Effect.sync(() => {
      for (const row of rows) coerceRow(row.cells)
      const out = run.chunk ? run.chunk(rows) : rows
      datasetRows += out.length
      state.datasetRows = datasetRows
      return out
    })
  const finish = () =>
    Effect.sync(() => {
      const extra = run.finish?.()
      // rows a plan adds are coerced like the file's (identifiers keep their text, codes are spelled out)
      if (extra) for (const row of extra) coerceRow(row.cells)
      datasetRows += extra?.length ?? 0
      state.datasetRows = datasetRows
      log.rows = datasetRows
      return extra
    })
  return { columns: outColumns, chunk, finish }
})

export const transformGradebook: Stage = {
  name: "transform_gradebook",
  description: "Coerce values and apply the plan (transform, append, delete, custom).",
  start,
}
