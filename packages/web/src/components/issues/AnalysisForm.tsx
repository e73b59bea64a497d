/**
 * What the people working an incident write down: root cause, corrective action, impact and
 * analysis notes. Moderators and admins edit and save them (only the changed fields are sent,
 * with the version they loaded, so a colleague's change meanwhile is not overwritten); everyone
 * else reads them.
 */
import { Fragment } from "preact"
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, type BodyOf, client } from "../../api/client"
import { can } from "../../state/session"
import { Alert, Button, Field } from "../ui"
import { ProblemAlert } from "./ProblemAlert"
import type { IncidentDetail } from "./types"

const FIELDS = [
  { key: "root_cause", label: "Root cause", hint: "Why the batch failed." },
  { key: "corrective_action", label: "Corrective action", hint: "What was done, or must be done, to fix it." },
  { key: "impact_summary", label: "Impact", hint: "Who or what the failure affected." },
  { key: "analysis_notes", label: "Analysis notes", hint: undefined },
] as const

type Key = (typeof FIELDS)[number]["key"]
type Values = Record<Key, string>

const valuesOf = (incident: IncidentDetail): Values => ({
  root_cause: incident.root_cause ?? "",
  corrective_action: incident.corrective_action ?? "",
  impact_summary: incident.impact_summary ?? "",
  analysis_notes: incident.analysis_notes ?? "",
})

export const AnalysisForm = ({
  incident,
  onSaved,
  onReload,
}: {
  incident: IncidentDetail
  onSaved: (incident: IncidentDetail) => void
  onReload?: () => void
}) => {
  const [values, setValues] = useState<Values>(() => valuesOf(incident))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  const editable = can.manageIncidents() && incident.status !== "archived"

  // a newer version of the incident (another action, a reload) refreshes the fields not being edited
  const base = useRef(valuesOf(incident))
  useEffect(() => {
    const previous = base.current
    const next = valuesOf(incident)
    base.current = next
    setValues((current) => {
      const merged = { ...current }
      for (const field of FIELDS) if (current[field.key] === previous[field.key]) merged[field.key] = next[field.key]
      return merged
    })
  }, [incident])

  if (!editable) {
    return (
      <dl class="facts">
        {FIELDS.map((field) => (
          <Fragment key={field.key}>
            <dt>{field.label}</dt>
            <dd class="pre-text">{incident[field.key] ?? <span class="muted">Not written yet</span>}</dd>
          </Fragment>
        ))}
      </dl>
    )
  }

  const original = valuesOf(incident)
  const changed = FIELDS.filter((field) => values[field.key] !== original[field.key])
  const problem = error instanceof ApiProblem ? error : null

  const save = async (event: Event) => {
    event.preventDefault()
    if (changed.length === 0) return
    setBusy(true)
    setError(null)
    setSaved(false)
    try {
      const body: Record<string, string | null> = { expected_updated_at: incident.updated_at }
      for (const field of changed) body[field.key] = values[field.key].trim() === "" ? null : values[field.key]
      const next: IncidentDetail = await answerOf(
        client.PATCH("/api/incidents/{id}/", {
          params: { path: { id: incident.id } },
          body: body as BodyOf<"/api/incidents/{id}/", "patch">,
        }),
      )
      setSaved(true)
      onSaved(next)
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }

  const unfielded = error && !(problem && FIELDS.some((field) => problem.field(field.key)))
  return (
    <form onSubmit={save} noValidate>
      {FIELDS.map((field) => (
        <Field key={field.key} label={field.label} hint={field.hint} error={problem?.field(field.key)}>
          {(props) => (
            <textarea
              {...props}
              name={field.key}
              rows={3}
              value={values[field.key]}
              onInput={(e) => {
                const value = e.currentTarget.value
                setSaved(false)
                setValues((previous) => ({ ...previous, [field.key]: value }))
              }}
            />
          )}
        </Field>
      ))}
      {unfielded ? <ProblemAlert error={error} onReload={onReload} /> : null}
      {saved && changed.length === 0 ? <Alert kind="success">Saved.</Alert> : null}
      <Button type="submit" busy={busy} disabled={changed.length === 0}>
        Save analysis
      </Button>
    </form>
  )
}
