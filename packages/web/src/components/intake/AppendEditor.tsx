/**
 * The append plan's editor: a table of records to add (the profile's required columns, plus any
 * the operator adds or takes from the file), each cell checked next to itself.
 */
import { useState } from "preact/hooks"
import { Button, Field } from "../ui"
import { type Column, checkCell, checkColumnName, normalizeName, type Row, requiredColumns } from "./plans"
import { useIdPrefix } from "./useIdPrefix"

/** The columns of the table: the profile's required ones first, then the operator's. */
export const tableColumns = (profile: string, extra: ReadonlyArray<Column>): ReadonlyArray<Column> => {
  const required = requiredColumns(profile)
  return [...required, ...extra.filter((column) => !required.some((r) => r.name === column.name))]
}

export interface AppendEditorProps {
  readonly profile: string
  /** columns read from the queued file, when it could be read in the browser */
  readonly fileColumns: ReadonlyArray<Column> | null
  readonly extra: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<Row>
  readonly onChange: (next: { extra: ReadonlyArray<Column>; rows: ReadonlyArray<Row> }) => void
  readonly showErrors: boolean
}

export const AppendEditor = ({ profile, fileColumns, extra, rows, onChange, showErrors }: AppendEditorProps) => {
  const prefix = useIdPrefix("append")
  const [newName, setNewName] = useState("")
  const [newNumeric, setNewNumeric] = useState(true)
  const [nameError, setNameError] = useState<string | undefined>()
  const columns = tableColumns(profile, extra)
  const required = requiredColumns(profile)

  const addColumn = () => {
    const name = normalizeName(newName)
    const next = [...columns, { name, numeric: newNumeric }]
    const problem = checkColumnName(next, next.length - 1)
    if (problem) {
      setNameError(problem)
      return
    }
    setNameError(undefined)
    setNewName("")
    onChange({ extra: [...extra, { name, numeric: newNumeric }], rows })
  }
  const removeColumn = (name: string) =>
    onChange({
      extra: extra.filter((column) => column.name !== name),
      rows: rows.map(({ [name]: _gone, ...rest }) => rest),
    })
  const setCell = (index: number, name: string, value: string) =>
    onChange({ extra, rows: rows.map((row, i) => (i === index ? { ...row, [name]: value } : row)) })
  const useFileColumns = () => {
    if (!fileColumns) return
    onChange({ extra: [...extra, ...fileColumns.filter((c) => !columns.some((k) => k.name === c.name))], rows })
  }

  return (
    <div class="plan-editor append-editor">
      <p class="hint">
        Each record is added after the file's last row. Columns must be columns of the file; names are written as the
        file's headers are read (<code>Score (%)</code> is <code>score</code>).
      </p>
      <div class="append-columns">
        <div class="append-add-column">
          <Field label="New column" error={nameError}>
            {(props) => (
              <input
                {...props}
                value={newName}
                onInput={(e) => setNewName(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault()
                    addColumn()
                  }
                }}
              />
            )}
          </Field>
          <label class="check">
            <input type="checkbox" checked={newNumeric} onChange={(e) => setNewNumeric(e.currentTarget.checked)} />
            Holds numbers
          </label>
          <Button variant="secondary" onClick={addColumn}>
            Add column
          </Button>
          {fileColumns?.some((c) => !columns.some((k) => k.name === c.name)) ? (
            <Button variant="secondary" onClick={useFileColumns}>
              Use the file's columns
            </Button>
          ) : null}
        </div>
      </div>
      {columns.length === 0 ? (
        <p class="muted">This profile has no required columns: add the columns your records fill.</p>
      ) : (
        <section class="table-wrap" aria-label="Records to add">
          <table class="append-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                {columns.map((column) => (
                  <th scope="col" key={column.name}>
                    <span class="column-name">{column.name}</span>
                    {column.numeric ? <span class="muted"> (number)</span> : null}
                    {required.some((r) => r.name === column.name) ? (
                      <span class="muted"> (required)</span>
                    ) : (
                      <Button
                        variant="link"
                        class="remove-column"
                        aria-label={`Remove column ${column.name}`}
                        onClick={() => removeColumn(column.name)}
                      >
                        remove
                      </Button>
                    )}
                  </th>
                ))}
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => {
                const touched = Object.values(row).some((value) => value.trim() !== "")
                return (
                  <tr key={index}>
                    <td>{index + 1}</td>
                    {columns.map((column) => {
                      const value = row[column.name] ?? ""
                      const check = checkCell(profile, column, value)
                      const error = check.error && (showErrors || touched) ? check.error : undefined
                      const id = `${prefix}-${index}-${column.name}`
                      const described = error ? `${id}-error` : check.note ? `${id}-note` : undefined
                      return (
                        <td key={column.name} class={error ? "cell-invalid" : undefined}>
                          <input
                            id={id}
                            value={value}
                            aria-label={`${column.name}, record ${index + 1}`}
                            aria-invalid={error ? true : undefined}
                            aria-describedby={described}
                            inputMode={column.numeric ? "decimal" : undefined}
                            onInput={(e) => setCell(index, column.name, e.currentTarget.value)}
                          />
                          {error ? (
                            <p class="error" id={`${id}-error`}>
                              {error}
                            </p>
                          ) : check.note ? (
                            <p class="hint" id={`${id}-note`}>
                              {check.note}
                            </p>
                          ) : null}
                        </td>
                      )
                    })}
                    <td>
                      <Button
                        variant="secondary"
                        aria-label={`Remove record ${index + 1}`}
                        onClick={() => onChange({ extra, rows: rows.filter((_, i) => i !== index) })}
                      >
                        Remove
                      </Button>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </section>
      )}
      {rows.length === 0 && showErrors ? <p class="error">Add at least one record.</p> : null}
      <Button variant="secondary" onClick={() => onChange({ extra, rows: [...rows, {}] })}>
        Add record
      </Button>
    </div>
  )
}
