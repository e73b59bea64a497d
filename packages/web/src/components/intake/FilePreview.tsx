/**
 * Previewing a file before it is submitted: standardize and validate run on the server
 * without publishing, and the first rows, the detected schema and every problem are shown;
 * when the file's headers do not satisfy its profile, the operator maps them (suggestions
 * first), and the confirmed mapping is remembered by the server for that department and
 * header set.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { Alert, Button, LoadState, messageOf, useLoad } from "../ui"
import { MappingStep } from "./preview/MappingStep"
import { ProblemList, RowsTable, SchemaList } from "./preview/PreviewTables"
import type { PreviewResult } from "./preview/types"
import "./preview/preview.css"

export interface FilePreviewProps {
  readonly file: File
  /** a profile id, or "auto" */
  readonly profile: string
  /** the department the file comes from (mappings are remembered per department) */
  readonly department: string
  /** the preview is done: `ready` when the file can be submitted as it is (or with its remembered mapping) */
  readonly onResolved: (result: { readonly ready: boolean }) => void
}

/** Asks the server to read the file as the pipeline would, storing and publishing nothing. */
export const requestPreview = (file: File, profile: string, department: string, signal?: AbortSignal) => {
  const form = new FormData()
  form.set("file", file, file.name)
  form.set("profile", profile)
  if (department !== "") form.set("department", department)
  // a multipart body: the browser writes its boundary
  return answerOf(
    client.POST("/api/uploads/preview/", { body: form as unknown as Record<string, unknown>, signal: signal ?? null }),
  ) as Promise<PreviewResult>
}

/** `value`, once it stopped changing for `ms` (the department is typed while the preview is open). */
const useSettled = (value: string, ms: number): string => {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    if (value === settled) return
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, settled, ms])
  return settled
}

export function FilePreview({ file, profile, department: typed, onResolved }: FilePreviewProps) {
  const department = useSettled(typed, 400)
  const loaded = useLoad((signal) => requestPreview(file, profile, department, signal), [file, profile, department])
  const resolved = useRef(onResolved)
  resolved.current = onResolved
  const preview = loaded.data
  useEffect(() => {
    if (preview !== undefined && !loaded.loading) resolved.current({ ready: preview.ready })
  }, [preview, loaded.loading])

  return (
    <div class="file-preview-body" aria-busy={loaded.loading}>
      {loaded.loading && preview !== undefined ? (
        <p class="muted" aria-live="polite">
          Checking the file again…
        </p>
      ) : null}
      {loaded.error && preview !== undefined ? (
        <Alert>
          {messageOf(loaded.error)}{" "}
          <Button variant="link" onClick={loaded.reload}>
            Try again
          </Button>
        </Alert>
      ) : null}
      <LoadState loaded={loaded}>
        {(data) => <PreviewBody preview={data} profile={profile} department={department} onMapped={loaded.reload} />}
      </LoadState>
    </div>
  )
}

const PreviewBody = ({
  preview,
  profile,
  department,
  onMapped,
}: {
  preview: PreviewResult
  profile: string
  department: string
  onMapped: () => void
}) => {
  const mappingProfile = profile === "auto" ? (preview.detected_profile ?? profile) : profile
  return (
    <>
      <ul class="preview-facts">
        <li>
          Format: <strong>{preview.format ?? "not readable"}</strong>
        </li>
        <li>
          Profile: <strong>{preview.detected_profile ?? "none"}</strong>
          {profile === "auto" && preview.detected_profile ? " (detected)" : ""}
        </li>
        <li>
          Rows: <strong>{preview.row_count}</strong>
        </li>
        {preview.reading.title_rows > 0 ? (
          <li>
            Title rows skipped above the header: <strong>{preview.reading.title_rows}</strong>
          </li>
        ) : null}
        {preview.reading.decimal_mark !== null ? (
          <li>
            Decimal mark:{" "}
            <strong>{preview.reading.decimal_mark === "," ? "comma (87,5 is 87.5)" : "point (87.5)"}</strong>
          </li>
        ) : null}
        <li>
          Problems: <strong>{preview.problem_count}</strong>
        </li>
      </ul>
      {preview.remembered_mapping ? (
        <Alert kind="info">
          The mapping remembered for {preview.remembered_mapping.department} applies:{" "}
          {Object.entries(preview.remembered_mapping.mapping)
            .map(([header, column]) => `${header} → ${column}`)
            .join(", ")}
          .
        </Alert>
      ) : null}
      {preview.missing_columns.length > 0 ? (
        <MappingStep
          key={preview.fingerprint ?? "none"}
          preview={preview}
          profile={mappingProfile}
          department={department}
          onConfirmed={onMapped}
        />
      ) : null}
      <h3>Detected columns</h3>
      <SchemaList preview={preview} />
      <h3>First rows</h3>
      <RowsTable preview={preview} />
      <h3>Problems</h3>
      <ProblemList preview={preview} />
    </>
  )
}
