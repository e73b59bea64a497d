/** The parts of a preview that only show: the detected schema, the first rows, and every problem. */
import type { PreviewProblem, PreviewResult } from "./types"

const TYPE_LABEL: Readonly<Record<string, string>> = {
  identifier: "identifier",
  number: "number",
  date: "date",
  text: "text",
  empty: "empty",
}

/** The columns as the pipeline names them, with a type guess. */
export const SchemaList = ({ preview }: { preview: PreviewResult }) =>
  preview.columns.length === 0 ? (
    <p class="muted">No columns could be read from this file.</p>
  ) : (
    <ul class="preview-schema" aria-label="Detected columns">
      {preview.columns.map((column) => (
        <li key={column.name}>
          <code>{column.name}</code>{" "}
          <span class={`preview-type preview-type-${column.type}`}>{TYPE_LABEL[column.type] ?? column.type}</span>
        </li>
      ))}
    </ul>
  )

const show = (cell: unknown): string => (cell === null || cell === undefined ? "" : String(cell))

/** The first rows, numbered as in the department's spreadsheet. */
export const RowsTable = ({ preview }: { preview: PreviewResult }) => {
  if (preview.rows.length === 0) return <p class="muted">No rows to show.</p>
  const label = `First ${preview.rows.length} of ${preview.row_count} rows of ${preview.file_name}`
  return (
    // a scrolling region must be reachable by keyboard
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the table scrolls sideways; the keyboard needs a stop to scroll it
    <section class="table-wrap preview-rows" tabIndex={0} aria-label={label}>
      <table>
        <caption class="preview-caption">{label}</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            {preview.columns.map((column) => (
              <th scope="col" key={column.name}>
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row) => (
            <tr key={row.row}>
              <th scope="row">{row.row}</th>
              {preview.columns.map((column, i) => (
                <td key={column.name}>{show(row.cells[i])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

const where = (problem: PreviewProblem) =>
  [problem.row === null ? null : `row ${problem.row}`, problem.column === null ? null : `column ${problem.column}`]
    .filter(Boolean)
    .join(", ") || "whole file"

/** Every problem the run found (critical first), with where it is. */
export const ProblemList = ({ preview }: { preview: PreviewResult }) => {
  if (preview.problems.length === 0) return <p class="preview-clean">No problems found.</p>
  const shown = preview.problems.length
  return (
    <>
      {preview.problem_count > shown ? (
        <p class="muted">
          Showing the first {shown} of {preview.problem_count} problems.
        </p>
      ) : null}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long list scrolls; the keyboard needs a stop to scroll it */}
      <section class="preview-problems" tabIndex={0} aria-label={`Problems in ${preview.file_name}`}>
        <ul>
          {preview.problems.map((problem, i) => (
            <li key={`${i}-${problem.rule}`} class={`preview-problem preview-problem-${problem.severity}`}>
              <span class="preview-severity">{problem.severity === "critical" ? "Stops the run" : "Warning"}</span>{" "}
              <span class="preview-where">{where(problem)}</span>: {problem.message}
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
