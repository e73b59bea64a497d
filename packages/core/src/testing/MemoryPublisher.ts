/**
 * A ReportPublisher that keeps in memory everything a run publishes (the request with its
 * columns, the dataset rows, the summary, problems and note) and names the reports
 * `memory://<n>/<file>.<kind>.csv`, so a test reads back what a name stands for.
 */
import {
  type PublishedReports,
  type PublishRequest,
  type PublishResult,
  ReportPublisher,
  type Row,
} from "@batchops/core"
import { Effect, Layer } from "effect"

/** One run's publication, as the run left it. */
export interface Publication {
  /** what `publish_results` opened the session with: file name, format, profile, plan, output, columns */
  readonly request: PublishRequest
  /** the dataset's columns (the request's) */
  readonly columns: ReadonlyArray<string>
  /** every `writeRows` call, rows copied (dataset output only) */
  readonly batches: ReadonlyArray<ReadonlyArray<Row>>
  /** the dataset rows written, in order (dataset output only) */
  readonly rows: ReadonlyArray<Row>
  /** what `finish` was given (summary, preview, problems, note...); undefined until then */
  readonly result: PublishResult | undefined
  /** the names returned by `finish` */
  readonly reports: PublishedReports | undefined
  /** the run failed and threw the publication away */
  readonly aborted: boolean
}

export interface MemoryPublisher {
  /** provide it to a pipeline run */
  readonly layer: Layer.Layer<ReportPublisher>
  /** every session opened, in order */
  readonly publications: ReadonlyArray<Publication>
  /** the publication a `memory://` report name (its CSV, PDF or rejected-rows name) stands for */
  readonly read: (name: string) => Publication | undefined
}

interface MutablePublication {
  readonly request: PublishRequest
  readonly columns: ReadonlyArray<string>
  readonly batches: Array<ReadonlyArray<Row>>
  readonly rows: ReadonlyArray<Row>
  result: PublishResult | undefined
  reports: PublishedReports | undefined
  aborted: boolean
}

const baseName = (fileName: string): string => {
  const name = fileName.replaceAll("\\", "/").split("/").pop() ?? ""
  const dot = name.lastIndexOf(".")
  const base = dot > 0 ? name.slice(0, dot) : name
  return base === "" ? "report" : base
}

/** A new in-memory publisher; each `layer` provision shares its publications. */
export const memoryPublisher = (): MemoryPublisher => {
  const publications: Array<MutablePublication> = []
  const layer = Layer.succeed(ReportPublisher, {
    open: (request) =>
      Effect.sync(() => {
        const publication: MutablePublication = {
          request,
          columns: request.columns,
          batches: [],
          get rows() {
            return this.batches.flat()
          },
          result: undefined,
          reports: undefined,
          aborted: false,
        }
        publications.push(publication)
        const prefix = `memory://${publications.length}/${baseName(request.fileName)}`
        const kind = request.output === "summary" ? "summary" : "processed"
        return {
          writeRows: (rows) =>
            Effect.sync(() => {
              publication.batches.push(rows.map((row) => ({ number: row.number, cells: [...row.cells] })))
            }),
          finish: (result) =>
            Effect.sync(() => {
              const reports: PublishedReports = {
                csv: `${prefix}.${kind}.csv`,
                pdf: `${prefix}.${kind}.pdf`,
                rejected: result.problems.some((problem) => problem.row !== undefined)
                  ? `${prefix}.rejected.csv`
                  : undefined,
              }
              publication.result = result
              publication.reports = reports
              return reports
            }),
          abort: () =>
            Effect.sync(() => {
              publication.aborted = true
            }),
        }
      }),
  })
  const read = (name: string) =>
    publications.find(
      (publication) =>
        publication.reports !== undefined &&
        [publication.reports.csv, publication.reports.pdf, publication.reports.rejected].includes(name),
    )
  return { layer, publications, read }
}

/** The rows of a publication as records of cells by column name (handy for `deepStrictEqual`). */
export const publishedRecords = (
  publication: Publication,
): Array<Readonly<Record<string, string | number | undefined>>> =>
  publication.rows.map((row) =>
    Object.fromEntries(publication.columns.map((column, index) => [column, row.cells[index]])),
  )
