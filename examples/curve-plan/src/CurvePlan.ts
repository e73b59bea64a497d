/**
 * A plan that curves scores with the square-root curve: a score s out of `max` becomes
 * max × √(s / max), rounded to `decimals` places. 0 stays 0, `max` stays `max`, and low scores
 * gain most (out of 100: 36 → 60, 49 → 70, 64 → 80, 81 → 90). Scores outside 0..max are
 * first brought into range, with a warning, so every curved score is within 0..max.
 */
import { definePlan, definePlugin, isIdentifierName, normalizeName, PLUGIN_API_VERSION, type Row } from "@batchops/core"
import { Effect, Schema } from "effect"

export const CurveConfig = Schema.Struct({
  /** the columns to curve, as the file names them */
  columns: Schema.Array(Schema.String.check(Schema.isNonEmpty())).check(Schema.isMinLength(1)),
  /** the full mark (default 100) */
  max: Schema.Finite.check(Schema.isGreaterThan(0)).pipe(Schema.withDecodingDefaultKey(Effect.succeed(100))),
  /** decimal places of a curved score (default 1) */
  decimals: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 6 })).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed(1)),
  ),
})
export type CurveConfig = typeof CurveConfig.Type

/** The square-root curve of a score already within 0..max. */
export const squareRootCurve = (score: number, max: number, decimals: number): number => {
  const factor = 10 ** decimals
  return Math.round(max * Math.sqrt(score / max) * factor) / factor
}

/** The rule of the warning for a score outside 0..max. */
export const OUT_OF_RANGE = "score_out_of_range"

export const curvePlan = definePlan({
  id: "curve",
  label: "Curve scores",
  description: "Raise scores with the square-root curve: max × √(score / max). Publishes the curved rows.",
  output: "dataset",
  config: CurveConfig,
  start: (config, context, columns) =>
    Effect.gen(function* () {
      const keys = context.state.profile?.keys ?? []
      const targets: Array<{ readonly name: string; readonly index: number; curved: number }> = []
      for (const [i, given] of config.columns.entries()) {
        const name = normalizeName(given)
        const index = columns.indexOf(name)
        if (index < 0) {
          return yield* context.fail(
            `process_config.columns[${i}]: "${given}" is not a column of this file (columns: ${columns.join(", ")})`,
          )
        }
        if (isIdentifierName(name, keys)) {
          return yield* context.fail(`process_config.columns[${i}]: "${given}" holds identifiers, not scores`)
        }
        if (!targets.some((target) => target.index === index)) targets.push({ name, index, curved: 0 })
      }
      let outOfRange = 0
      const logCounts = () => {
        context.log.curve = {
          rule: "square root",
          max: config.max,
          curved: Object.fromEntries(targets.map((target) => [target.name, target.curved])),
          outOfRange,
        }
      }
      logCounts()
      return {
        chunk: (rows: ReadonlyArray<Row>) => {
          for (const row of rows) {
            for (const target of targets) {
              const score = row.cells[target.index]
              // missing cells stay missing; text was already reported by validate_results
              if (typeof score !== "number") continue
              const inRange = Math.min(Math.max(score, 0), config.max)
              if (inRange !== score) {
                outOfRange += 1
                context.report({
                  row: row.number,
                  column: target.name,
                  value: String(score),
                  rule: OUT_OF_RANGE,
                  message: `row ${row.number}, ${target.name}: ${score} is outside 0..${config.max}; curved as ${inRange}`,
                })
              }
              row.cells[target.index] = squareRootCurve(inRange, config.max, config.decimals)
              target.curved += 1
            }
          }
          logCounts()
          return rows
        },
      }
    }),
})

export const curvePlugin = definePlugin({
  name: "curve-plan",
  apiVersion: PLUGIN_API_VERSION,
  version: "0.1.0",
  plans: [curvePlan],
})
