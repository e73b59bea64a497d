/**
 * Rows as they flow through the pipeline. Cells are kept in arrays indexed like the
 * table's columns (not objects) so a million-row file streams without per-row key maps.
 */

/** A cell after standardization: text, a coerced number, or missing. */
export type Cell = string | number | undefined

/**
 * One record of a parsed file, before standardization: raw cell texts; `null`/`undefined` is
 * an empty cell. Handed over to core, which reuses the array as the row's cells.
 */
export type RawRecord = Array<string | null | undefined>

/** A data row. `number` counts records in the file with the header record as row 1. */
export interface Row {
  readonly number: number
  readonly cells: Array<Cell>
}
