/**
 * Departments: the sources records come from (simulated sample data, an inbox folder, a web
 * page), which admins add and change with the settings of each kind (the server's refusal of a
 * setting shows next to it), and a source's recent records, filtered by kind and paged.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { useLocation, useRoute } from "preact-iso"
import { ApiProblem, answerOf, client } from "../api/client"
import { KeyValues } from "../components/schedules/KeyValues"
import { Alert, Badge, Button, Field, LoadState, messageOf, Page, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "../components/schedules/schedules.css"
import "./departments.css"

type Kind = "simulated" | "directory" | "url"

interface Source {
  readonly id: string
  readonly name: string
  readonly code: string
  readonly department: string
  readonly kind: Kind
  readonly settings: Readonly<Record<string, unknown>>
  readonly enabled: boolean
}

interface SourceRecord {
  readonly id: string
  readonly source_id: string
  readonly kind: string
  readonly key: string
  readonly payload: Record<string, unknown>
  readonly recorded_at: string
}

interface Setting {
  readonly key: string
  readonly label: string
  readonly hint: string
  readonly type: "text" | "number" | "list" | "choice" | "position"
  readonly options?: ReadonlyArray<string>
  readonly required?: boolean
}

/** The settings of each kind (docs/operations.md, "Department sources"). */
const SETTINGS: Readonly<Record<Kind, ReadonlyArray<Setting>>> = {
  simulated: [
    {
      key: "feed",
      label: "Feed",
      hint: "Which sample data the source produces.",
      type: "choice",
      options: ["admissions", "library", "facilities", "attendance"],
      required: true,
    },
    { key: "per_run", label: "Records per ingest", hint: "1 to 200 (default 5).", type: "number" },
    { key: "students", label: "Students", hint: "Attendance: the number of students (default 40).", type: "number" },
  ],
  directory: [
    {
      key: "path",
      label: "Inbox folder",
      hint: "A folder inside the host's inbox folder, e.g. registrar.",
      type: "text",
      required: true,
    },
    { key: "profile", label: "Profile", hint: 'The profile of the files (default "auto").', type: "text" },
    { key: "plan", label: "Plan", hint: 'The plan the files run (default "transform").', type: "text" },
    {
      key: "stable_seconds",
      label: "Stable for (seconds)",
      hint: "A file is taken once unchanged this long (default 30).",
      type: "number",
    },
    { key: "extensions", label: "Extensions", hint: "Separated by commas (default csv, xlsx, pdf).", type: "list" },
    {
      key: "max_bytes",
      label: "Largest file (bytes)",
      hint: "Larger files go to failed/ (default 50 MB).",
      type: "number",
    },
  ],
  url: [
    {
      key: "url",
      label: "Address",
      hint: "The page or CSV file to fetch (its host must be allowed).",
      type: "text",
      required: true,
    },
    {
      key: "extract",
      label: "Take",
      hint: "What to take from the page (default auto).",
      type: "choice",
      options: ["auto", "table", "csv_link", "csv"],
    },
    {
      key: "table",
      label: "Table",
      hint: "Which table: a position (0 is the first) or its id or caption word.",
      type: "position",
    },
    { key: "link", label: "CSV link", hint: "Which CSV link of the page.", type: "text" },
    {
      key: "into",
      label: "Into",
      hint: "Department records, or an upload through the pipeline (default records).",
      type: "choice",
      options: ["records", "upload"],
    },
    { key: "record_kind", label: "Record kind", hint: 'The kind of the records (default "row").', type: "text" },
    { key: "key_column", label: "Key column", hint: "The column that tells records apart.", type: "text" },
    { key: "profile", label: "Profile", hint: 'Into upload: the profile (default "auto").', type: "text" },
    { key: "plan", label: "Plan", hint: 'Into upload: the plan (default "transform").', type: "text" },
    { key: "timeout_ms", label: "Timeout (ms)", hint: "How long a fetch may take (default 10000).", type: "number" },
    { key: "max_bytes", label: "Largest page (bytes)", hint: "Default 5 MB.", type: "number" },
  ],
}

const KINDS: ReadonlyArray<{ value: Kind; label: string }> = [
  { value: "simulated", label: "Simulated (sample data)" },
  { value: "directory", label: "Directory (an inbox folder)" },
  { value: "url", label: "URL (a web page or CSV file)" },
]

/** The settings in one line: "feed admissions · per_run 5". */
const settingsSummary = (settings: Readonly<Record<string, unknown>>) => {
  const entries = Object.entries(settings)
  if (entries.length === 0) return "defaults"
  return entries
    .map(
      ([key, value]) =>
        `${key} ${Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value)}`,
    )
    .join(" · ")
}

