/**
 * Adding or changing a department source, for admins: its name, code, department, kind and the
 * settings of that kind, with the server's refusal of a setting shown next to it.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { Alert, CheckField, Field, messageOf, SaveOrCancel } from "../ui"
import { type Draft, draftOf, KINDS, type Kind, SETTINGS, type Source, settingProblems, settingsOf } from "./sources"

export const SourceForm = ({
  source,
  onSaved,
  onCancel,
}: {
  source?: Source
  onSaved: (source: Source) => void
  onCancel: () => void
}) => {
  const [draft, setDraft] = useState<Draft>(() => draftOf(source))
  const [problem, setProblem] = useState<ApiProblem | undefined>(undefined)
  const [failure, setFailure] = useState<string | undefined>(undefined)
  const [saving, setSaving] = useState(false)
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((previous) => ({ ...previous, [key]: value }))
  const settingErrors = settingProblems(problem)
  const formId = source ? `source-form-${source.id}` : "source-form-new"
  // the form opens where the keyboard is: its heading takes the focus
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => heading.current?.focus(), [])

  const save = async (event: Event) => {
    event.preventDefault()
    setProblem(undefined)
    setFailure(undefined)
    setSaving(true)
    const body = {
      name: draft.name.trim(),
      code: draft.code.trim(),
      department: draft.department.trim(),
      kind: draft.kind,
      enabled: draft.enabled,
      settings: settingsOf(draft, source),
    }
    try {
      const saved = source
        ? await answerOf(client.PATCH("/api/department-sources/{id}/", { params: { path: { id: source.id } }, body }))
        : await answerOf(client.POST("/api/department-sources/", { body }))
      onSaved(saved)
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 400) setProblem(error)
      else if (error instanceof ApiProblem && error.status === 409) setProblem(error)
      else setFailure(messageOf(error))
    } finally {
      setSaving(false)
    }
  }

  const named = new Set(Object.keys(settingErrors))
  const fieldNames = ["name", "code", "department", "kind", "enabled"]
  const unplaced =
    problem && problem.status === 400 && named.size === 0 && !fieldNames.some((name) => problem.field(name))
      ? problem.message
      : undefined
  const conflict = problem?.status === 409 ? problem.message : undefined

  return (
    <form class="card source-form" onSubmit={save} noValidate aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`} tabIndex={-1} ref={heading}>
        {source ? `Edit ${source.name}` : "New department source"}
      </h2>
      {failure ? <Alert>{failure}</Alert> : null}
      {unplaced ? <Alert>{unplaced}</Alert> : null}
      <div class="grid">
        <Field label="Name" error={problem?.field("name") ?? (conflict?.includes("name") ? conflict : undefined)}>
          {(props) => (
            <input
              {...props}
              name="name"
              required
              value={draft.name}
              onInput={(e) => set("name", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Code"
          hint="Short and unique, upper case, e.g. ADM."
          error={problem?.field("code") ?? (conflict && !conflict.includes("name") ? conflict : undefined)}
        >
          {(props) => (
            <input
              {...props}
              name="code"
              required
              autocapitalize="characters"
              value={draft.code}
              onInput={(e) => set("code", e.currentTarget.value.toUpperCase())}
            />
          )}
        </Field>
        <Field label="Department" hint="Lower case, e.g. admissions." error={problem?.field("department")}>
          {(props) => (
            <input
              {...props}
              name="department"
              required
              value={draft.department}
              onInput={(e) => set("department", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Kind" error={problem?.field("kind")}>
          {(props) => (
            <select
              {...props}
              name="kind"
              value={draft.kind}
              onChange={(e) => set("kind", e.currentTarget.value as Kind)}
            >
              {KINDS.map((kind) => (
                <option key={kind.value} value={kind.value}>
                  {kind.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset class="params">
        <legend>Settings of a {draft.kind} source</legend>
        <div class="grid">
          {SETTINGS[draft.kind].map((setting) => (
            <Field
              key={`${draft.kind}.${setting.key}`}
              label={`${setting.label}${setting.required ? "" : " (optional)"}`}
              hint={setting.hint}
              error={settingErrors[setting.key]}
            >
              {(props) =>
                setting.type === "choice" ? (
                  <select
                    {...props}
                    name={`settings.${setting.key}`}
                    value={draft.settings[setting.key] ?? ""}
                    onChange={(e) => set("settings", { ...draft.settings, [setting.key]: e.currentTarget.value })}
                  >
                    <option value="">{setting.required ? "Choose one" : "(default)"}</option>
                    {setting.options?.map((option) => (
                      <option key={option} value={option}>
                        {option}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...props}
                    name={`settings.${setting.key}`}
                    type="text"
                    inputMode={setting.type === "number" ? "numeric" : setting.key === "url" ? "url" : "text"}
                    value={draft.settings[setting.key] ?? ""}
                    onInput={(e) => set("settings", { ...draft.settings, [setting.key]: e.currentTarget.value })}
                  />
                )
              }
            </Field>
          ))}
        </div>
      </fieldset>
      <CheckField name="enabled" checked={draft.enabled} onChange={(checked) => set("enabled", checked)}>
        Enabled (ingests take from it)
      </CheckField>
      <SaveOrCancel saving={saving} label={source ? "Save changes" : "Add source"} onCancel={onCancel} />
    </form>
  )
}
