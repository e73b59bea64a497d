/**
 * The editor of each plan: append = a table of records to add (the profile's required
 * columns, plus any the operator adds or takes from the file), each cell checked next to
 * itself; delete = rules of column and value (at least one); custom = a note; transform needs
 * nothing. The editor reports the `process_config` it makes, or why it cannot yet.
 */
import { useEffect, useState } from "preact/hooks"
import { Field } from "../ui"
import { AppendEditor, tableColumns } from "./AppendEditor"
import { DeleteEditor } from "./DeleteEditor"
import {
  type AppendState,
  appendConfig,
  type Column,
  customConfig,
  type DeleteRule,
  deleteConfig,
  type PlanMode,
  type PlanResult,
  type Row,
  requiredColumns,
} from "./plans"

export const CustomEditor = ({
  note,
  onChange,
  showErrors,
}: {
  note: string
  onChange: (note: string) => void
  showErrors: boolean
}) => (
  <div class="plan-editor">
    <Field
      label="Note"
      hint="The rows are published unchanged; this note is kept in the run's log and printed in the PDF."
      error={showErrors && note.trim() === "" ? "Write the note." : undefined}
    >
      {(props) => <textarea {...props} value={note} onInput={(e) => onChange(e.currentTarget.value)} />}
    </Field>
  </div>
)

export interface PlanEditorProps {
  readonly mode: PlanMode
  readonly profile: string
  readonly fileColumns: ReadonlyArray<Column> | null
  /** show every problem (after the operator tried to upload) */
  readonly showErrors: boolean
  /** the config the plan makes now, or why it cannot */
  readonly onChange: (result: PlanResult) => void
}

/** The editor of the chosen plan; each plan keeps what was entered when the operator switches. */
export const PlanEditor = ({ mode, profile, fileColumns, showErrors, onChange }: PlanEditorProps) => {
  const [append, setAppend] = useState<{ extra: ReadonlyArray<Column>; rows: ReadonlyArray<Row> }>({
    extra: [],
    rows: [{}],
  })
  const [rules, setRules] = useState<ReadonlyArray<DeleteRule>>([{ column: "", value: "" }])
  const [note, setNote] = useState("")

  const state: AppendState = { columns: tableColumns(profile, append.extra), rows: append.rows }
  const result: PlanResult =
    mode === "append"
      ? appendConfig(profile, state)
      : mode === "delete"
        ? deleteConfig(rules)
        : mode === "custom"
          ? customConfig(note)
          : { ok: true, config: {} }
  const key = JSON.stringify(result)
  useEffect(() => onChange(result), [key])

  const suggestions = [
    ...new Set([...requiredColumns(profile).map((c) => c.name), ...(fileColumns ?? []).map((c) => c.name)]),
  ]
  if (mode === "append") {
    return (
      <AppendEditor
        profile={profile}
        fileColumns={fileColumns}
        extra={append.extra}
        rows={append.rows}
        onChange={setAppend}
        showErrors={showErrors}
      />
    )
  }
  if (mode === "delete")
    return <DeleteEditor rules={rules} columns={suggestions} onChange={setRules} showErrors={showErrors} />
  if (mode === "custom") return <CustomEditor note={note} onChange={setNote} showErrors={showErrors} />
  return (
    <p class="muted plan-editor">
      Nothing to set: the report is the summary of every numeric column (count, missing, mean, spread, quartiles).
    </p>
  )
}
