/** What `POST /api/uploads/preview/` answers (see packages/server/src/api/uploads/Preview.ts). */
export interface PreviewProblem {
  readonly severity: "critical" | "warning"
  readonly stage: string
  readonly row: number | null
  readonly column: string | null
  readonly value: string | null
  readonly rule: string
  readonly message: string
}

export interface RememberedMapping {
  readonly id: string
  readonly department: string
  readonly profile: string
  readonly fingerprint: string
  readonly headers: ReadonlyArray<string>
  readonly mapping: Readonly<Record<string, string>>
  readonly confirmed_by: string | null
  readonly created_at: string
  readonly updated_at: string
}

export interface PreviewResult {
  readonly file_name: string
  readonly format: string | null
  readonly profile: string
  readonly department: string | null
  readonly headers: ReadonlyArray<string>
  readonly fingerprint: string | null
  readonly detected_profile: string | null
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>
  readonly rows: ReadonlyArray<{ readonly row: number; readonly cells: ReadonlyArray<unknown> }>
  readonly row_count: number
  /** how the file was read: title rows skipped above the header, the decimal mark of a text file's numbers */
  readonly reading: { readonly title_rows: number; readonly decimal_mark: "." | "," | null }
  readonly problems: ReadonlyArray<PreviewProblem>
  readonly problem_count: number
  readonly missing_columns: ReadonlyArray<string>
  /** profile column -> the file's headers, best match first */
  readonly suggestions: Readonly<Record<string, ReadonlyArray<string>>>
  readonly remembered_mapping: RememberedMapping | null
  readonly ready: boolean
}
