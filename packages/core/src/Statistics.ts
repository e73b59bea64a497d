/** Descriptive statistics of `generate_summary`, computed from all values of a column. */
import type { ColumnStats } from "./Summary.js"

/**
 * A growable array of numbers that stays compact for a million values. It grows by moving its
 * memory to a larger block (`ArrayBuffer.prototype.transfer`, which can resize in place)
 * rather than copying it, so growing never holds the old and the new block at once, and
 * `release` hands the memory back at once instead of at the next garbage collection.
 */
export class NumberColumn {
  private values = new Float64Array(1024)
  length = 0

  push(value: number): void {
    if (this.length === this.values.length) {
      this.values = new Float64Array(this.values.buffer.transfer(Math.max(8 * 1024, this.values.byteLength * 2)))
    }
    this.values[this.length++] = value
  }

  /** The values pushed so far (a view, not a copy: the statistics reorder it in place). */
  view(): Float64Array {
    return this.values.subarray(0, this.length)
  }

  /** The values, sorted ascending (sorts in place). */
  sorted(): Float64Array {
    return this.view().sort()
  }

  /** Frees the values (views taken before become empty); the column is empty afterwards. */
  release(): void {
    this.values.buffer.transfer(0)
    this.values = new Float64Array(0)
    this.length = 0
  }
}

/**
 * Put the order statistics of the given ranks (ascending) in place, as a full sort would:
 * afterwards `values[rank]` is the value a sorted array holds there. Quickselect on the
 * middle rank, then the ranks on each side within their half: linear time, where sorting a
 * million values is not.
 */
export const selectRanks = (values: Float64Array, ranks: ReadonlyArray<number>): void => {
  const selectAll = (from: number, to: number, lo: number, hi: number) => {
    if (from > to) return
    const middle = (from + to) >>> 1
    const rank = ranks[middle]!
    select(values, rank, lo, hi)
    selectAll(from, middle - 1, lo, rank - 1)
    selectAll(middle + 1, to, rank + 1, hi)
  }
  selectAll(0, ranks.length - 1, 0, values.length - 1)
}

/** Hoare quickselect: afterwards values[k] is the k-th smallest of values[lo..hi]. */
const select = (values: Float64Array, k: number, lo: number, hi: number): void => {
  while (hi > lo) {
    const pivot = medianOfThree(values[lo]!, values[(lo + hi) >>> 1]!, values[hi]!)
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const t = values[i]!
        values[i] = values[j]!
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) hi = j
    else if (k >= i) lo = i
    else return
  }
}

const medianOfThree = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))

/**
 * Percentile with linear interpolation between closest ranks (NumPy's and pandas' default).
 * `sorted` needs its values in order at the two ranks around the percentile (a sorted array,
 * or one that `selectRanks` prepared).
 */
export const percentile = (sorted: Float64Array, p: number): number | undefined => {
  if (sorted.length === 0) return undefined
  const rank = (sorted.length - 1) * p
  const lower = Math.floor(rank)
  const upper = Math.ceil(rank)
  const a = sorted[lower]!
  const b = sorted[upper]!
  return a + (b - a) * (rank - lower)
}

const QUARTILES = [0.25, 0.5, 0.75] as const

/** Statistics of one column. `missing` = rows - count. `std` is the sample standard deviation (n - 1). */
export const columnStats = (column: string, numbers: NumberColumn, rows: number): ColumnStats => {
  const values = numbers.view()
  const n = values.length
  if (n === 0) {
    return {
      column,
      count: 0,
      missing: rows,
      mean: undefined,
      std: undefined,
      min: undefined,
      p25: undefined,
      median: undefined,
      p75: undefined,
      max: undefined,
    }
  }
  // Welford's method: stable for large columns.
  let mean = 0
  let s = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < n; i++) {
    const x = values[i]!
    const delta = x - mean
    mean += delta / (i + 1)
    s += delta * (x - mean)
    if (x < min) min = x
    if (x > max) max = x
  }
  const ranks = [...new Set(QUARTILES.flatMap((p) => [Math.floor((n - 1) * p), Math.ceil((n - 1) * p)]))].sort(
    (a, b) => a - b,
  )
  selectRanks(values, ranks)
  const [p25, median, p75] = QUARTILES.map((p) => percentile(values, p))
  return {
    column,
    count: n,
    missing: rows - n,
    mean,
    std: n > 1 ? Math.sqrt(s / (n - 1)) : undefined,
    min,
    p25,
    median,
    p75,
    max,
  }
}
