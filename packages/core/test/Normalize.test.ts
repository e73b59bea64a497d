import { applyAliases, cleanCell, isIdentifierName, normalizeHeader, normalizeName } from "@batchops/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const CANONICAL = /^[a-z0-9]+(_[a-z0-9]+)*$/

describe("normalizeName", () => {
  it.each([
    ["Student ID", "student_id"],
    ["Score (%)", "score"],
    ["  First   Name ", "first_name"],
    ["E-mail/Phone", "e_mail_phone"],
    ["__Roll__No__", "roll_no"],
    ["Term 2 Mark", "term_2_mark"],
    ["MATHS", "maths"],
    ["Élève", "l_ve"],
  ])("%j -> %j", (raw, expected) => {
    expect(normalizeName(raw)).toBe(expected)
  })

  it("a name with no letter or digit becomes empty", () => {
    expect(normalizeName("")).toBe("")
    expect(normalizeName("(%)")).toBe("")
    expect(normalizeName("   ")).toBe("")
  })

  it("gives canonical names (or nothing) for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (raw) => {
        const name = normalizeName(raw)
        expect(name === "" || CANONICAL.test(name)).toBe(true)
      }),
    )
  })

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (raw) => {
        const once = normalizeName(raw)
        expect(normalizeName(once)).toBe(once)
      }),
    )
  })
})

describe("normalizeHeader", () => {
  it("numbers repeated names _2, _3 in order of appearance", () => {
    expect(normalizeHeader(["Score", "score", "SCORE ", "Name"])).toEqual(["score", "score_2", "score_3", "name"])
  })

  it("names an empty header cell after its position", () => {
    expect(normalizeHeader(["Student ID", "", undefined, "(%)"])).toEqual([
      "student_id",
      "column_2",
      "column_3",
      "column_4",
    ])
  })

  it("does not collide with a name that already ends in _2", () => {
    const header = normalizeHeader(["a", "a_2", "a", "a"])
    expect(header).toEqual(["a", "a_2", "a_3", "a_4"])
    expect(normalizeHeader(["a", "a", "a_2"])).toEqual(["a", "a_2", "a_2_2"])
    expect(normalizeHeader(["column_2", ""])).toEqual(["column_2", "column_2_2"])
  })

  it("gives unique canonical names for any header", () => {
    const cell = fc.oneof(
      fc.constantFrom("", "a", "A", "a_2", "a 2", "column_1", "column_2", "Score (%)", "score"),
      fc.string({ maxLength: 6 }),
    )
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 12 }), (names) => {
        const header = normalizeHeader(names)
        expect(header).toHaveLength(names.length)
        expect(new Set(header).size).toBe(header.length)
        for (const name of header) expect(name).toMatch(CANONICAL)
      }),
    )
  })
})

describe("cleanCell", () => {
  it("trims, collapses inner whitespace, and makes empty cells missing", () => {
    expect(cleanCell("  Ada   Lovelace ")).toBe("Ada Lovelace")
    expect(cleanCell("a\t\tb\r\nc")).toBe("a b c")
    expect(cleanCell("\u00a087\u00a0")).toBe("87")
    expect(cleanCell("plain")).toBe("plain")
    expect(cleanCell("   ")).toBeUndefined()
    expect(cleanCell("")).toBeUndefined()
    expect(cleanCell(null)).toBeUndefined()
    expect(cleanCell(undefined)).toBeUndefined()
  })
})

describe("applyAliases", () => {
  const aliases = { student_id: ["studentid", "roll_no", "id"] }

  it("renames the first alias present to its canonical name", () => {
    expect(applyAliases(["roll_no", "score"], aliases)).toEqual({
      columns: ["student_id", "score"],
      renamed: { roll_no: "student_id" },
    })
    expect(applyAliases(["id", "studentid"], aliases).columns).toEqual(["id", "student_id"])
  })

  it("leaves an alias alone when the canonical name is already a column", () => {
    expect(applyAliases(["roll_no", "student_id"], aliases)).toEqual({
      columns: ["roll_no", "student_id"],
      renamed: {},
    })
  })
})

describe("isIdentifierName", () => {
  it.each(["id", "student_id", "roll_no", "admission_number", "course_code"])("%s is an identifier", (name) => {
    expect(isIdentifierName(name)).toBe(true)
  })
  it.each(["score", "idea", "video", "number", "code", "no", "zip_code_2"])("%s is not an identifier", (name) => {
    expect(isIdentifierName(name)).toBe(false)
  })
  it("a profile key is an identifier", () => {
    expect(isIdentifierName("ref", ["ref"])).toBe(true)
  })
})

describe("cleanCell agrees with the plain rule (trim, collapse whitespace, empty is missing)", () => {
  const reference = (value: string) => value.replace(/\s+/g, " ").trim() || undefined
  const cellText = fc.string({
    unit: fc.constantFrom(
      "a",
      "Z",
      "1",
      " ",
      "  ",
      "\t",
      "\n",
      "\r",
      "\u00a0",
      "\u3000",
      "\u2003",
      "é",
      "李",
      "-",
      ",",
    ),
    maxLength: 12,
  })
  it("for any mix of text and whitespace", () => {
    fc.assert(fc.property(cellText, (value) => cleanCell(value) === reference(value)))
  })
})
