import {
  coerceCell,
  type DecimalMark,
  decimalMarkOf,
  isMissingToken,
  isNonScoreMark,
  isNumericColumn,
  parseNumber,
} from "@batchops/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("parseNumber", () => {
  it.each([
    ["87%", 87],
    ["87 %", 87],
    ["1,234.5", 1234.5],
    ["1,234.50", 1234.5],
    [" 87 ", 87],
    ["\t87", 87],
    ["-3.5", -3.5],
    ["+2", 2],
    [".5", 0.5],
    ["5.", 5],
    ["1e3", 1000],
    ["2.5E-2", 0.025],
    ["-1,000,000", -1000000],
    ["0", 0],
    ["12.5%", 12.5],
  ])("%j is %d", (text, expected) => {
    expect(parseNumber(text)).toBe(expected)
  })

  it.each([
    "0x1F",
    "Infinity",
    "-Infinity",
    "NaN",
    "12,34",
    "1,23,456",
    "1234,567",
    ",123",
    "abc",
    "12abc",
    "",
    " ",
    "%",
    "1.2.3",
    "1e",
    "e5",
    "--1",
    "1e400",
    "-1e999",
    "0b101",
    "0o17",
    "1_000",
  ])("%j is not a number", (text) => {
    expect(parseNumber(text)).toBeUndefined()
  })

  it("reads back any finite number written with String()", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        // String(-0) is "0": equal with ===, which is what matters for a cell
        expect(parseNumber(String(n)) === n).toBe(true)
      }),
    )
  })

  it("reads back numbers written with thousands separators", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }),
        fc.integer({ min: 0, max: 99 }),
        (whole, cents) => {
          const n = whole + Math.sign(whole || 1) * (cents / 100)
          const text = n.toLocaleString("en-US")
          expect(parseNumber(text)).toBe(Number(n.toFixed(2)))
        },
      ),
    )
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(parseNumber(n.toLocaleString("en-US"))).toBe(n)
      }),
    )
  })

  it("keeps the value when a % is appended", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(parseNumber(`${String(n)}%`) === n).toBe(true)
      }),
    )
  })

  it("never returns a non-finite number", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789.,eE+-% x") }), (text) => {
        const n = parseNumber(text)
        if (n !== undefined) expect(Number.isFinite(n)).toBe(true)
      }),
    )
  })
})

describe("missing tokens", () => {
  it.each(["", "N/A", "NA", "n/a", "na", "-", "null", "NULL", "Null"])("%j is missing", (text) => {
    expect(isMissingToken(text)).toBe(true)
    expect(coerceCell(text)).toBeUndefined()
  })
  it.each(["0", "none", "nan", "--", "N.A.", "nil", "absent"])("%j is not missing", (text) => {
    expect(isMissingToken(text)).toBe(false)
  })
  // one character off each token, in each place
  it.each(["+", "nx", "xa", "n/x", "x/a", "nxa", "xull", "nxll", "nuxl", "nulx", "N/", "nul", "nulll"])(
    "%j, one character off, is not missing",
    (text) => {
      expect(isMissingToken(text)).toBe(false)
    },
  )
})

describe("non-score marks", () => {
  const MARKS = ["abs", "absent", "ex", "exc", "excused", "inc", "--", "\u2013", "\u2014", "#n/a", "#div/0!", "#value!"]
  it.each(MARKS.flatMap((mark) => [mark, mark.toUpperCase()]))("%j is a mark", (text) => {
    expect(isNonScoreMark(text)).toBe(true)
    expect(coerceCell(text)).toBeUndefined()
  })
  // text that starts like a mark but is longer, or shares only its first letter
  it.each(["absences", "excusedx", "incomplete", "#DIV/0!!", "---", "ax", "eb", "ib", "a", "", "87"])(
    "%j is not a mark",
    (text) => {
      expect(isNonScoreMark(text)).toBe(false)
    },
  )
})

describe("the spaces around a number", () => {
  it.each([
    ["\u00a087", 87],
    ["87\u00a0", 87],
    ["87\r", 87],
    ["\t87\n", 87],
    ["\v87\f", 87],
    [" 87 % ", 87],
    ["\u000887", undefined],
    ["87\u000e", undefined],
    ["\u200b87", undefined],
    ["8 7", undefined],
  ])("%j reads as %s", (text, expected) => {
    expect(parseNumber(text)).toBe(expected)
  })
})

describe("coerceCell", () => {
  it("gives a number, missing, or the text", () => {
    expect(coerceCell("87%")).toBe(87)
    expect(coerceCell("1,234.50")).toBe(1234.5)
    expect(coerceCell("N/A")).toBeUndefined()
    expect(coerceCell(undefined)).toBeUndefined()
    expect(coerceCell(42)).toBe(42)
    expect(coerceCell("sick")).toBe("sick")
    expect(coerceCell("0x1F")).toBe("0x1F")
  })
})

