/** `publish_results`: hand the dataset and summary to the ReportPublisher, which writes the CSV and PDF. */
import { Clock, Effect } from "effect"
import { ReportPublisher } from "../ReportPublisher.js"
import type { Row } from "../Row.js"
import type { Stage, StageContext } from "../Stage.js"

/** Rows of the dataset shown in the PDF. */
export const PREVIEW_ROWS = 50

const start = Effect.fn("PublishResults.start")(function* (context: StageContext, columns: ReadonlyArray<string>) {
  const { state, log, source } = context
  const publisher = yield* ReportPublisher
  const failWith = (error: { readonly message: string }) => context.fail(error.message)
  const session = yield* Effect.mapError(
    publisher.open({
      fileName: source.name,
      format: state.format ?? "unknown",
      profile: state.profile?.id ?? "generic",
      plan: state.plan,
      output: state.output,
      columns,
      startedAt: state.startedAt,
    }),
    failWith,
  )
  const preview: Array<Row> = []
  let written = 0

  const keep = (rows: ReadonlyArray<Row>) => {
    for (let i = 0; i < rows.length && preview.length < PREVIEW_ROWS; i++) {
      const row = rows[i]!
      preview.push({ number: row.number, cells: [...row.cells] })
    }
    written += rows.length
    return rows
  }
  // Per chunk, plain effects rather than a generator: this runs for every chunk of a large
  // file, and a generator effect per chunk kept its rows alive long enough to reach the old
  // generation (ten times the garbage collection work).
  const chunk =
    state.output === "dataset"
      ? (rows: ReadonlyArray<Row>) =>
          Effect.mapError(session.writeRows(rows), failWith).pipe(Effect.map(() => keep(rows)))
      : (rows: ReadonlyArray<Row>) => Effect.sync(() => keep(rows))

  const finish = () =>
    Effect.gen(function* () {
      const summary = state.summary ?? { rows: written, columns: columns.length, numeric: [] }
      const finishedAt = new Date(yield* Clock.currentTimeMillis)
      const reports = yield* Effect.mapError(
        session.finish({
          summary,
          preview,
          datasetRows: written,
          problems: state.problems,
          problemCount: state.problemCount,
          note: state.note,
          finishedAt,
        }),
        failWith,
      )
      state.reports = reports
      log.reports = reports
      return undefined
    })

  return { chunk, finish, abort: () => session.abort() }
})

export const publishResults: Stage = {
  name: "publish_results",
  description: "Write the CSV and PDF reports and store them.",
  start,
}
