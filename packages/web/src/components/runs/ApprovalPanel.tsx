/** A run the mass-change guard held: what it would change, and approving or rejecting it (with a note). */
import { useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { can } from "../../state/session"
import type { Upload } from "../intake/runs"
import { Alert, Badge, Button, Field, messageOf } from "../ui"

export const ApprovalPanel = ({ upload, onDecided }: { upload: Upload; onDecided: (next: Upload) => void }) => {
  const [note, setNote] = useState("")
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null)
  const [error, setError] = useState<unknown>()
  const request = upload.approval?.request
  const decide = async (approve: boolean) => {
    setBusy(approve ? "approve" : "reject")
    setError(undefined)
    try {
      const decision = { params: { path: { id: upload.id } }, body: note.trim() === "" ? {} : { note: note.trim() } }
      const next: Upload = await answerOf(
        approve
          ? client.POST("/api/uploads/{id}/approve/", decision)
          : client.POST("/api/uploads/{id}/reject/", decision),
      )
      onDecided(next)
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(null)
    }
  }
  const preview = (request?.preview ?? []) as ReadonlyArray<{
    change?: string
    number?: number
    cells?: ReadonlyArray<string | number | null>
  }>
  const columns = request?.columns ?? []
  return (
    <section class="card approval" aria-labelledby="approval-title">
      <h2 id="approval-title">Waiting for approval</h2>
      <p>{request?.message ?? "The plan would change more rows than allowed without approval."}</p>
      {request ? (
        <p class="muted">
          {request.input_rows ?? "?"} rows in, {request.deleted ?? 0} removed, {request.appended ?? 0} added
          {request.share != null ? ` (${(request.share * 100).toFixed(1)}%` : ""}
          {request.max_share != null
            ? `, allowed ${(request.max_share * 100).toFixed(0)}%)`
            : request.share != null
              ? ")"
              : ""}
        </p>
      ) : null}
      {preview.length > 0 && columns.length > 0 ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than the screen scrolls; the keyboard must reach it
        <section class="table-wrap" aria-label="Rows the plan changes" tabIndex={0}>
          <table>
            <caption class="visually-hidden">Rows the plan changes (up to 20 of each kind)</caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Row</th>
                {columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.map((row) => (
                <tr key={`${row.change}-${row.number}`}>
                  <td>
                    <Badge value={row.change === "deleted" ? "removed" : "added"} />
                  </td>
                  <td>{row.number}</td>
                  {columns.map((column, index) => (
                    <td key={column}>{row.cells?.[index] ?? ""}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {can.approveUploads() ? (
        <>
          <Field label="Note (optional)" hint="Kept in the run's timeline with your decision.">
            {(props) => (
              <textarea {...props} value={note} maxLength={2000} onInput={(e) => setNote(e.currentTarget.value)} />
            )}
          </Field>
          {error ? <Alert>{messageOf(error)}</Alert> : null}
          <div class="actions-row">
            <Button busy={busy === "approve"} disabled={busy !== null} onClick={() => decide(true)}>
              Approve and publish
            </Button>
            <Button variant="danger" busy={busy === "reject"} disabled={busy !== null} onClick={() => decide(false)}>
              Reject
            </Button>
          </div>
        </>
      ) : (
        <p class="muted">A moderator or an admin decides whether this change is published.</p>
      )}
    </section>
  )
}
