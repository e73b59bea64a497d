/**
 * Trying a known error before saving it: which recent failures its pattern would have
 * recognized (and whether it recognizes a sample message), so an operator sees a too-broad or
 * too-narrow pattern before it tags anything.
 */
import { Effect, Result } from "effect"
import { checkPattern, safeMatch } from "../pipeline/SafePattern.js"
import { type KnownError, knownErrorMatcher, knownErrorSubject } from "./KnownError.js"

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
      /** whether the candidate recognizes the sample failure; null without a sample */
      readonly sample: boolean | null
    }

/** A failure typed by the operator to try the candidate on, as the worker would see it. */
export interface SampleFailure {
  readonly stage: string
  readonly message: string
}

/**
 * The failures `candidate` would have matched, in the order given. `existing` are the known
 * errors already saved, in matching order: a failure one of them recognizes is still listed,
 * with `shadowedBy` naming it. Each failure's matching is short (see `checkPattern`), and the
 * trial yields between failures, so a host serving requests keeps answering during a long one.
 */
export const tryKnownError = Effect.fn("KnownErrors.try")(function* (
  candidate: KnownErrorCandidate,
  recentFailures: ReadonlyArray<RecentFailure>,
  existing: ReadonlyArray<KnownError> = [],
  sample?: SampleFailure,
) {
  const checked = checkPattern(candidate.pattern)
  if (Result.isFailure(checked)) return { status: "refused", reason: checked.failure.message } satisfies TrialResult
  const stage = candidate.stage ?? undefined
  const fits = (failure: SampleFailure) =>
    (stage === undefined || failure.stage === stage) && safeMatch(checked.success, knownErrorSubject(failure))
  const winner = knownErrorMatcher(existing)
  const matched: Array<TrialMatch> = []
  for (const failure of recentFailures) {
    yield* Effect.yieldNow
    if (!fits(failure)) continue
    matched.push({
      id: failure.id,
      stage: failure.stage,
      message: failure.message,
      shadowedBy: winner(failure)?.name ?? null,
    })
  }
  return {
    status: "ok",
    matched,
    tried: recentFailures.length,
    sample: sample === undefined ? null : fits(sample),
  } satisfies TrialResult
})
