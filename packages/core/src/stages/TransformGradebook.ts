/**
 * `transform_gradebook`: coerce values (numbers, missing tokens, coded values), then apply
 * the operator's plan to the rows.
 */
import { Effect, Exit, Schema } from "effect"
import { coerceCell, isMissingToken } from "../Coerce.js"
import { schemaMessage } from "../internal/schemaMessage.js"
import { type AffectedRow, APPROVAL_PREVIEW_ROWS, assessChange } from "../MassChangeGuard.js"
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
  const decimalMark = state.decimalMark
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
        cells[c] = coerceCell(value, decimalMark)
      }
    }
  }

  const run = yield* plan.start(decoded.value, context, columns)
  const outColumns = run.columns ?? columns
  state.datasetColumns = outColumns
  let datasetRows = 0

  // The mass-change guard: how many rows the plan removed and added, with the first of each.
  const guarded = state.maxChange !== undefined
  let inputRows = 0
  let deleted = 0
  const preview: Array<AffectedRow> = []
  let deletedShown = 0
  const show = (change: AffectedRow["change"], row: Row) =>
    preview.push({ change, number: row.number, cells: row.cells.map((cell) => cell ?? null) })

  const chunk = (rows: ReadonlyArray<Row>) =>
    Effect.sync(() => {
      for (const row of rows) coerceRow(row.cells)
      const out = run.chunk ? run.chunk(rows) : rows
      if (guarded) {
        inputRows += rows.length
        if (out.length < rows.length) {
          deleted += rows.length - out.length
          if (deletedShown < APPROVAL_PREVIEW_ROWS) {
            const kept = new Set(out)
            for (const row of rows) {
              if (deletedShown >= APPROVAL_PREVIEW_ROWS) break
              if (!kept.has(row)) {
                show("deleted", row)
                deletedShown += 1
              }
            }
          }
        }
      }
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
      if (guarded && state.maxChange !== undefined) {
        const appended = extra?.length ?? 0
        for (const row of (extra ?? []).slice(0, APPROVAL_PREVIEW_ROWS)) show("appended", row)
        const change = { inputRows, deleted, appended, plan: plan.id }
        const assessed = assessChange(change, state.maxChange)
        log.change = { inputRows, deleted, appended, share: assessed.share, maxShare: state.maxChange }
        if (assessed.exceeds) {
          log.approval = assessed.message
          context.requestApproval({
            ...change,
            share: assessed.share,
            maxShare: state.maxChange,
            message: assessed.message,
            columns: outColumns,
            preview,
          })
        }
      }
      return extra
    })
  return { columns: outColumns, chunk, finish }
})

export const transformGradebook: Stage = {
  name: "transform_gradebook",
  description: "Coerce values and apply the plan (transform, append, delete, custom).",
  start,
}
