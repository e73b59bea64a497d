/**
 * The mass-change guard: a plan that would delete or append a large share of a file's rows
 * waits for approval instead of publishing. A wrong delete rule ("class = 9" instead of "9B")
 * can silently drop most of a gradebook; the guard turns that into a question for a person.
 */

/** Share of the input rows a plan may change without approval. */
export const DEFAULT_MAX_SHARE = 0.2

export interface ChangeEffect {
  /** rows in the file before the plan */
  readonly inputRows: number
  readonly deleted: number
  readonly appended: number
  /** the plan's name for the message, e.g. "delete" */
  readonly plan?: string
}

export interface ChangeAssessment {
  /** (deleted + appended) / inputRows; 1 when rows are added to an empty input */
  readonly share: number
  readonly exceeds: boolean
  readonly message: string
}

/** Shares are compared with a tolerance: 0.1 * 3 is 0.30000000000000004 in floating point. */
const EPSILON = 1e-9

const count = (n: number) => n.toLocaleString("en-US")

/** "26%", or "20.1%" when rounding to a whole percent would hide the difference. */
const percent = (share: number) => {
  const tenths = Math.round(share * 1000) / 10
  return `${Number.isInteger(tenths) ? tenths.toFixed(0) : tenths.toFixed(1)}%`
}

const checkCount = (name: string, n: number) => {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number of rows, got ${n}`)
}

const describeChange = (effect: ChangeEffect): string => {
  const plan = effect.plan ? `the ${effect.plan} plan` : "the plan"
  if (effect.inputRows === 0) {
    return effect.appended === 0
      ? `${plan} would change no rows of an empty input`
      : `${plan} would add ${count(effect.appended)} rows to an empty input`
  }
  const parts: Array<string> = []
  if (effect.deleted > 0) parts.push(`remove ${count(effect.deleted)}`)
  if (effect.appended > 0) parts.push(`add ${count(effect.appended)}`)
  return parts.length === 0
    ? `${plan} would change no rows`
    : `${plan} would ${parts.join(" and ")} of ${count(effect.inputRows)} rows`
}

/**
 * Whether a plan changes more than `maxShare` of the input rows. A share exactly at the limit
 * does not exceed it. With no input rows, any change is a full (100%) change.
 */
export const assessChange = (effect: ChangeEffect, maxShare: number = DEFAULT_MAX_SHARE): ChangeAssessment => {
  checkCount("inputRows", effect.inputRows)
  checkCount("deleted", effect.deleted)
  checkCount("appended", effect.appended)
  if (effect.deleted > effect.inputRows) {
    throw new RangeError(`cannot delete ${effect.deleted} rows of ${effect.inputRows}: more than the input has`)
  }
  if (!(maxShare >= 0 && maxShare <= 1)) throw new RangeError(`maxShare must be between 0 and 1, got ${maxShare}`)
  const changed = effect.deleted + effect.appended
  const share = effect.inputRows === 0 ? (changed === 0 ? 0 : 1) : changed / effect.inputRows
  const exceeds = share - maxShare > EPSILON
  const change = describeChange(effect)
  const limit = `the ${percent(maxShare)} allowed without approval`
  const message =
    changed === 0
      ? change
      : exceeds
        ? `${change} (${percent(share)}), more than ${limit}`
        : `${change} (${percent(share)}), within ${limit}`
  return { share, exceeds, message }
}

/** Rows of each kind kept as the preview of an approval request. */
export const APPROVAL_PREVIEW_ROWS = 20

/** One row a plan would remove or add, as shown to the person deciding. */
export interface AffectedRow {
  readonly change: "deleted" | "appended"
  /** the row's number in the file (header = 1); appended rows are numbered after the last */
  readonly number: number
  readonly cells: ReadonlyArray<string | number | null>
}

/**
 * A run held for approval: what the plan would change, with a preview of the affected rows
 * (at most `APPROVAL_PREVIEW_ROWS` of each kind). `stage` is the stage that asked.
 */
export interface ApprovalRequest {
  readonly stage: string
  readonly plan: string
  readonly inputRows: number
  readonly deleted: number
  readonly appended: number
  readonly share: number
  readonly maxShare: number
  readonly message: string
  readonly columns: ReadonlyArray<string>
  readonly preview: ReadonlyArray<AffectedRow>
}
