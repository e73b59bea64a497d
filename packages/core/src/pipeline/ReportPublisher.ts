/**
 * The ReportPublisher port: where `publish_results` sends its output. The reports package
 * renders CSV and PDF and provides a publisher that writes them to a directory; hosts wrap
 * it to store reports elsewhere too (a database, a blob store).
 */
import { Context, type Effect } from "effect"
import type { PublishError } from "./Errors.js"
import type { Problem } from "./Problem.js"
import type { Row } from "./Row.js"
import type { Summary } from "./Summary.js"

export interface PublishRequest {
  /** the source file's name, e.g. "gradebook.csv"; report names derive from it */
  readonly fileName: string
  readonly format: string
  readonly profile: string
  readonly plan: { readonly mode: string; readonly config: unknown }
  /** "summary": the published CSV is the summary table; "dataset": the processed rows */
  readonly output: "summary" | "dataset"
  /** the dataset's columns (after the plan) */
  readonly columns: ReadonlyArray<string>
  readonly startedAt: Date
}

export interface PublishResult {
  readonly summary: Summary
  /** the first rows of the dataset (for the PDF's "showing N of M") */
  readonly preview: ReadonlyArray<Row>
  /** rows in the published dataset */
  readonly datasetRows: number
  /** every problem found (warnings); those with a row number make the rejected-rows file */
  readonly problems: ReadonlyArray<Problem>
  /** problems found in all, which may exceed `problems.length` when the list was capped */
  readonly problemCount: number
  /** the operator's note of a `custom` plan */
  readonly note: string | undefined
  readonly finishedAt: Date
}

/** Where the reports went: paths or URIs, as the publisher names them. */
export interface PublishedReports {
  readonly csv: string
  readonly pdf: string
  /** the rejected-rows CSV, when any problem had a row number */
  readonly rejected: string | undefined
}

export interface PublishSession {
  /** Append rows of the processed dataset (only called when output is "dataset"). */
  readonly writeRows: (rows: ReadonlyArray<Row>) => Effect.Effect<void, PublishError>
  /** Write the CSV, PDF and rejected-rows files and make them visible. */
  readonly finish: (result: PublishResult) => Effect.Effect<PublishedReports, PublishError>
  /** Throw away everything written so far (the pipeline failed). */
  readonly abort: () => Effect.Effect<void>
}

export class ReportPublisher extends Context.Service<
  ReportPublisher,
  {
    readonly open: (request: PublishRequest) => Effect.Effect<PublishSession, PublishError>
  }
>()("@batchops/core/ReportPublisher") {}
