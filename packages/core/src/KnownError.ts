/** Known errors: patterns that recognize a failure and say its severity, root cause and fix. */
import { Result } from "effect"
import { checkPattern, MAX_MATCH_TEXT, safeMatch } from "./SafePattern.js"

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

/** The text a pattern is matched against: "<stage>: <message>", bounded (see `safeMatch`). */
export const knownErrorSubject = (failure: { readonly stage: string; readonly message: string }): string =>
  `${failure.stage}: ${failure.message}`.slice(0, MAX_MATCH_TEXT)

/**
 * A function that finds the first known error whose pattern matches a failure, in the order
 * given. Patterns come from the database and are written by operators, so each goes through
 * `checkPattern` once, here: one that does not compile or is too complex is skipped, never run.
 */
export const knownErrorMatcher = (
  knownErrors: ReadonlyArray<KnownError>,
): ((failure: { readonly stage: string; readonly message: string }) => KnownError | undefined) => {
  const usable = knownErrors.flatMap((known) => {
    const checked = checkPattern(known.pattern)
    return Result.isSuccess(checked) ? [{ known, pattern: checked.success }] : []
  })
  return (failure) => {
    const subject = knownErrorSubject(failure)
    return usable.find(
      ({ known, pattern }) =>
        (known.stage === undefined || known.stage === failure.stage) && safeMatch(pattern, subject),
    )?.known
  }
}

/** The first known error whose pattern matches, in the order given (see `knownErrorMatcher`). */
export const matchKnownError = (
  knownErrors: ReadonlyArray<KnownError>,
  failure: { readonly stage: string; readonly message: string },
): KnownError | undefined => knownErrorMatcher(knownErrors)(failure)

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
