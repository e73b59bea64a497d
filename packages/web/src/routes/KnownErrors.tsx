/**
 * Known errors: the patterns that recognize a failure and give it its severity, root cause and
 * corrective action. Moderators and admins list, add, edit and deactivate them, and test a
 * pattern (is it safe, does it match a sample, which recent failures it would recognize)
 * before saving. Other roles are told who manages them.
 */
import { useState } from "preact/hooks"
import { answerOf, client } from "../api/client"
import type { KnownError } from "../components/issues/types"
import { Alert, Badge, Button, LoadState, messageOf, Page, useLoad } from "../components/ui"
import { can } from "../state/session"
import "../components/issues/issues.css"
import { KnownErrorForm } from "../components/issues/KnownErrorForm"

export default function KnownErrors() {
  if (!can.manageKnownErrors()) {
    return (
      <Page title="Known errors">
        <Alert kind="info">
          Known errors are looked after by moderators and admins. If a failure keeps coming back, ask one of them to add
          it here, so the next occurrence arrives with its cause and fix.
        </Alert>
      </Page>
    )
  }
  return <KnownErrorsManager />
}

type Editing = { readonly mode: "new" } | { readonly mode: "edit"; readonly row: KnownError } | null

const KnownErrorsManager = () => {
  const list = useLoad(
    (signal) => answerOf(client.GET("/api/known-errors/", { params: { query: { page_size: "200" } }, signal })),
    [],
  )
  const [editing, setEditing] = useState<Editing>(null)
  const [confirming, setConfirming] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)

  const deactivate = async (name: string) => {
    setBusy(true)
    setError(null)
    try {
      await answerOf(client.DELETE("/api/known-errors/{name}/", { params: { path: { name } } }))
      setNotice(`${name} is deactivated: it no longer recognizes failures (issues it tagged keep their tag).`)
      setConfirming(null)
      list.reload()
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Page
      title="Known errors"
      actions={
        editing === null ? (
          <Button
            onClick={() => {
              setNotice(null)
              setEditing({ mode: "new" })
            }}
          >
            Add a known error
          </Button>
        ) : null
      }
    >
      {notice ? <Alert kind="success">{notice}</Alert> : null}
      {editing ? (
        <KnownErrorForm
          key={editing.mode === "edit" ? editing.row.name : "new"}
          row={editing.mode === "edit" ? editing.row : null}
          onCancel={() => setEditing(null)}
          onSaved={(row, created) => {
            setEditing(null)
            setNotice(created ? `${row.name} is saved and recognizes failures from now on.` : `${row.name} is saved.`)
            list.reload()
          }}
        />
      ) : null}
      {error ? <Alert>{messageOf(error)}</Alert> : null}
      <LoadState loaded={list}>
        {(data) =>
          data.count === 0 ? (
            <p class="card">
              No known errors yet. Add one for a failure that keeps coming back: its issues then arrive with their
              severity, root cause and corrective action.
            </p>
          ) : (
            <div class="table-wrap">
              <table class="stack-table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Pattern</th>
                    <th scope="col">Stage</th>
                    <th scope="col">Severity</th>
                    <th scope="col">State</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {data.results.map((row) => (
                    <tr key={row.id}>
                      <td data-label="Name">
                        <div>
                          <strong>{row.name}</strong>
                          <div class="muted">{row.root_cause}</div>
                        </div>
                      </td>
                      <td data-label="Pattern">
                        <code class="pattern">{row.pattern}</code>
                      </td>
                      <td data-label="Stage">{row.stage ?? <span class="muted">any</span>}</td>
                      <td data-label="Severity">
                        <Badge value={row.severity} />
                      </td>
                      <td data-label="State">
                        <Badge value={row.active ? "active" : "inactive"} />
                      </td>
                      <td data-label="Actions">
                        {confirming === row.name ? (
                          <div class="confirm">
                            <span>Deactivate {row.name}?</span>
                            <Button variant="danger" busy={busy} onClick={() => deactivate(row.name)}>
                              Yes, deactivate
                            </Button>
                            <Button variant="secondary" onClick={() => setConfirming(null)}>
                              Cancel
                            </Button>
                          </div>
                        ) : (
                          <div class="button-row">
                            <Button
                              variant="secondary"
                              aria-label={`Edit ${row.name}`}
                              onClick={() => {
                                setNotice(null)
                                setEditing({ mode: "edit", row })
                              }}
                            >
                              Edit
                            </Button>
                            {row.active ? (
                              <Button
                                variant="secondary"
                                aria-label={`Deactivate ${row.name}`}
                                onClick={() => {
                                  setNotice(null)
                                  setConfirming(row.name)
                                }}
                              >
                                Deactivate
                              </Button>
                            ) : null}
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadState>
    </Page>
  )
}
