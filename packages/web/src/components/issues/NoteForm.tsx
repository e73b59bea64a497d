/** Adding a note to an incident's timeline. */
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { Button, Field } from "../ui"
import { ProblemAlert } from "./ProblemAlert"
import type { IncidentDetail } from "./types"

export const NoteForm = ({
  incident,
  onChange,
  onReload,
}: {
  incident: IncidentDetail
  onChange: (incident: IncidentDetail) => void
  onReload: () => void
}) => {
  const [text, setText] = useState("")
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const add = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const next: IncidentDetail = await answerOf(
        client.POST("/api/incidents/{id}/note/", {
          params: { path: { id: incident.id } },
          body: { text, expected_updated_at: incident.updated_at },
        }),
      )
      setText("")
      onChange(next)
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }
  const problem = error instanceof ApiProblem ? error : null
  return (
    <form onSubmit={add} noValidate>
      <Field label="Add a note" error={problem?.field("text")}>
        {(props) => <textarea {...props} rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />}
      </Field>
      {error && !problem?.field("text") ? <ProblemAlert error={error} onReload={onReload} /> : null}
      <Button type="submit" variant="secondary" busy={busy} disabled={text.trim() === ""}>
        Add note
      </Button>
    </form>
  )
}
