/** A data problem found while processing: a warning in the step log and a line of the rejected-rows file. */
export interface Problem {
  /** stage that found it */
  readonly stage: string
  /** plugin that contributed the rule ("batchops" for built-ins) */
  readonly plugin: string
  /** row number (header = 1), when the problem is in one row */
  readonly row?: number | undefined
  readonly column?: string | undefined
  readonly value?: string | undefined
  /** short rule id, e.g. "numeric", "missing_key", "duplicate_id" */
  readonly rule: string
  /** a sentence for people */
  readonly message: string
}
