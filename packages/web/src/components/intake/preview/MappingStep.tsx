/**
 * The mapping step: for each profile column the file lacks, the operator picks which of the
 * file's headers it is (best suggestion first and preselected); confirming sends the mapping
 * to the server, which remembers it for the department and this header set. Only admins and
 * moderators confirm one (it decides how the department's later files read); others are told
 * whom to ask.
 */
import { useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../../api/client"
import { can } from "../../../state/session"
import { Alert, Button, Field, messageOf } from "../../ui"
import type { PreviewResult } from "./types"

/** The first suggestion of each column that no earlier column took. */
const initialChoice = (preview: PreviewResult): Record<string, string> => {
  const taken = new Set<string>()
  const choice: Record<string, string> = {}
  for (const column of preview.missing_columns) {
    const best = (preview.suggestions[column] ?? []).find((header) => !taken.has(header))
    choice[column] = best ?? ""
    if (best !== undefined) taken.add(best)
  }
  return choice
}

export const MappingStep = ({
  preview,
  profile,
  department,
  onConfirmed,
}: {
  preview: PreviewResult
  /** the profile the mapping is for (the requested one, or the detected one under "auto") */
  profile: string
  department: string
  onConfirmed: () => void
}) => {
  const [choice, setChoice] = useState(() => initialChoice(preview))
  const [checked, setChecked] = useState(false)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<unknown>(undefined)

  const localError = (column: string): string | undefined => {
    if (!checked) return undefined
    const header = choice[column] ?? ""
    if (header === "") return `Choose the header that holds ${column}.`
    const other = preview.missing_columns.find((c) => c !== column && choice[c] === header)
    if (other !== undefined && preview.missing_columns.indexOf(other) < preview.missing_columns.indexOf(column)) {
      return `"${header}" is already chosen for ${other}; a column takes one header.`
    }
    return undefined
  }
  const serverError = (column: string) =>
    problem instanceof ApiProblem ? problem.field(`mapping.${column}`) : undefined

  const confirm = async () => {
    setChecked(true)
    setProblem(undefined)
    const columns = preview.missing_columns
    const chosen = columns.map((column) => choice[column] ?? "")
    if (chosen.some((header) => header === "") || new Set(chosen).size !== chosen.length) return
    const mapping = Object.fromEntries(columns.map((column) => [choice[column]!, column]))
    setBusy(true)
    try {
      await answerOf(
        client.PUT("/api/column-mappings/", { body: { department, profile, headers: [...preview.headers], mapping } }),
      )
      onConfirmed()
    } catch (error) {
      setProblem(error)
    } finally {
      setBusy(false)
    }
  }

  const general =
    problem instanceof ApiProblem && problem.fields.some((f) => f.path.startsWith("mapping."))
      ? undefined
      : problem === undefined
        ? undefined
        : messageOf(problem)

  return (
    <section class="preview-mapping" aria-labelledby="preview-mapping-title">
      <h3 id="preview-mapping-title">Map the file's columns</h3>
      <p>
        The {profile} profile needs {preview.missing_columns.length === 1 ? "a column" : "columns"} this file names
        differently. Choose which header holds each; the suggested one is listed first.
      </p>
      {department === "" ? (
        <Alert kind="info">
          Enter the department this file comes from to remember a mapping: the next file with these headers from that
          department is then mapped with no questions.
        </Alert>
      ) : null}
      <div class="preview-mapping-fields">
        {preview.missing_columns.map((column) => {
          const ranked = preview.suggestions[column] ?? []
          return (
            <Field key={column} label={`Header for ${column}`} error={localError(column) ?? serverError(column)}>
              {(props) => (
                <select
                  {...props}
                  value={choice[column] ?? ""}
                  onChange={(event) => setChoice({ ...choice, [column]: (event.target as HTMLSelectElement).value })}
                >
                  <option value="">Choose a header…</option>
                  {ranked.map((header, i) => (
                    <option key={header} value={header}>
                      {i === 0 ? `${header} (suggested)` : header}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )
        })}
      </div>
      {general ? <Alert>{general}</Alert> : null}
      {department === "" ? null : can.confirmMappings() ? (
        <Button onClick={confirm} busy={busy}>
          {busy ? "Remembering…" : `Remember this mapping for ${department}`}
        </Button>
      ) : (
        <Alert kind="info">
          An admin or a moderator remembers a mapping for {department}: ask one to confirm these headers.
        </Alert>
      )}
    </section>
  )
}
