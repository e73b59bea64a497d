/** Known errors (`@batchops/core/known-errors`): the matchers that diagnose a failure, their order, the built-in ones and trying one against recent failures. */

export { builtinKnownErrors } from "./BuiltinKnownErrors.js"
export {
  DEFAULT_SEVERITY,
  draftIncident,
  type IncidentDraft,
  type KnownError,
  type KnownFailure,
  knownErrorMatcher,
  knownErrorOrder,
  knownErrorSubject,
  matchKnownError,
  type Severity,
} from "./KnownError.js"
export {
  type KnownErrorCandidate,
  type RecentFailure,
  type SampleFailure,
  type TrialMatch,
  type TrialResult,
  tryKnownError,
} from "./KnownErrorTrial.js"
