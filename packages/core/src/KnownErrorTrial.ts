/**
 * Trying a known error before saving it: which recent failures its pattern would have
 * recognized, so an operator sees a too-broad or too-narrow pattern before it tags anything.
 */
import { Result } from "effect"
import { type KnownError, knownErrorSubject, matchKnownError } from "./KnownError.js"
import { checkPattern, safeMatch } from "./SafePattern.js"

/** A failure to try the candidate against (an incident's stage and error, say). */
export interface RecentFailure {
  readonly id: string
  readonly stage: string
  readonly message: string
}

/** The part of a known error a trial needs; `stage` null or absent matches every stage. */
export interface KnownErrorCandidate {
  readonly pattern: string
  readonly stage?: string | null | undefined
}

export interface TrialMatch extends RecentFailure {
  /** a known error already saved that recognizes this failure first, if any: the candidate would not win there */
  readonly shadowedBy: string | null
}

export type TrialResult =
  | {
      readonly status: "refused"
      /** why the pattern cannot be saved (see `checkPattern`) */
      readonly reason: string
    }
  | {
      readonly status: "ok"
      readonly matched: ReadonlyArray<TrialMatch>
      /** how many failures were tried */
      readonly tried: number
    }

/**
 * The failures `candidate` would have matched, in the order given. `existing` are the known
 * errors already saved, in matching order: a failure one of them recognizes is still listed,
 * with `shadowedBy` naming it.
 */
export const tryKnownError = (
  candidate: KnownErrorCandidate,
  recentFailures: ReadonlyArray<RecentFailure>,
  existing: ReadonlyArray<KnownError> = [],
): TrialResult => {
  const checked = checkPattern(candidate.pattern)
  if (Result.isFailure(checked)) return { status: "refused", reason: checked.failure.message }
  const stage = candidate.stage ?? undefined
  const matched = recentFailures
    .filter((failure) => stage === undefined || failure.stage === stage)
    .filter((failure) => safeMatch(checked.success, knownErrorSubject(failure)))
    .map((failure) => ({
      id: failure.id,
      stage: failure.stage,
      message: failure.message,
      shadowedBy: matchKnownError(existing, failure)?.name ?? null,
    }))
  return { status: "ok", matched, tried: recentFailures.length }
}
