/** The statistics `generate_summary` produces and every report shows. */

/** Statistics of one numeric column. A statistic that is undefined (std of one value, anything of an empty column) is `undefined`. */
export interface ColumnStats {
  readonly column: string
  /** values present and numeric */
  readonly count: number
  /** rows where the value is missing or not a number */
  readonly missing: number
  readonly mean: number | undefined
  readonly std: number | undefined
  readonly min: number | undefined
  readonly p25: number | undefined
  readonly median: number | undefined
  readonly p75: number | undefined
  readonly max: number | undefined
}

export interface Summary {
  /** rows in the dataset that was summarized */
  readonly rows: number
  /** columns in that dataset */
  readonly columns: number
  /** one entry per numeric column, in file order */
  readonly numeric: ReadonlyArray<ColumnStats>
}

/** The exact header of a summary CSV. */
export const SUMMARY_COLUMNS = [
  "column",
  "count",
  "missing",
  "mean",
  "std",
  "min",
  "p25",
  "median",
  "p75",
  "max",
] as const
