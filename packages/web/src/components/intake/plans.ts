/**
 * The profiles and plans an upload can take, and the rules the plan editors check before a
 * file is sent (docs/pipeline.md): names normalized like headers, key fields present and well
 * formed, numbers that read as numbers, attendance codes. The server checks again.
 */

export const PROFILES: ReadonlyArray<{ readonly id: string; readonly label: string; readonly hint: string }> = [
  { id: "gradebook", label: "Gradebook", hint: "student_id and at least one score column" },
  { id: "attendance", label: "Attendance", hint: "student_id, date and status (P, A, L or E)" },
  { id: "roster", label: "Roster", hint: "student_id, a name, and grade or class" },
  { id: "generic", label: "Generic table", hint: "any table; no required columns" },
  { id: "auto", label: "Detect from the file", hint: "BatchOps picks the profile the headers fit best" },
]

export type PlanMode = "transform" | "append" | "delete" | "custom"

export const PLANS: ReadonlyArray<{ readonly id: PlanMode; readonly label: string; readonly hint: string }> = [
  { id: "transform", label: "Summarize (transform)", hint: "Publishes the summary table of every numeric column." },
  { id: "append", label: "Add records (append)", hint: "Publishes the file's rows plus the records you enter." },
  { id: "delete", label: "Remove rows (delete)", hint: "Publishes the rows that no rule matches." },
  { id: "custom", label: "Custom (note)", hint: "Publishes the rows unchanged, with your note in the log and PDF." },
]

/** A column of the append table. */
export interface Column {
  readonly name: string
  /** the cell must read as a number */
  readonly numeric: boolean
}

/** `Student ID` → `student_id`, `Score (%)` → `score`: the pipeline's header rule. */
export const normalizeName = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")

/** Columns every record of a profile needs (the key first). */
export const requiredColumns = (profile: string): ReadonlyArray<Column> => {
  const id = { name: "student_id", numeric: false }
  switch (profile) {
    case "attendance":
      return [id, { name: "date", numeric: false }, { name: "status", numeric: false }]
    case "roster":
      return [id, { name: "name", numeric: false }, { name: "grade", numeric: false }]
    case "generic":
      return []
    default:
      return [id]
  }
}

/** The profile's key columns (present and well formed in every row). */
const keyColumns = (profile: string): ReadonlyArray<string> => (profile === "generic" ? [] : ["student_id"])

const ATTENDANCE_CODES = new Set(["p", "a", "l", "e", "present", "absent", "late", "excused"])

const MISSING = new Set(["", "n/a", "na", "-", "null"])

/** A cell's number as the pipeline reads it (`87%`, `1,234.5`), or undefined when it is not one. */
export const readNumber = (text: string): number | undefined => {
  let value = text.trim()
  if (value.endsWith("%")) value = value.slice(0, -1).trim()
  if (/,/.test(value)) {
    if (!/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(value)) return undefined
    value = value.replaceAll(",", "")
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value)) return undefined
  return Number(value)
}

/** What is wrong with one cell (an error blocks the upload), and a note that does not. */
export interface CellCheck {
  readonly error?: string
  readonly note?: string
}

export const checkCell = (profile: string, column: Column, raw: string): CellCheck => {
  const value = raw.trim()
  const required = requiredColumns(profile).some((c) => c.name === column.name)
  if (value === "") return required ? { error: "Required." } : {}
  if (keyColumns(profile).includes(column.name)) {
    if (value.length > 64) return { error: "At most 64 characters." }
    if (/[\s\p{Cc}]/u.test(value)) return { error: "No spaces in an identifier." }
  }
  if (profile === "attendance" && column.name === "status" && !ATTENDANCE_CODES.has(value.toLowerCase())) {
    return { error: "Use P, A, L or E (present, absent, late, excused)." }
  }
  if (column.numeric && !MISSING.has(value.toLowerCase())) {
    const number = readNumber(value)
    if (number === undefined) return { error: "Must be a number, e.g. 87 or 87%." }
    if (profile === "gradebook" && (number < 0 || number > 100)) {
      return { note: "Outside 0–100: check this score." }
    }
  }
  return {}
}

/** What is wrong with a column's name, given the others. */
export const checkColumnName = (columns: ReadonlyArray<Column>, index: number): string | undefined => {
  const name = columns[index]?.name ?? ""
  if (name === "") return "Name the column (letters or digits)."
  if (columns.findIndex((c) => c.name === name) !== index) return `"${name}" is already a column.`
  return undefined
}