/** The server's words for each setting: "settings.path: must be relative; settings.url: ..." */
export const settingProblems = (problem: ApiProblem | undefined): Record<string, string> => {
  const out: Record<string, string> = {}
  if (!problem) return out
  for (const field of problem.fields) {
    const match = /^settings\.([A-Za-z_]+)/.exec(field.path)
    if (match?.[1]) out[match[1]] = field.message
  }
  for (const part of problem.message.split("; ")) {
    const match = /(?:^|\s)settings\.([A-Za-z_]+)[^:]*:\s*(.+)$/.exec(part)
    if (match?.[1] && match[2] && out[match[1]] === undefined) out[match[1]] = match[2]
  }
  return out
}

const textOf = (value: unknown): string =>
  value === undefined || value === null ? "" : Array.isArray(value) ? value.join(", ") : String(value)

interface Draft {
  name: string
  code: string
  department: string
  kind: Kind
  enabled: boolean
  settings: Record<string, string>
}

const draftOf = (source: Source | undefined): Draft => ({
  name: source?.name ?? "",
  code: source?.code ?? "",
  department: source?.department ?? "",
  kind: source?.kind ?? "simulated",
  enabled: source?.enabled ?? true,
  settings: Object.fromEntries(Object.entries(source?.settings ?? {}).map(([key, value]) => [key, textOf(value)])),
})

const settingsOf = (draft: Draft, original: Source | undefined): Record<string, unknown> => {
  const fields = SETTINGS[draft.kind]
  // settings the form does not show are kept as they were (same kind only)
  const out: Record<string, unknown> =
    original && original.kind === draft.kind
      ? Object.fromEntries(Object.entries(original.settings).filter(([key]) => !fields.some((f) => f.key === key)))
      : {}
  for (const field of fields) {
    const text = (draft.settings[field.key] ?? "").trim()
    if (text === "") continue
    if (field.type === "number") out[field.key] = Number.isFinite(Number(text)) ? Number(text) : text
    else if (field.type === "list")
      out[field.key] = text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "")
    else if (field.type === "position") out[field.key] = /^\d+$/.test(text) ? Number(text) : text
    else out[field.key] = text
  }
  return out
}

const SourceForm = ({
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
      <div class="field field-check">
        <label>
          <input
            type="checkbox"
            name="enabled"
            checked={draft.enabled}
            onChange={(e) => set("enabled", e.currentTarget.checked)}
          />{" "}
          Enabled (ingests take from it)
        </label>
      </div>
      <div class="form-actions">
        <Button type="submit" busy={saving}>
          {source ? "Save changes" : "Add source"}
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  )
}

const RECORDS_PAGE = 20

const Records = ({ id }: { id: string }) => {
  const { query, route, path } = useLocation()
  const kind = query.kind ?? ""
  const page = Math.max(1, Number.parseInt(query.page ?? "1", 10) || 1)
  const [kindText, setKindText] = useState(kind)
  const source = useLoad(
    (signal): Promise<Source> =>
      answerOf(client.GET("/api/department-sources/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  const records = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/department-sources/{id}/records/", {
          params: { path: { id }, query: { kind, page: String(page), page_size: String(RECORDS_PAGE) } },
          signal,
        }),
      ),
    [id, kind, page],
  )
  const go = (next: { kind?: string; page?: number }) => {
    const params = new URLSearchParams()
    const k = next.kind ?? kind
    const p = next.page ?? page
    if (k) params.set("kind", k)
    if (p > 1) params.set("page", String(p))
    const search = params.toString()
    route(`${path}${search ? `?${search}` : ""}`)
  }
  return (
    <Page title={source.data ? `${source.data.name} records` : "Department records"}>
      <p>
        <a href="/departments">All department sources</a>
      </p>
      <LoadState loaded={source}>
        {(data) => (
          <p>
            <code>{data.code}</code> · {data.department} · {data.kind} ·{" "}
            <Badge value={data.enabled ? "enabled" : "disabled"} />
          </p>
        )}
      </LoadState>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault()
          go({ kind: kindText.trim(), page: 1 })
        }}
      >
        <Field label="Kind" hint="e.g. application, loan, attendance, student">
          {(props) => (
            <input {...props} name="kind" value={kindText} onInput={(e) => setKindText(e.currentTarget.value)} />
          )}
        </Field>
        <div class="field">
          <Button type="submit" variant="secondary">
            Show
          </Button>
        </div>
        {kind ? (
          <div class="field">
            <Button
              variant="link"
              onClick={() => {
                setKindText("")
                go({ kind: "", page: 1 })
              }}
            >
              All kinds
            </Button>
          </div>
        ) : null}
      </form>
      <LoadState loaded={records}>
        {(list) =>
          list.results.length === 0 ? (
            <p class="muted">
              {kind
                ? `No ${kind} records from this source.`
                : "No records from this source yet: they come with its next ingest."}
            </p>
          ) : (
            <>
              <ul class="records" aria-label="Records">
                {list.results.map((record) => (
                  <li key={record.id} class="record">
                    <p class="record-head">
                      <span class="badge badge-plain">{record.kind}</span> <code>{record.key}</code>{" "}
                      <span class="muted">
                        recorded <When at={record.recorded_at} />
                      </span>
                    </p>
                    <KeyValues value={record.payload} empty="empty" />
                  </li>
                ))}
              </ul>
              <div class="pager">
                <Button variant="secondary" disabled={list.previous === null} onClick={() => go({ page: page - 1 })}>
                  Newer records
                </Button>
                <span class="muted">
                  Page {page} of {Math.max(1, Math.ceil(list.count / RECORDS_PAGE))} ({list.count} records)
                </span>
                <Button variant="secondary" disabled={list.next === null} onClick={() => go({ page: page + 1 })}>
                  Older records
                </Button>
              </div>
            </>
          )
        }
      </LoadState>
    </Page>
  )
}

