/**
 * Previewing a file before it is submitted: standardize and validate run on the server
 * without publishing, and the first rows, the detected schema and every problem are shown;
 * when the file's headers do not satisfy its profile, the operator maps them (suggestions
 * first), and the confirmed mapping is remembered by the server for that department and
 * header set.
 */
export interface FilePreviewProps {
  readonly file: File
  /** a profile id, or "auto" */
  readonly profile: string
  /** the department the file comes from (mappings are remembered per department) */
  readonly department: string
  /** the preview is done: `ready` when the file can be submitted as it is (or with its remembered mapping) */
  readonly onResolved: (result: { readonly ready: boolean }) => void
}

export function FilePreview(_props: FilePreviewProps) {
  return null
}
