/**
 * The status of an incident and the moves it may make from there: only the moves the server's
 * lifecycle allows from the current status are offered, and only to accounts the server lets
 * manage incidents (it refuses anything else, and its refusal is shown in words).
 */
import { useState } from "preact/hooks"
import { can, incidentMoves } from "../../state/session"
import { Badge, Button, Field } from "../ui"
import { ProblemAlert } from "./ProblemAlert"
import { type IncidentStatus, MOVE_LABEL, statusLabel } from "./types"

export const TransitionControls = ({
  status,
  onMove,
  onReload,
}: {
  status: IncidentStatus
  /** loads the incident again (offered when it changed since it was loaded) */
  onReload?: () => void
  /** makes the move; rejects with the server's refusal */
  onMove: (to: IncidentStatus, note: string) => Promise<void>
}) => {
  const [note, setNote] = useState("")
  const [busy, setBusy] = useState<IncidentStatus | null>(null)
  const [error, setError] = useState<unknown>(null)
  const moves = incidentMoves(status)
  const move = async (to: IncidentStatus) => {
    setBusy(to)
    setError(null)
    try {
      await onMove(to, note.trim())
      setNote("")
    } catch (problem) {
      setError(problem)
    } finally {
      setBusy(null)
    }
  }
  return (
    <div class="transition-controls">
      <p>
        Status: <Badge value={status} />
      </p>
      {!can.manageIncidents() ? (
        <p class="muted">Moderators and admins move an incident through its lifecycle.</p>
      ) : moves.length === 0 ? (
        <p class="muted">An {statusLabel(status)} incident is closed for good: it cannot change.</p>
      ) : (
        <>
          <Field label="Note with the change (optional)">
            {(props) => <textarea {...props} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />}
          </Field>
          <div class="button-row">
            {moves.map((to) => (
              <Button
                key={to}
                variant={to === "archived" ? "secondary" : "primary"}
                busy={busy === to}
                disabled={busy !== null}
                onClick={() => move(to)}
              >
                {MOVE_LABEL(status, to)}
              </Button>
            ))}
          </div>
          {error ? <ProblemAlert error={error} onReload={onReload} /> : null}
        </>
      )}
    </div>
  )
}
