/** The delete plan's editor: rules of column and value (at least one), each checked next to itself. */
import { Button, Field } from "../ui"
import { checkRuleColumn, type DeleteRule } from "./plans"
import { useIdPrefix } from "./useIdPrefix"

export interface DeleteEditorProps {
  readonly rules: ReadonlyArray<DeleteRule>
  readonly columns: ReadonlyArray<string>
  readonly onChange: (rules: ReadonlyArray<DeleteRule>) => void
  readonly showErrors: boolean
}

export const DeleteEditor = ({ rules, columns, onChange, showErrors }: DeleteEditorProps) => {
  const prefix = useIdPrefix("rules")
  const set = (index: number, change: Partial<DeleteRule>) =>
    onChange(rules.map((rule, i) => (i === index ? { ...rule, ...change } : rule)))
  return (
    <div class="plan-editor delete-editor">
      <p class="hint">
        A row is removed when any rule matches it: the cell equals the value as text, ignoring case (<code>87</code>{" "}
        matches <code>87%</code>). An empty value removes the rows where that column is empty.
      </p>
      {columns.length > 0 ? (
        <datalist id={`${prefix}-columns`}>
          {columns.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      ) : null}
      <ol class="rules">
        {rules.map((rule, index) => {
          const error = showErrors || rule.value.trim() !== "" ? checkRuleColumn(rule) : undefined
          return (
            <li key={index} class="rule">
              <Field label={`Rule ${index + 1}: column`} error={error}>
                {(props) => (
                  <input
                    {...props}
                    list={columns.length > 0 ? `${prefix}-columns` : undefined}
                    value={rule.column}
                    onInput={(e) => set(index, { column: e.currentTarget.value })}
                  />
                )}
              </Field>
              <Field label={`Rule ${index + 1}: value`}>
                {(props) => (
                  <input {...props} value={rule.value} onInput={(e) => set(index, { value: e.currentTarget.value })} />
                )}
              </Field>
              <Button
                variant="secondary"
                class="rule-remove"
                aria-label={`Remove rule ${index + 1}`}
                disabled={rules.length === 1}
                title={rules.length === 1 ? "A delete plan needs at least one rule" : undefined}
                onClick={() => onChange(rules.filter((_, i) => i !== index))}
              >
                Remove
              </Button>
            </li>
          )
        })}
      </ol>
      <Button variant="secondary" onClick={() => onChange([...rules, { column: "", value: "" }])}>
        Add rule
      </Button>
    </div>
  )
}
