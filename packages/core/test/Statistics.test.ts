import { columnStats, NumberColumn, orderStatistics, percentile, selectRanks } from "@batchops/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const column = (values: ReadonlyArray<number>) => {
  const c = new NumberColumn()
  for (const v of values) c.push(v)
  return c
}

describe("percentile (linear interpolation, as NumPy)", () => {
  it.each([
    [[1, 2, 3, 4], 1.75, 2.5, 3.25],
    [[15, 20, 35, 40, 50], 20, 35, 40],
    [[7], 7, 7, 7],
    [[1, 10], 3.25, 5.5, 7.75],
    [[3, 1, 2], 1.5, 2, 2.5],
    [[-5, 0, 5, 10, 100, 1000], 1.25, 7.5, 77.5],
  ])("%j -> p25 %d, median %d, p75 %d", (values, p25, median, p75) => {
    const stats = columnStats("x", column(values), values.length)
    expect(stats.p25).toBeCloseTo(p25, 10)
    expect(stats.median).toBeCloseTo(median, 10)
    expect(stats.p75).toBeCloseTo(p75, 10)
  })

  it("p0 and p100 are the extremes", () => {
    const sorted = column([4, 9, 1]).sorted()
    expect(percentile(sorted, 0)).toBe(1)
    expect(percentile(sorted, 1)).toBe(9)
    expect(percentile(new Float64Array(0), 0.5)).toBeUndefined()
  })

  it("sorts numerically, not as text", () => {
    expect([...column([10, 9, 100, -1]).sorted()]).toEqual([-1, 9, 10, 100])
  })
})

describe("columnStats", () => {
  it("computes count, missing, mean, sample std, min and max", () => {
    const stats = columnStats("score", column([2, 4, 4, 4, 5, 5, 7, 9]), 10)
    expect(stats).toMatchObject({ column: "score", count: 8, missing: 2, mean: 5, min: 2, max: 9 })
    // sample variance: 32 / 7
    expect(stats.std).toBeCloseTo(Math.sqrt(32 / 7), 12)
  })

  it("std is undefined for one value", () => {
    const stats = columnStats("x", column([42]), 3)
    expect(stats).toMatchObject({ count: 1, missing: 2, mean: 42, min: 42, max: 42, median: 42 })
    expect(stats.std).toBeUndefined()
  })

  it("everything is undefined for no values", () => {
    expect(columnStats("x", new NumberColumn(), 5)).toEqual({
      column: "x",
      count: 0,
      missing: 5,
      mean: undefined,
      std: undefined,
      min: undefined,
      p25: undefined,
      median: undefined,
      p75: undefined,
      max: undefined,
    })
  })

  it("keeps growing past its initial capacity", () => {
    const values = Array.from({ length: 5000 }, (_, i) => 5000 - i)
    const stats = columnStats("x", column(values), 5000)
    expect(stats).toMatchObject({ count: 5000, min: 1, max: 5000, mean: 2500.5, median: 2500.5 })
  })

  it("keeps every value through its growth, and frees them on release", () => {
    const c = column(Array.from({ length: 70_000 }, (_, i) => i / 4))
    expect(c.length).toBe(70_000)
    const view = c.view()
    expect(view.length).toBe(70_000)
    expect(view[0]).toBe(0)
    expect(view[69_999]).toBe(69_999 / 4)
    expect(view.every((value, i) => value === i / 4)).toBe(true)
    c.release()
    expect(c.length).toBe(0)
    expect(c.view().length).toBe(0)
    // the memory is gone at once, not at the next collection: earlier views see none of it
    expect(view.length).toBe(0)
    c.push(3)
    expect([...c.view()]).toEqual([3])
  })

  it("agrees with a naive two-pass computation", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 2, maxLength: 200 }),
        (values) => {
          const n = values.length
          const mean = values.reduce((a, b) => a + b, 0) / n
          const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)
          const stats = columnStats("x", column(values), n)
          expect(stats.mean).toBeCloseTo(mean, 6)
          expect(stats.std! / Math.max(1, Math.sqrt(variance))).toBeCloseTo(
            Math.sqrt(variance) / Math.max(1, Math.sqrt(variance)),
            9,
          )
          const sorted = [...values].sort((a, b) => a - b)
          const rank = (n - 1) / 2
          const median =
            sorted[Math.floor(rank)]! +
            (sorted[Math.ceil(rank)]! - sorted[Math.floor(rank)]!) * (rank - Math.floor(rank))
          expect(stats.median).toBeCloseTo(median, 9)
          expect(stats.min).toBe(sorted[0])
          expect(stats.max).toBe(sorted[n - 1])
          expect(stats.p25! <= stats.median! && stats.median! <= stats.p75!).toBe(true)
        },
      ),
    )
  })
})

