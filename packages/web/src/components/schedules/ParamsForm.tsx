/**
 * A job's parameters as a form, built from its automation's JSON Schema (a number, a yes/no, a
 * text, a choice, a list), or as JSON for anything else; the server checks them on save and its
 * words for `params.<field>` show next to that field.
 */
import { useState } from "preact/hooks"
import type { ApiProblem } from "../../api/client"
import { Button, Field } from "../ui"
import type { Automation, ParamSchema } from "./model"

type Params = Record<string, unknown>

/** "older_than_days" and "sourceIds" as words: "Older than days", "Source ids". */
export const humanize = (key: string): string => {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replaceAll("_", " ")
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

const typeOf = (schema: ParamSchema): string | undefined => {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null")
  if (typeof schema.type === "string") return schema.type
  return schema.anyOf?.map(typeOf).find((t) => t !== undefined && t !== "null")
}

/** Whether the form can show this property as one plain input. */
const plain = (schema: ParamSchema): boolean => {
  const type = typeOf(schema)
  if (type === "array") return schema.items !== undefined && typeOf(schema.items) === "string"
  return type === "string" || type === "integer" || type === "number" || type === "boolean"
}

const without = (params: Params, key: string): Params => {
  const next = { ...params }
  delete next[key]
  return next
}

/** A list of texts typed as one line, separated by commas (the line kept as typed). */
const ListInput = ({
  name,
  label,
  hint,
  value,
  onChange,
  error,
}: {
  name: string
  label: string
  hint: string | undefined
  value: unknown
  onChange: (value: unknown) => void
  error: string | undefined
}) => {
  const [text, setText] = useState(() =>
    Array.isArray(value) ? value.map(String).join(", ") : value === undefined ? "" : String(value),
  )
  return (
    <Field
      label={label}
      hint={hint ? `${hint} (separate several with commas)` : "Separate several with commas"}
      error={error}
    >
      {(props) => (
        <input
          {...props}
          name={`params.${name}`}
          value={text}
          onInput={(event) => {
            setText(event.currentTarget.value)
            const items = event.currentTarget.value
              .split(",")
              .map((item) => item.trim())
              .filter((item) => item !== "")
            onChange(items.length === 0 ? undefined : items)
          }}
        />
      )}
    </Field>
  )
}

const ParamInput = ({
  name,
  label,
  schema,
  value,
  onChange,
  error,
}: {
  name: string
  label: string
  schema: ParamSchema
  value: unknown
  onChange: (value: unknown) => void
  error: string | undefined
}) => {
  const type = typeOf(schema)
  const hint = schema.description
  if (type === "boolean") {
    return (
      <div class={`field field-check${error ? " field-invalid" : ""}`}>
        <label>
          <input
            type="checkbox"
            name={`params.${name}`}
            checked={value === true}
            onChange={(event) => onChange(event.currentTarget.checked ? true : undefined)}
          />{" "}
          {label}
        </label>
        {hint ? <p class="hint">{hint}</p> : null}
        {error ? <p class="error">{error}</p> : null}
      </div>
    )
  }
  if (schema.enum && schema.enum.length > 0) {
    return (
      <Field label={label} hint={hint} error={error}>
        {(props) => (
          <select
            {...props}
            name={`params.${name}`}
            value={value === undefined ? "" : String(value)}
            onChange={(event) => {
              const chosen = schema.enum?.find((option) => String(option) === event.currentTarget.value)
              onChange(event.currentTarget.value === "" ? undefined : chosen)
            }}
          >
            <option value="">(default)</option>
            {schema.enum?.map((option) => (
              <option key={String(option)} value={String(option)}>
                {String(option)}
              </option>
            ))}
          </select>
        )}
      </Field>
    )
  }
  if (type === "integer" || type === "number") {
    return (
      <Field label={label} hint={hint} error={error}>
        {(props) => (
          <input
            {...props}
            name={`params.${name}`}
            type="number"
            inputMode={type === "integer" ? "numeric" : "decimal"}
            step={type === "integer" ? 1 : "any"}
            min={schema.minimum}
            max={schema.maximum !== undefined && schema.maximum < 1e15 ? schema.maximum : undefined}
            value={value === undefined ? "" : String(value)}
            onInput={(event) => {
              const text = event.currentTarget.value.trim()
              onChange(text === "" ? undefined : Number.isFinite(Number(text)) ? Number(text) : text)
            }}
          />
        )}
      </Field>
    )
  }
  if (type === "array") {
    return <ListInput name={name} label={label} hint={hint} value={value} onChange={onChange} error={error} />
  }
  return (
    <Field label={label} hint={hint} error={error}>
      {(props) => (
        <input
          {...props}
          name={`params.${name}`}
          value={value === undefined ? "" : String(value)}
          onInput={(event) => onChange(event.currentTarget.value === "" ? undefined : event.currentTarget.value)}
        />
      )}
    </Field>
  )
}

export const ParamsForm = ({
  automation,
  value,
  onChange,
  problem,
}: {
  automation: Automation | undefined
  value: Params
  onChange: (params: Params) => void
  /** the server's refusal of the last save */
  problem: ApiProblem | undefined
}) => {
  const properties = Object.entries(automation?.params_schema.properties ?? {})
  const allPlain = properties.every(([, schema]) => plain(schema))
  // two keys that read the same in words ("older_than_days", "olderThanDays") are told apart by their names
  const words = properties.map(([key]) => humanize(key))
  const labels = new Map(
    properties.map(([key], i) => [
      key,
      words.indexOf(words[i] ?? "") === i ? (words[i] ?? key) : `${words[i]} (${key})`,
    ]),
  )
  const [asJson, setAsJson] = useState(false)
  const [text, setText] = useState("")
  const [jsonError, setJsonError] = useState<string | undefined>(undefined)
  const json = asJson || !allPlain
  const openJson = () => {
    setText(JSON.stringify(value, null, 2))
    setJsonError(undefined)
    setAsJson(true)
  }
  const paramsError = problem?.fields
    .filter((field) => field.path === "params" || field.path.startsWith("params."))
    .filter((field) => json || !properties.some(([key]) => field.path === `params.${key}`))
    .map((field) => `${field.path}: ${field.message}`)
    .join("; ")
  return (
    <fieldset class="params">
      <legend>Parameters{automation ? ` of ${automation.key}` : ""}</legend>
      {automation === undefined ? (
        <p class="muted">Choose an automation to set its parameters.</p>
      ) : properties.length === 0 ? (
        <p class="muted">This automation takes no parameters.</p>
      ) : json ? (
        <Field
          label="Parameters as JSON"
          hint="A JSON object; leave out a parameter to use its default."
          error={jsonError ?? (paramsError || undefined)}
        >
          {(props) => (
            <textarea
              {...props}
              name="params"
              rows={6}
              spellcheck={false}
              value={asJson ? text : JSON.stringify(value, null, 2)}
              onInput={(event) => {
                const next = event.currentTarget.value
                setText(next)
                if (!asJson) setAsJson(true)
                try {
                  const parsed = JSON.parse(next) as unknown
                  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
                    setJsonError("The parameters must be a JSON object, e.g. {}")
                  } else {
                    setJsonError(undefined)
                    onChange(parsed as Params)
                  }
                } catch (error) {
                  setJsonError(`This is not valid JSON: ${(error as Error).message}`)
                }
              }}
            />
          )}
        </Field>
      ) : (
        <>
          {properties.map(([key, schema]) => (
            <ParamInput
              key={`${automation.key}.${key}`}
              name={key}
              label={labels.get(key) ?? key}
              schema={schema}
              value={value[key]}
              onChange={(next) => onChange(next === undefined ? without(value, key) : { ...value, [key]: next })}
              error={problem?.field(`params.${key}`)}
            />
          ))}
          {paramsError ? <p class="error">{paramsError}</p> : null}
        </>
      )}
      {automation && properties.length > 0 && allPlain ? (
        <Button variant="link" onClick={() => (asJson ? setAsJson(false) : openJson())}>
          {asJson ? "Edit parameters as a form" : "Edit parameters as JSON"}
        </Button>
      ) : null}
    </fieldset>
  )
}
