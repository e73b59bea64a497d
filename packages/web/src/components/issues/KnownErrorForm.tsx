/**
 * Adding or changing a known error: its name, pattern (tried against past incidents before it
 * is saved), stage, severity, root cause and corrective action, and whether it is active.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { Alert, Button, Field, messageOf } from "../ui"
import { PatternTester } from "./PatternTester"
import { type KnownError, SEVERITIES, type Severity } from "./types"

export interface Draft {
  name: string
  pattern: string
  stage: string
  severity: Severity
  root_cause: string
  corrective_action: string
  active: boolean
}

export const KnownErrorForm = ({
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
