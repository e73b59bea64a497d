/** Descriptive statistics of `generate_summary`, computed from all values of a column. */
import type { ColumnStats } from "./Summary.js"

/** A growable array of numbers that stays compact for a million values. */
export class NumberColumn {
  private values = new Float64Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2)
      grown.set(this.values)
      this.values = grown
    }
    this.values[this.length++] = value
  }

  /** The values, sorted ascending (sorts in place; call once at the end). */
  sorted(): Float64Array {
    return this.values.subarray(0, this.length).sort()
  }
}

/** Percentile with linear interpolation between closest ranks (NumPy's and pandas' default). */
export const percentile = (sorted: Float64Array, p: number): number | undefined => {
  if (sorted.length === 0) return undefined
  const rank = (sorted.length - 1) * p
  const lower = Math.floor(rank)
  const upper = Math.ceil(rank)
  const a = sorted[lower]!
  const b = sorted[upper]!
  return a + (b - a) * (rank - lower)
}

/** Statistics of one column. `missing` = rows - count. `std` is the sample standard deviation (n - 1). */
export const columnStats = (column: string, values: NumberColumn, rows: number): ColumnStats => {
  const sorted = values.sorted()
  const n = sorted.length
  let mean: number | undefined
  let std: number | undefined
  if (n > 0) {
    // Welford's method: stable for large columns.
    let m = 0
    let s = 0
    for (let i = 0; i < n; i++) {
      const x = sorted[i]!
      const delta = x - m
      m += delta / (i + 1)
      s += delta * (x - m)
    }
    mean = m
    std = n > 1 ? Math.sqrt(s / (n - 1)) : undefined
  }
  return {
    column,
    count: n,
    missing: rows - n,
    mean,
    std,
    min: n > 0 ? sorted[0] : undefined,
    p25: percentile(sorted, 0.25),
    median: percentile(sorted, 0.5),
    p75: percentile(sorted, 0.75),
    max: n > 0 ? sorted[n - 1] : undefined,
  }
}
