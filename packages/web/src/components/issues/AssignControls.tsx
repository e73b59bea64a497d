/** Assigning an incident to an active admin or moderator, or to nobody; or taking it oneself. */
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { session } from "../../state/session"
import { Button, Field } from "../ui"
import { ProblemAlert } from "./ProblemAlert"
import type { Assignable } from "./people"
import type { IncidentDetail } from "./types"

export const AssignControls = ({
  incident,
  assignable,
  onChange,
  onReload,
}: {
  incident: IncidentDetail
  assignable: ReadonlyArray<Assignable>
  onChange: (incident: IncidentDetail) => void
  onReload: () => void
}) => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const me = session.value?.user.id ?? null
  const [chosen, setChosen] = useState("")
  const others = assignable.filter((person) => person.id !== me && person.id !== incident.assignee)
  const assign = async (assignee: string | null) => {
    setBusy(true)
    setError(null)
    try {
      onChange(
        await answerOf(
          client.POST("/api/incidents/{id}/assign/", {
            params: { path: { id: incident.id } },
            body: { assignee, expected_updated_at: incident.updated_at },
          }),
        ),
      )
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }
  return (
    <div>
      <div class="button-row">
        {incident.assignee !== me ? (
          <Button variant="secondary" busy={busy} onClick={() => assign(me)}>
            Assign to me
          </Button>
        ) : null}
        {incident.assignee !== null ? (
          <Button variant="secondary" busy={busy} onClick={() => assign(null)}>
            Unassign
          </Button>
        ) : null}
      </div>
      {others.length > 0 ? (
        <form
          class="assign-other"
          onSubmit={(event) => {
            event.preventDefault()
            if (chosen !== "") void assign(chosen).then(() => setChosen(""))
          }}
        >
          <Field
            label="Assign to a colleague"
            error={error instanceof ApiProblem ? error.field("assignee") : undefined}
          >
            {(props) => (
              <select {...props} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
                <option value="">Choose an admin or moderator</option>
                {others.map((person) => (
                  <option key={person.id} value={person.id}>
                    {person.username}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Button type="submit" variant="secondary" busy={busy} disabled={chosen === ""}>
            Assign
          </Button>
        </form>
      ) : null}
      {error && !(error instanceof ApiProblem && error.field("assignee")) ? (
        <ProblemAlert error={error} onReload={onReload} />
      ) : null}
    </div>
  )
}
