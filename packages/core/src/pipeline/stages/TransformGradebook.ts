/**
 * `transform_gradebook`: coerce values (numbers, missing tokens, coded values), then apply
 * the operator's plan to the rows.
 */
import { Effect, Exit, Schema } from "effect"
import { schemaMessage } from "../../internal/schemaMessage.js"
import { errorChainMessage } from "../../runtime/Failures.js"
import { coerceCell, isMissingToken } from "../Coerce.js"
import { StageError } from "../Errors.js"
import { type AffectedRow, APPROVAL_PREVIEW_ROWS, assessChange } from "../MassChangeGuard.js"
import { isIdentifierName } from "../Normalize.js"
import type { Plan, PlanContext } from "../Plan.js"
import type { Cell, Row } from "../Row.js"
import type { Stage, StageContext } from "../Stage.js"

const start = Effect.fn("TransformGradebook.start")(function* (context: StageContext, columns: ReadonlyArray<string>) {
  const { state, registry, log } = context
  const plan = registry.plans.get(state.plan.mode)
  if (plan === undefined) return yield* context.fail(`unknown plan "${state.plan.mode}"`)
  // What goes wrong in a plan is its plugin's to answer for, not this stage's: its config, its
  // own failures and problems, and a throw in its code all name the plugin that gave the plan.
  const planContext = contextOfPlan(plan, context)
  const decoded = Schema.decodeUnknownExit(plan.config)(state.plan.config, {
    errors: "all",
    onExcessProperty: "error",
  })
  if (Exit.isFailure(decoded)) {
    const error = decoded.cause.reasons.find((r) => r._tag === "Fail")
    return yield* planContext.fail(
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

  const threw = (defect: unknown) =>
    planContext.fail(`unexpected error in plan "${plan.id}": ${errorChainMessage(defect)}`)
  const run = yield* Effect.suspend(() => plan.start(decoded.value, planContext, columns)).pipe(
    Effect.catchDefect((defect) => Effect.fail(threw(defect))),
    Effect.mapError((error) => (error.plugin === undefined ? planContext.fail(error.message) : error)),
  )
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
    Effect.suspend(() => {
      for (const row of rows) coerceRow(row.cells)
      let out: ReadonlyArray<Row>
      try {
        out = run.chunk ? run.chunk(rows) : rows
      } catch (defect) {
        return Effect.fail(threw(defect))
      }
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
      return Effect.succeed(out)
    })
  const finish = () =>
    Effect.suspend(() => {
      let extra: ReadonlyArray<Row> | undefined
      try {
        extra = run.finish?.()
      } catch (defect) {
        return Effect.fail(threw(defect))
      }
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
      return Effect.succeed(extra)
    })
  return { columns: outColumns, chunk, finish }
})

/** The plan's view of the stage: failures and problems name the plan's plugin (or the stage's, for a plan without one). */
const contextOfPlan = (plan: Plan, context: StageContext): PlanContext => {
  const fail = (message: string): StageError => {
    const error = context.fail(message)
    return plan.plugin === undefined ? error : new StageError({ stage: error.stage, message, plugin: plan.plugin })
  }
  return {
    state: context.state,
    log: context.log,
    report: (problem) => context.report({ ...problem, plugin: problem.plugin ?? plan.plugin }),
    requestApproval: context.requestApproval,
    fail,
  }
}

export const transformGradebook: Stage = {
  name: "transform_gradebook",
  description: "Coerce values and apply the plan (transform, append, delete, custom).",
  start,
}
