import { assessChange, DEFAULT_MAX_SHARE } from "@batchops/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("assessChange", () => {
  it("flags a delete plan that removes more than the share allowed", () => {
    expect(assessChange({ inputRows: 1200, deleted: 312, appended: 0, plan: "delete" })).toEqual({
      share: 0.26,
      exceeds: true,
      message: "the delete plan would remove 312 of 1,200 rows (26%), more than the 20% allowed without approval",
    })
  })

  it("a share exactly at the limit does not exceed it", () => {
    const at = assessChange({ inputRows: 1200, deleted: 240, appended: 0 })
    expect(at).toEqual({
      share: 0.2,
      exceeds: false,
      message: "the plan would remove 240 of 1,200 rows (20%), within the 20% allowed without approval",
    })
    expect(assessChange({ inputRows: 10, deleted: 3, appended: 0 }, 0.3).exceeds).toBe(false)
    const over = assessChange({ inputRows: 1200, deleted: 241, appended: 0 })
    expect(over.exceeds).toBe(true)
    expect(over.message).toContain("(20.1%)")
  })

  it("holds a share exactly at a limit given in percent, though the percent's division rounds below it", () => {
    // "0.7%" read as 0.7 / 100 is 0.006999999999999999, while 7 of 1,000 rows is 0.007: the
    // operator allowed exactly that share, so it does not exceed the limit
    expect(0.7 / 100).toBeLessThan(7 / 1000)
    const at = assessChange({ inputRows: 1000, deleted: 7, appended: 0 }, 0.7 / 100)
    expect(at.exceeds).toBe(false)
    expect(at.message).toBe("the plan would remove 7 of 1,000 rows (0.7%), within the 0.7% allowed without approval")
    // every share of a thousand rows at its own limit in tenths of a percent is within it
    for (let rows = 1; rows < 1000; rows++) {
      expect(assessChange({ inputRows: 1000, deleted: rows, appended: 0 }, rows / 10 / 100).exceeds, `${rows}`).toBe(
        false,
      )
      // and one row more is over it: the tolerance is far below one row
      expect(assessChange({ inputRows: 1000, deleted: rows + 1, appended: 0 }, rows / 10 / 100).exceeds).toBe(true)
    }
  })

  it("counts appended rows, alone and with deletions", () => {
    expect(assessChange({ inputRows: 100, deleted: 0, appended: 30, plan: "append" }).message).toBe(
      "the append plan would add 30 of 100 rows (30%), more than the 20% allowed without approval",
    )
    const both = assessChange({ inputRows: 100, deleted: 10, appended: 15 })
    expect(both).toMatchObject({ share: 0.25, exceeds: true })
    expect(both.message).toBe(
      "the plan would remove 10 and add 15 of 100 rows (25%), more than the 20% allowed without approval",
    )
  })

  it("handles an empty input: no change is fine, any change is a full change", () => {
    expect(assessChange({ inputRows: 0, deleted: 0, appended: 0 })).toEqual({
      share: 0,
      exceeds: false,
      message: "the plan would change no rows of an empty input",
    })
    expect(assessChange({ inputRows: 0, deleted: 0, appended: 5 })).toEqual({
      share: 1,
      exceeds: true,
      message: "the plan would add 5 rows to an empty input (100%), more than the 20% allowed without approval",
    })
    expect(assessChange({ inputRows: 50, deleted: 0, appended: 0 })).toEqual({
      share: 0,
      exceeds: false,
      message: "the plan would change no rows",
    })
  })

  it("refuses counts that are not whole numbers of rows, and shares outside 0..1", () => {
    expect(() => assessChange({ inputRows: -1, deleted: 0, appended: 0 })).toThrow(
      "inputRows must be a whole number of rows, got -1",
    )
    expect(() => assessChange({ inputRows: 10, deleted: 1.5, appended: 0 })).toThrow(/deleted/)
    expect(() => assessChange({ inputRows: 10, deleted: 11, appended: 0 })).toThrow(
      "cannot delete 11 rows of 10: more than the input has",
    )
    expect(() => assessChange({ inputRows: 10, deleted: 1, appended: 0 }, 1.5)).toThrow(
      "maxShare must be between 0 and 1, got 1.5",
    )
    expect(() => assessChange({ inputRows: 10, deleted: 0, appended: -2 })).toThrow(
      "appended must be a whole number of rows, got -2",
    )
    expect(() => assessChange({ inputRows: 10, deleted: 1, appended: 0 }, -0.01)).toThrow(
      "maxShare must be between 0 and 1, got -0.01",
    )
    expect(() => assessChange({ inputRows: 10, deleted: 1, appended: 0 }, 1.01)).toThrow(
      "maxShare must be between 0 and 1, got 1.01",
    )
    // the ends of the range are shares too
    expect(assessChange({ inputRows: 10, deleted: 1, appended: 0 }, 0).exceeds).toBe(true)
    expect(assessChange({ inputRows: 10, deleted: 10, appended: 0 }, 1).exceeds).toBe(false)
  })

  it("exceeds exactly when the changed rows are more than the share of the input", () => {
    expect(DEFAULT_MAX_SHARE).toBe(0.2)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(100_000),
        (rows, fraction, appended) => {
          const deleted = Math.floor(rows * fraction)
          const { exceeds } = assessChange({ inputRows: rows, deleted, appended })
          // integer form of (deleted + appended) / rows > 1/5
          expect(exceeds).toBe((deleted + appended) * 5 > rows)
        },
      ),
    )
  })
})
