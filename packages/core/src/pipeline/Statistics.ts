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
    // growing is its own method, so this one stays small enough to be inlined where it is called
    if (this.length === this.values.length) this.grow()
    this.values[this.length++] = value
  }

  private grow(): void {
    this.values = new Float64Array(this.values.buffer.transfer(Math.max(8 * 1024, this.values.byteLength * 2)))
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
    if (k <= j) {
      hi = j
      continue
    }
    if (k >= i) lo = i
    else return
  }
}

const medianOfThree = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c))

const BUCKETS = 1 << 16
/** Below this many values, quickselect in place is as quick as bucketing. */
const FEW = 4096

/**
 * The values at the given ranks (ascending) of a column with the given min and max, as a full
 * sort would place them. The values are counted into 65,536 buckets of equal width between
 * min and max (a bucket's values all sort before the next bucket's), so the bucket holding
 * each rank is known after one pass; a second pass gathers those buckets' values and
 * quickselect orders only them. A column of a million marks takes two passes instead of
 * quickselect's several. When one bucket holds a quarter of the values (far outliers squeeze
 * the rest together), or the range does not divide, it is quickselect in place.
 */
export const orderStatistics = (
  values: Float64Array,
  ranks: ReadonlyArray<number>,
  min: number,
  max: number,
): Array<number> => {
  const n = values.length
  const scale = (BUCKETS - 1) / (max - min)
  const inPlace = () => {
    selectRanks(values, ranks)
    return ranks.map((rank) => values[rank]!)
  }
  if (n <= FEW || !(max > min) || !Number.isFinite(scale) || !Number.isFinite(max - min)) return inPlace()
  const counts = new Uint32Array(BUCKETS)
  for (let i = 0; i < n; i++) counts[((values[i]! - min) * scale) | 0]!++
  // the bucket of each rank, and how many values sort before that bucket
  const target = new Int32Array(BUCKETS).fill(-1)
  const buckets: Array<{ bucket: number; before: number; values: Float64Array; length: number }> = []
  const ofRank: Array<number> = []
  let before = 0
  let next = 0
  for (let b = 0; b < BUCKETS && next < ranks.length; b++) {
    const count = counts[b]!
    while (next < ranks.length && ranks[next]! < before + count) {
      if (target[b] === -1) {
        if (count > n / 4) return inPlace()
        target[b] = buckets.length
        buckets.push({ bucket: b, before, values: new Float64Array(count), length: 0 })
      }
      ofRank.push(target[b]!)
      next++
    }
    before += count
  }
  for (let i = 0; i < n; i++) {
    const x = values[i]!
    const t = target[((x - min) * scale) | 0]!
    if (t !== -1) {
      const gathered = buckets[t]!
      gathered.values[gathered.length++] = x
    }
  }
  return ranks.map((rank, r) => {
    const gathered = buckets[ofRank[r]!]!
    const k = rank - gathered.before
    select(gathered.values, k, 0, gathered.values.length - 1)
    return gathered.values[k]!
  })
}

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
  const ranked = new Map(orderStatistics(values, ranks, min, max).map((value, i) => [ranks[i]!, value]))
  const [p25, median, p75] = QUARTILES.map((p) => {
    const rank = (n - 1) * p
    const lower = Math.floor(rank)
    const a = ranked.get(lower)!
    const b = ranked.get(Math.ceil(rank))!
    // as percentile() interpolates
    return a + (b - a) * (rank - lower)
  })
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
