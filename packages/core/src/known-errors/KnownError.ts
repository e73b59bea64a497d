/** Known errors: patterns that recognize a failure and say its severity, root cause and fix. */
import { Result } from "effect"
import { checkPattern, MAX_MATCH_TEXT, safeMatch } from "../pipeline/SafePattern.js"

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

/** A failure as known errors see it: the stage, its message, and the plugin it names. */
export interface KnownFailure {
  readonly stage: string
  readonly message: string
  /** the plugin that owns the failing stage or plan, when the failure names one */
  readonly plugin?: string | undefined
}

/**
 * The order known errors are tried in for a failure, the first match winning:
 *
 * 1. those of no plugin: a site's own, written by its operators (a host's database rows);
 * 2. those of the plugin the failure names, the one that owns the failing stage or plan, so a
 *    plugin can diagnose its own failures better than the built-in known errors do;
 * 3. the rest.
 *
 * Each group keeps the order given (registration order for a registry's known errors).
 */
export const knownErrorOrder = <K extends Pick<KnownError, "plugin">>(
  knownErrors: ReadonlyArray<K>,
  failurePlugin: string | undefined,
): ReadonlyArray<K> => {
  const rank = (known: K) => (known.plugin === undefined ? 0 : known.plugin === failurePlugin ? 1 : 2)
  return [0, 1, 2].flatMap((group) => knownErrors.filter((known) => rank(known) === group))
}

/**
 * A function that finds the first known error whose pattern matches a failure, in the order
 * {@link knownErrorOrder} gives for it. Patterns come from the database and are written by
 * operators, so each goes through `checkPattern` once, here: one that does not compile or is
 * too complex is skipped, never run.
 */
export const knownErrorMatcher = (
  knownErrors: ReadonlyArray<KnownError>,
): ((failure: KnownFailure) => KnownError | undefined) => {
  const usable = knownErrors.flatMap((known) => {
    const checked = checkPattern(known.pattern)
    return Result.isSuccess(checked) ? [{ known, plugin: known.plugin, pattern: checked.success }] : []
  })
  return (failure) => {
    const subject = knownErrorSubject(failure)
    return knownErrorOrder(usable, failure.plugin).find(
      ({ known, pattern }) =>
        (known.stage === undefined || known.stage === failure.stage) && safeMatch(pattern, subject),
    )?.known
  }
}

/** The first known error whose pattern matches, in the order {@link knownErrorOrder} gives. */
export const matchKnownError = (
  knownErrors: ReadonlyArray<KnownError>,
  failure: KnownFailure,
): KnownError | undefined => knownErrorMatcher(knownErrors)(failure)

/** The incident draft for a failure, tagged by the first matching known error. */
export const draftIncident = (knownErrors: ReadonlyArray<KnownError>, failure: KnownFailure): IncidentDraft => {
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