describe("isNumericColumn", () => {
  it("needs at least 80% numbers among present values", () => {
    expect(isNumericColumn(4, 5)).toBe(true)
    expect(isNumericColumn(8, 10)).toBe(true)
    expect(isNumericColumn(12, 15)).toBe(true)
    expect(isNumericColumn(3, 4)).toBe(false)
    expect(isNumericColumn(79, 100)).toBe(false)
    expect(isNumericColumn(0, 0)).toBe(false)
  })

  it("agrees with exact arithmetic on the 80% boundary", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (present, raw) => {
        const numbers = raw % (present + 1)
        expect(isNumericColumn(numbers, present)).toBe(numbers > 0 && numbers * 5 >= present * 4)
      }),
    )
  })
})

describe("parseNumber agrees with the rule written as regular expressions", () => {
  const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
  const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/
  const reference = (text: string): number | undefined => {
    let s = text.trim()
    if (s.endsWith("%")) s = s.slice(0, -1).trimEnd()
    const n = PLAIN.test(s) ? Number(s) : GROUPED.test(s) ? Number(s.replaceAll(",", "")) : undefined
    return n !== undefined && Number.isFinite(n) ? n : undefined
  }
  const numberish = fc.string({
    unit: fc.constantFrom("0", "1", "7", "9", ".", ",", "-", "+", "e", "E", "%", " ", "x", "123", ",000", ",45"),
    maxLength: 10,
  })
  it("for strings made of number-like pieces", () => {
    fc.assert(
      fc.property(numberish, (text) => Object.is(parseNumber(text), reference(text))),
      { numRuns: 20_000 },
    )
  })
})

describe("parseNumber agrees with the rule written as regular expressions, with either decimal mark", () => {
  // the spaces the rule trims: space, tab to carriage return, no-break space
  const trim = (text: string) => text.replace(/^[ \t\n\v\f\r\u00a0]+|[ \t\n\v\f\r\u00a0]+$/g, "")
  const PLAIN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
  const GROUPED = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/
  const reference = (text: string, mark: DecimalMark): number | undefined => {
    let s = trim(text)
    if (s.endsWith("%")) s = trim(s.slice(0, -1))
    // with the mark ",", the two marks swap roles
    if (mark === ",") s = s.replace(/[.,]/g, (c) => (c === "," ? "." : ","))
    const n = PLAIN.test(s) ? Number(s) : GROUPED.test(s) ? Number(s.replaceAll(",", "")) : undefined
    return n !== undefined && Number.isFinite(n) ? n : undefined
  }
  const pieces = fc.string({
    unit: fc.constantFrom(
      ..."0179.,-+eE% \t\r\u00a0xa",
      "123",
      "456789",
      "9999999",
      ",000",
      ".000",
      ",45",
      ".45",
      "e400",
    ),
    maxLength: 14,
  })
  it("for strings of number-like pieces, short and long", () => {
    fc.assert(
      fc.property(pieces, fc.constantFrom<DecimalMark>(".", ","), (text, mark) => {
        expect(parseNumber(text, mark)).toBe(reference(text, mark))
      }),
      { numRuns: 30_000 },
    )
  })

  it("decimalMarkOf: the mark before the last one or two digits, when the cell reads as a number with it", () => {
    const markOf = (text: string): DecimalMark | undefined => {
      let s = text.endsWith("%") ? text.slice(0, -1) : text
      s = s.replace(/[ \t\n\v\f\r\u00a0]+$/, "")
      const m = /([.,])\d{1,2}$/.exec(s)
      if (m === null || /\d{3}$/.test(s)) return undefined
      const mark = m[1] as DecimalMark
      return parseNumber(text, mark) === undefined ? undefined : mark
    }
    fc.assert(
      fc.property(pieces, (text) => {
        expect(decimalMarkOf(text)).toBe(markOf(text))
      }),
      { numRuns: 20_000 },
    )
  })
})

describe("parseNumber refuses what only looks like a number", () => {
  // spaces other than the ones trimmed (U+2000, U+3000) stay, and make the cell text; hex is text
  it.each(["1e5\u2000", "\u300087", "87\u3000", " 0x10", "0x10 ", "1e5x", "12 34"])("%j is not a number", (text) => {
    expect(parseNumber(text)).toBeUndefined()
  })
})

describe("parseNumber reads long numbers exactly", () => {
  it("with more than 15 digits, grouped by either mark", () => {
    expect(parseNumber("1,234,567,890,123,456.5")).toBe(1234567890123456.5)
    expect(parseNumber("1.234.567.890.123.456,5", ",")).toBe(1234567890123456.5)
    expect(parseNumber("1.234.567.890.123.456,5")).toBeUndefined()
  })

  it("with more than 22 decimals", () => {
    expect(parseNumber(`0.${"0".repeat(22)}1`)).toBe(1e-23)
    expect(parseNumber(`0,${"0".repeat(22)}1`, ",")).toBe(1e-23)
  })
})

describe("parseNumber gives the same double as Number()", () => {
  it("for decimals of any precision and sign", () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
        fc.integer({ min: 0, max: 20 }),
        (x, digits) => {
          const text = x.toFixed(digits)
          return Object.is(parseNumber(text), Number(text))
        },
      ),
      { numRuns: 20_000 },
    )
  })
})
