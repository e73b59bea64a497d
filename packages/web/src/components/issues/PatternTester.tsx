/**
 * Tries a known error's pattern before it is saved: the server checks the pattern (a refused one
 * comes back with why), says which recent failures it would recognize, and matches the sample
 * message the way the worker matches a failure ("stage: message", ignoring case, the first 2000
 * characters). Patterns are never run in the browser: its engine backtracks, the server's does not.
 */
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { Alert, Button, Field, messageOf } from "../ui"
import type { PatternTrial } from "./types"

interface Outcome {
  readonly sample: boolean | null
  readonly trial: PatternTrial
}

export const PatternTester = ({ pattern, stage }: { pattern: string; stage: string }) => {
  const [sampleStage, setSampleStage] = useState(stage)
  const [sample, setSample] = useState("")
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | null>(null)
  const [refusal, setRefusal] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)

  const test = async () => {
    setBusy(true)
    setOutcome(null)
    setRefusal(null)
    setError(null)
    try {
      const trial: PatternTrial = await answerOf(
        client.POST("/api/known-errors/try/", {
          body: {
            pattern,
            ...(stage.trim() === "" ? {} : { stage: stage.trim() }),
            ...(sample.trim() === "" ? {} : { sample: { stage: sampleStage.trim(), message: sample } }),
          },
        }),
      )
      setOutcome({ sample: trial.sample_matched, trial })
    } catch (problem) {
      if (problem instanceof ApiProblem && problem.field("pattern")) setRefusal(problem.field("pattern")!)
      else setError(problem)
    } finally {
      setBusy(false)
    }
  }

  return (
    <fieldset class="pattern-tester">
      <legend>Test the pattern</legend>
      <p class="hint">
        A pattern is a regular expression matched, ignoring case, against the failure's stage and message written as
        "stage: message".
      </p>
      <div class="pattern-tester-fields">
        <Field label="Sample stage" hint="e.g. transform_gradebook">
          {(props) => (
            <input
              {...props}
              value={sampleStage}
              onInput={(e) => setSampleStage(e.currentTarget.value)}
              onKeyDown={(e) => {
                // Enter here tests the pattern; it does not save the form around the tester
                if (e.key === "Enter") {
                  e.preventDefault()
                  if (pattern.trim() !== "") void test()
                }
              }}
            />
          )}
        </Field>
        <Field label="Sample message">
          {(props) => <textarea {...props} rows={2} value={sample} onInput={(e) => setSample(e.currentTarget.value)} />}
        </Field>
      </div>
      <Button variant="secondary" busy={busy} disabled={pattern.trim() === ""} onClick={test}>
        Test the pattern
      </Button>
      <div aria-live="polite" class="pattern-result">
        {refusal ? (
          <Alert>
            <strong>This pattern cannot be saved:</strong> {refusal}
          </Alert>
        ) : null}
        {error ? <Alert>{messageOf(error)}</Alert> : null}
        {outcome ? (
          <>
            {outcome.sample === null ? null : outcome.sample ? (
              <Alert kind="success">Match: the pattern recognizes the sample message.</Alert>
            ) : (
              <Alert kind="info">No match: the pattern does not recognize the sample message.</Alert>
            )}
            <p>
              Of the {outcome.trial.tried} most recent failures, it would recognize {outcome.trial.matched.length}.
            </p>
            {outcome.trial.matched.length > 0 ? (
              <ul class="trial-matches">
                {outcome.trial.matched.slice(0, 5).map((match) => (
                  <li key={match.incident_id}>
                    <a href={`/issues/${match.incident_id}`}>{match.stage}</a>: {match.message}
                    {match.shadowed_by ? <span class="muted"> (already recognized by {match.shadowed_by})</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </div>
    </fieldset>
  )
}