const Sources = () => {
  const [round, setRound] = useState(0)
  const [editing, setEditing] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const sources = useLoad(
    (signal) => answerOf(client.GET("/api/department-sources/", { params: { query: { page_size: "200" } }, signal })),
    [round],
  )
  const editable = can.editSources()
  const saved = (source: Source, verb: string) => {
    setEditing(undefined)
    setNotice(`${source.name} is ${verb}.`)
    setRound((n) => n + 1)
  }
  return (
    <Page
      title="Departments"
      actions={
        editable && editing !== "new" ? (
          <Button
            onClick={() => {
              setNotice(undefined)
              setEditing("new")
            }}
          >
            Add source
          </Button>
        ) : null
      }
    >
      <p class="muted">The sources department records come from. Their ingest jobs are on the Schedules page.</p>
      <div aria-live="polite">{notice ? <Alert kind="success">{notice}</Alert> : null}</div>
      {editing === "new" ? (
        <SourceForm onSaved={(source) => saved(source, "added")} onCancel={() => setEditing(undefined)} />
      ) : null}
      <LoadState loaded={sources}>
        {(list) => {
          const current = list.results.find((source) => source.id === editing)
          return (
            <>
              {current ? (
                <SourceForm
                  key={current.id}
                  source={current}
                  onSaved={(source) => saved(source, "saved")}
                  onCancel={() => setEditing(undefined)}
                />
              ) : null}
              {list.results.length === 0 ? (
                <p class="muted">No department sources yet.{editable ? " Add one to ingest its records." : ""}</p>
              ) : (
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls by keyboard
                <section class="table-wrap" tabIndex={0} aria-label="Department sources">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">Code</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Department</th>
                        <th scope="col">State</th>
                        <th scope="col">Settings</th>
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      {list.results.map((source) => (
                        <tr key={source.id}>
                          <td>
                            <a href={`/departments/${source.id}`}>{source.name}</a>
                          </td>
                          <td>
                            <code>{source.code}</code>
                          </td>
                          <td>{source.kind}</td>
                          <td>{source.department}</td>
                          <td>
                            <Badge value={source.enabled ? "enabled" : "disabled"} />
                          </td>
                          <td class="settings-summary">{settingsSummary(source.settings)}</td>
                          <td>
                            <div class="row-actions">
                              <a class="button button-secondary" href={`/departments/${source.id}`}>
                                Records<span class="visually-hidden"> of {source.name}</span>
                              </a>
                              {editable ? (
                                <Button
                                  variant="secondary"
                                  onClick={() => {
                                    setNotice(undefined)
                                    setEditing(source.id)
                                  }}
                                >
                                  Edit<span class="visually-hidden"> {source.name}</span>
                                </Button>
                              ) : null}
                            </div>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              )}
            </>
          )
        }}
      </LoadState>
    </Page>
  )
}

export default function Departments() {
  const { params } = useRoute()
  return params.id ? <Records id={params.id} /> : <Sources />
}
