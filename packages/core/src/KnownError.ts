/** Known errors: patterns that recognize a failure and say its severity, root cause and fix. */

export type Severity = "low" | "medium" | "high" | "critical"

export interface KnownError {
  /** unique name, e.g. "pdf-no-table" */
  readonly name: string
  /** regular expression (source text), matched case-insensitively against "<stage>: <message>" */
  readonly pattern: string
  readonly severity: Severity
  readonly rootCause: string
  readonly correctiveAction: string
  /** only match failures of this stage */
  readonly stage?: string
  readonly plugin?: string
}

/** What an incident is opened with. */
export interface IncidentDraft {
  readonly stage: string
  readonly error: string
  readonly severity: Severity
  /** name of the matched known error, or null */
  readonly knownError: string | null
  readonly rootCause: string | null
  readonly correctiveAction: string | null
  readonly plugin: string | null
}

/** The severity of a failure no known error recognizes. */
export const DEFAULT_SEVERITY: Severity = "medium"

/** Longest message a pattern is run against: bounds the work of any pattern. */
const MAX_SUBJECT = 2000

/** The first known error whose pattern matches, in the order given. */
export const matchKnownError = (
  knownErrors: ReadonlyArray<KnownError>,
  failure: { readonly stage: string; readonly message: string },
): KnownError | undefined => {
  const subject = `${failure.stage}: ${failure.message}`.slice(0, MAX_SUBJECT)
  return knownErrors.find((known) => {
    if (known.stage !== undefined && known.stage !== failure.stage) return false
    try {
      return new RegExp(known.pattern, "i").test(subject)
    } catch {
      return false
    }
  })
}

/** The incident draft for a failure, tagged by the first matching known error. */
export const draftIncident = (
  knownErrors: ReadonlyArray<KnownError>,
  failure: { readonly stage: string; readonly message: string; readonly plugin?: string | undefined },
): IncidentDraft => {
  const known = matchKnownError(knownErrors, failure)
  return {
    stage: failure.stage,
    error: failure.message,
    severity: known?.severity ?? DEFAULT_SEVERITY,
    knownError: known?.name ?? null,
    rootCause: known?.rootCause ?? null,
    correctiveAction: known?.correctiveAction ?? null,
    plugin: failure.plugin ?? null,
  }
}