export type Row = Readonly<Record<string, string>>

export interface AppendState {
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<Row>
}

export interface DeleteRule {
  readonly column: string
  readonly value: string
}

/** The config a plan sends as `process_config`, or why it cannot be sent yet. */
export type PlanResult =
  | { readonly ok: true; readonly config: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problem: string }

export const appendConfig = (profile: string, state: AppendState): PlanResult => {
  if (state.rows.length === 0) return { ok: false, problem: "Add at least one record." }
  if (state.columns.some((_, index) => checkColumnName(state.columns, index) !== undefined)) {
    return { ok: false, problem: "Every column needs its own name." }
  }
  let errors = 0
  for (const row of state.rows) {
    for (const column of state.columns) if (checkCell(profile, column, row[column.name] ?? "").error) errors++
  }
  if (errors > 0) {
    return { ok: false, problem: `${errors} cell${errors === 1 ? " needs" : "s need"} fixing in the records to add.` }
  }
  const records = state.rows.map((row) => {
    const record: Record<string, string> = {}
    for (const column of state.columns) {
      const value = (row[column.name] ?? "").trim()
      if (value !== "") record[column.name] = value
    }
    return record
  })
  if (records.some((record) => Object.keys(record).length === 0)) {
    return { ok: false, problem: "A record is empty: fill it in or remove it." }
  }
  return { ok: true, config: { records } }
}

export const checkRuleColumn = (rule: DeleteRule): string | undefined =>
  normalizeName(rule.column) === "" ? "Choose the column to match." : undefined

export const deleteConfig = (rules: ReadonlyArray<DeleteRule>): PlanResult => {
  if (rules.length === 0) return { ok: false, problem: "Add at least one rule." }
  if (rules.some((rule) => checkRuleColumn(rule) !== undefined)) {
    return { ok: false, problem: "Every rule needs a column." }
  }
  return {
    ok: true,
    config: { rules: rules.map((rule) => ({ column: normalizeName(rule.column), value: rule.value.trim() })) },
  }
}

export const customConfig = (note: string): PlanResult =>
  note.trim() === "" ? { ok: false, problem: "Write the note." } : { ok: true, config: { note: note.trim() } }

const STUDENT_ID_ALIASES = ["studentid", "student_no", "student_number", "roll_no", "roll_number", "admission_no", "id"]

/** What the first rows of a CSV or TSV file show: its columns, and which read as numbers. */
export const readFileColumns = async (file: File): Promise<ReadonlyArray<Column> | null> => {
  const head = new Uint8Array(await file.slice(0, 65_536).arrayBuffer())
  // workbooks and PDFs are read on the server only
  if (head.length === 0 || (head[0] === 0x50 && head[1] === 0x4b) || (head[0] === 0x25 && head[1] === 0x50)) {
    return null
  }
  if (head.includes(0)) return null
  const text = new TextDecoder().decode(head).replace(/^\uFEFF/, "")
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "")
  if (lines.length === 0) return null
  const header = lines[0] ?? ""
  const delimiter =
    [",", ";", "\t", "|"]
      .map((d) => ({ d, n: header.split(d).length }))
      .sort((a, b) => b.n - a.n)
      .find((x) => x.n > 1)?.d ?? ","
  const split = (line: string) => {
    const cells: Array<string> = []
    let cell = ""
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const char = line[i]
      if (char === '"') {
        if (quoted && line[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = !quoted
      } else if (char === delimiter && !quoted) {
        cells.push(cell)
        cell = ""
      } else cell += char
    }
    cells.push(cell)
    return cells
  }
  const names = split(header).map(normalizeName)
  // the pipeline's student_id aliases, in every profile (the first present wins)
  if (!names.includes("student_id")) {
    const alias = STUDENT_ID_ALIASES.find((name) => names.includes(name))
    if (alias !== undefined) names[names.indexOf(alias)] = "student_id"
  }
  const sample = lines.slice(1, 51).map(split)
  const seen = new Set<string>()
  const columns: Array<Column> = []
  names.forEach((name, index) => {
    if (name === "" || seen.has(name)) return
    seen.add(name)
    const values = sample.map((cells) => (cells[index] ?? "").trim()).filter((v) => !MISSING.has(v.toLowerCase()))
    const numbers = values.filter((v) => readNumber(v) !== undefined).length
    const identifier = name === "id" || /_(id|no|number|code)$/.test(name)
    columns.push({ name, numeric: !identifier && values.length > 0 && numbers / values.length >= 0.8 })
  })
  return columns
}