/** A column's min, max and quartiles equal a full sort's (=== rather than toBe: -0 and 0 are one value in a report). */
const agreesWithFullSort = (xs: ReadonlyArray<number>) => {
  const sorted = Float64Array.from(xs).sort()
  const stats = columnStats("x", column(xs), xs.length)
  expect(stats.min === sorted[0]).toBe(true)
  expect(stats.max === sorted[sorted.length - 1]).toBe(true)
  expect(stats.p25 === percentile(sorted, 0.25)).toBe(true)
  expect(stats.median === percentile(sorted, 0.5)).toBe(true)
  expect(stats.p75 === percentile(sorted, 0.75)).toBe(true)
}

describe("columnStats selects percentiles without sorting", () => {
  it("gives the quartiles, min and max of a full sort, for any values (with many ties)", () => {
    const values = fc.array(
      fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      { minLength: 1, maxLength: 300 },
    )
    fc.assert(fc.property(values, agreesWithFullSort), { numRuns: 2000 })
  })
})

describe("orderStatistics on large columns (the bucketed path)", () => {
  const large = fc.oneof(
    // marks with one decimal: many ties, one value per bucket
    fc.array(
      fc.integer({ min: 0, max: 1000 }).map((x) => x / 10),
      { minLength: 4097, maxLength: 12_000 },
    ),
    // a cluster and a few values far off: many different values share each bucket
    fc
      .tuple(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4097, maxLength: 8000 }),
        fc.array(fc.double({ min: 500, max: 1000, noNaN: true }), { minLength: 1, maxLength: 20 }),
      )
      .map(([cluster, far]) => [...cluster, ...far]),
    // far outliers squeeze the rest into one bucket
    fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 4097, maxLength: 8000 }).map((xs) => [...xs, 1e300, -1e300]),
    // the widest range a double has
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4097, maxLength: 6000 }),
  )

  it("gives the quartiles, min and max a full sort gives", () => {
    fc.assert(fc.property(large, agreesWithFullSort), { numRuns: 150 })
  })

  it("answers any ranks, including the ends and several in one bucket", () => {
    // 50,000 different values, most of them between 0 and 1 and a few up to 1,000: the
    // buckets of the cluster hold about 700 values each
    const values = Float64Array.from({ length: 50_000 }, (_, i) =>
      i % 1000 === 0 ? 1000 - i / 1000 : ((i * 7919) % 50_000) / 50_000,
    )
    const sorted = Float64Array.from(values).sort()
    const ranks = [0, 1, 2, 12_499, 12_500, 12_501, 24_999, 25_000, 49_949, 49_950, 49_999]
    expect(orderStatistics(Float64Array.from(values), ranks, sorted[0]!, sorted[49_999]!)).toEqual(
      ranks.map((rank) => sorted[rank]),
    )
  })
})

describe("selectRanks", () => {
  it("puts the value of every asked rank where a full sort puts it, for any set of ranks", () => {
    const input = fc
      .array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true, noDefaultInfinity: true })), {
        minLength: 1,
        maxLength: 80,
      })
      .chain((values) =>
        fc.tuple(
          fc.constant(values),
          fc.uniqueArray(fc.integer({ min: 0, max: values.length - 1 }), { minLength: 1, maxLength: values.length }),
        ),
      )
    fc.assert(
      fc.property(input, ([values, unordered]) => {
        const ranks = [...unordered].sort((a, b) => a - b)
        const selected = Float64Array.from(values)
        selectRanks(selected, ranks)
        const sorted = Float64Array.from(values).sort()
        // as numbers (0 and -0 are equal and either may come first)
        expect(ranks.map((rank) => selected[rank]! + 0)).toEqual(ranks.map((rank) => sorted[rank]! + 0))
      }),
      { numRuns: 1000 },
    )
  })
})
