/** Known errors BatchOps recognizes out of the box; sites add their own (plugins or the database). */
import type { KnownError } from "./KnownError.js"

export const builtinKnownErrors: ReadonlyArray<KnownError> = [
  {
    // first: a limit can stop any stage, and its message may also read like a damaged file
    name: "resource-limit",
    pattern: "resource limit",
    severity: "high",
    rootCause:
      "Reading or processing the file needed more memory, time or expansion than BatchOps allows one file: " +
      "a very large export, or a file built to exhaust the server (a compression bomb).",
    correctiveAction:
      "If the file is genuine, ask the department to split it or send it as CSV; an admin can raise the limit " +
      "named in the error. Do not retry it unchanged: it will stop at the same limit.",
  },
  {
    name: "empty-file",
    stage: "standardize_results",
    pattern: "the file is empty|every row is blank",
    severity: "medium",
    rootCause: "The department sent an empty file (an export that selected no records, or an upload that failed).",
    correctiveAction: "Ask the department to export the data again and check the file opens before sending it.",
  },
  {
    name: "header-only",
    stage: "standardize_results",
    pattern: "has a header but no data rows",
    severity: "medium",
    rootCause: "The export contained the column names but no records (a filter or date range matched nothing).",
    correctiveAction: "Ask the department to widen the export's filter or date range and send it again.",
  },
  {
    name: "unsupported-format",
    stage: "standardize_results",
    pattern: "not a format BatchOps reads",
    severity: "medium",
    rootCause:
      "The file is not CSV, XLSX, XLS, ODS or PDF (often a screenshot, an archive or a Word document renamed).",
    correctiveAction: "Ask the department for a CSV or XLSX export of the data.",
  },
  {
    name: "pdf-encrypted",
    stage: "standardize_results",
    pattern: "password-protected|encrypted",
    severity: "medium",
    rootCause: "The PDF is protected with a password, so its text cannot be read.",
    correctiveAction: "Ask the department for an unprotected PDF, or better a CSV/XLSX export.",
  },
  {
    name: "pdf-no-table",
    stage: "standardize_results",
    pattern: "no table|no text layer",
    severity: "medium",
    rootCause: "The PDF has no readable table (a scanned image, or a letter rather than a report).",
    correctiveAction:
      "Ask the department for the report as CSV or XLSX, or a PDF exported from the system (not scanned).",
  },
  {
    name: "damaged-file",
    stage: "standardize_results",
    pattern: "damaged|truncated|could not be read",
    severity: "high",
    rootCause: "The file was cut short or corrupted in transfer.",
    correctiveAction: "Ask the department to send the file again; compare its size with the original.",
  },
  {
    name: "ragged-rows",
    stage: "standardize_results",
    pattern: "more cells than the header",
    severity: "medium",
    rootCause: "Some rows have more values than there are columns: usually a comma inside an unquoted name or comment.",
    correctiveAction: "Fix the listed rows (quote the cell or remove the extra delimiter) and upload again.",
  },
  {
    name: "oversized-cell",
    stage: "standardize_results",
    pattern: "longer than the .* a spreadsheet cell can hold",
    severity: "medium",
    rootCause:
      "A cell is longer than any spreadsheet cell can be: usually a broken quote that swallowed the rest of the file.",
    correctiveAction: "Open the file, find the named row and column, and fix the stray quote character.",
  },
  {
    name: "missing-required-column",
    stage: "validate_results",
    pattern: "missing required column",
    severity: "high",
    rootCause: "The file's header lacks a column the chosen profile needs (renamed or dropped in the export).",
    correctiveAction: "Check the profile chosen for the upload, or ask the department to include the named column.",
  },
  {
    name: "missing-student-id",
    stage: "validate_results",
    pattern: "student_id is (missing|malformed)",
    severity: "high",
    rootCause: "Some rows have no usable student id, so they cannot be matched to students.",
    correctiveAction: "Ask the department to fill in the listed rows' student ids and send the file again.",
  },
  {
    name: "no-numeric-column",
    stage: "validate_results",
    pattern: "no numeric column",
    severity: "medium",
    rootCause: "The gradebook has no column of scores (scores exported as text, or the wrong sheet).",
    correctiveAction: "Check the file holds scores; choose the roster or generic profile if it is not a gradebook.",
  },
  {
    name: "invalid-plan",
    stage: "transform_gradebook",
    pattern: "invalid \\w+ plan|is not a column of this file",
    severity: "low",
    rootCause: "The processing plan's configuration does not fit the plan or this file.",
    correctiveAction: "Correct the plan configuration named in the error and retry.",
  },
]
