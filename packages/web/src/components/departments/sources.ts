/**
 * A department source as the API answers it, the settings of each kind (what the form asks and
 * how it reads them back), and a draft of the form made from a source and turned into settings.
 */
import type { ApiProblem } from "../../api/client"

export type Kind = "simulated" | "directory" | "url"

export interface Source {
  readonly id: string
  readonly name: string
  readonly code: string
  readonly department: string
  readonly kind: Kind
  readonly settings: Readonly<Record<string, unknown>>
  readonly enabled: boolean
}

export interface SourceRecord {
  readonly id: string
  readonly source_id: string
  readonly kind: string
  readonly key: string
  readonly payload: Record<string, unknown>
  readonly recorded_at: string
}

export interface Setting {
  readonly key: string
  readonly label: string
  readonly hint: string
  readonly type: "text" | "number" | "list" | "choice" | "position"
  readonly options?: ReadonlyArray<string>
  readonly required?: boolean
}

/** The settings of each kind (docs/operations.md, "Department sources"). */
export const SETTINGS: Readonly<Record<Kind, ReadonlyArray<Setting>>> = {
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

export const KINDS: ReadonlyArray<{ value: Kind; label: string }> = [
  { value: "simulated", label: "Simulated (sample data)" },
  { value: "directory", label: "Directory (an inbox folder)" },
  { value: "url", label: "URL (a web page or CSV file)" },
]

/** The settings in one line: "feed admissions · per_run 5". */
export const settingsSummary = (settings: Readonly<Record<string, unknown>>) => {
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

export const textOf = (value: unknown): string =>
  value === undefined || value === null ? "" : Array.isArray(value) ? value.join(", ") : String(value)

export interface Draft {
  name: string
  code: string
  department: string
  kind: Kind
  enabled: boolean
  settings: Record<string, string>
}

export const draftOf = (source: Source | undefined): Draft => ({
  name: source?.name ?? "",
  code: source?.code ?? "",
  department: source?.department ?? "",
  kind: source?.kind ?? "simulated",
  enabled: source?.enabled ?? true,
  settings: Object.fromEntries(Object.entries(source?.settings ?? {}).map(([key, value]) => [key, textOf(value)])),
})

export const settingsOf = (draft: Draft, original: Source | undefined): Record<string, unknown> => {
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
