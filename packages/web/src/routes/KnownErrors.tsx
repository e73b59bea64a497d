/**
 * Known errors: the patterns that recognize a failure and give it its severity, root cause and
 * corrective action. Moderators and admins list, add, edit and deactivate them, and test a
 * pattern (is it safe, does it match a sample, which recent failures it would recognize)
 * before saving. Other roles are told who manages them.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../api/client"
import { PatternTester } from "../components/issues/PatternTester"
import { type KnownError, SEVERITIES, type Severity } from "../components/issues/types"
import { Alert, Badge, Button, Field, LoadState, messageOf, Page, useLoad } from "../components/ui"
import { can } from "../state/session"
import "../components/issues/issues.css"

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

interface Draft {
  name: string
  pattern: string
  stage: string
  severity: Severity
  root_cause: string
  corrective_action: string
  active: boolean
}

const KnownErrorForm = ({
  row,
  onCancel,
  onSaved,
}: {
  row: KnownError | null
  onCancel: () => void
  onSaved: (row: KnownError, created: boolean) => void
}) => {
  const [draft, setDraft] = useState<Draft>(() => ({
    name: row?.name ?? "",
    pattern: row?.pattern ?? "",
    stage: row?.stage ?? "",
    severity: row?.severity ?? "medium",
    root_cause: row?.root_cause ?? "",
    corrective_action: row?.corrective_action ?? "",
    active: row?.active ?? true,
  }))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  // keyboard and screen-reader users land on the form they opened
  const title = useRef<HTMLHeadingElement>(null)
  useEffect(() => title.current?.focus(), [])
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((previous) => ({ ...previous, [key]: value }))

  const save = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const body = {
      pattern: draft.pattern,
      stage: draft.stage.trim() === "" ? null : draft.stage.trim(),
      severity: draft.severity,
      root_cause: draft.root_cause,
      corrective_action: draft.corrective_action,
      active: draft.active,
    }
    try {
      const saved: KnownError =
        row === null
          ? await answerOf(client.POST("/api/known-errors/", { body: { name: draft.name.trim(), ...body } }))
          : await answerOf(client.PATCH("/api/known-errors/{name}/", { params: { path: { name: row.name } }, body }))
      onSaved(saved, row === null)
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(false)
    }
  }

  const problem = error instanceof ApiProblem ? error : null
  const FIELDS = ["name", "pattern", "stage", "severity", "root_cause", "corrective_action", "active"]
  const named = problem !== null && FIELDS.some((field) => problem.field(field))
  return (
    <form class="card" onSubmit={save} noValidate aria-labelledby="known-error-form-title">
      <h2 id="known-error-form-title" tabIndex={-1} ref={title}>
        {row === null ? "New known error" : `Edit ${row.name}`}
      </h2>
      {row === null ? (
        <Field
          label="Name"
          hint="Letters, digits, '-', '_' and '.'; it cannot change later."
          error={problem?.field("name")}
        >
          {(props) => (
            <input {...props} required value={draft.name} onInput={(e) => set("name", e.currentTarget.value)} />
          )}
        </Field>
      ) : null}
      <Field
        label="Pattern"
        hint="A regular expression, matched ignoring case; test it below before saving."
        error={problem?.field("pattern")}
      >
        {(props) => (
          <input
            {...props}
            required
            spellcheck={false}
            value={draft.pattern}
            onInput={(e) => set("pattern", e.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        label="Stage (optional)"
        hint="Only failures of this stage; leave empty for every stage."
        error={problem?.field("stage")}
      >
        {(props) => <input {...props} value={draft.stage} onInput={(e) => set("stage", e.currentTarget.value)} />}
      </Field>
      <PatternTester pattern={draft.pattern} stage={draft.stage} />
      <Field label="Severity" error={problem?.field("severity")}>
        {(props) => (
          <select
            {...props}
            value={draft.severity}
            onChange={(e) => set("severity", e.currentTarget.value as Severity)}
          >
            {SEVERITIES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Root cause" error={problem?.field("root_cause")}>
        {(props) => (
          <textarea
            {...props}
            required
            rows={2}
            value={draft.root_cause}
            onInput={(e) => set("root_cause", e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Corrective action" error={problem?.field("corrective_action")}>
        {(props) => (
          <textarea
            {...props}
            required
            rows={2}
            value={draft.corrective_action}
            onInput={(e) => set("corrective_action", e.currentTarget.value)}
          />
        )}
      </Field>
      <label class="checkbox">
        <input type="checkbox" checked={draft.active} onChange={(e) => set("active", e.currentTarget.checked)} />
        Active (recognizes new failures)
      </label>
      {error && !named ? <Alert>{messageOf(error)}</Alert> : null}
      <div class="button-row">
        <Button type="submit" busy={busy}>
          {row === null ? "Save the known error" : "Save changes"}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}
