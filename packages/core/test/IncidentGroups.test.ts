import {
  fingerprint,
  fingerprintKey,
  Models,
  newGroup,
  normalizeMessage,
  normalizeSource,
  recordOccurrence,
  recurrenceAction,
  shouldReopen,
} from "@batchops/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const failure = (message: string, extra: Partial<Parameters<typeof fingerprint>[0]> = {}) => ({
  stage: "validate_results",
  knownError: null,
  message,
  source: "Science",
  ...extra,
})

describe("normalizeMessage", () => {
  it("gives the same text for the same error with other counts and rows", () => {
    const a = normalizeMessage("student_id is missing in 3 rows (row 4, 9, 17)")
    const b = normalizeMessage("student_id is missing in 12 rows (row 2, 5 ...)")
    const c = normalizeMessage("student_id is missing in 1 row (row 3)")
    expect(a).toBe("student_id is missing in <n> row (row <n>)")
    expect(b).toBe(a)
    expect(c).toBe(a)
  })

  it("replaces quoted values, ids, paths and file names; lower-cases; collapses whitespace", () => {
    expect(normalizeMessage("Value \"9B\" is not a class   in  column 'Class'")).toBe(
      "value <value> is not a class in column <value>",
    )
    expect(normalizeMessage("upload 3f2b9c1a-0d4e-4b5f-9a6b-7c8d9e0f1a2b failed: sha 9f86d081884c7d65")).toBe(
      "upload <id> failed: sha <id>",
    )
    expect(normalizeMessage("cannot write /srv/exports/2026/g.csv")).toBe("cannot write <path>")
    expect(normalizeMessage("gradebook_10B.xlsx: the file is empty (0 bytes)")).toBe(
      "<file>: the file is empty (<n> byte)",
    )
    // a plain word made of hex letters is not an id
    expect(normalizeMessage("deadbeef cafe")).toBe("deadbeef cafe")
  })

  it("keeps what tells errors apart", () => {
    expect(normalizeMessage("student_id is missing in 3 rows")).not.toBe(
      normalizeMessage("student_id is malformed in 3 rows"),
    )
  })

  it("is idempotent", () => {
    const token = fc.constantFrom(
      "row",
      "rows",
      " ",
      "  ",
      "12",
      "1,200",
      "3.5",
      ", ",
      " and ",
      "-",
      "...",
      "…",
      '"x"',
      "'",
      "/",
      "a/b",
      "g.csv",
      "(",
      ")",
      "deadbeef1",
      "12345678ab",
      "Class",
      "s",
      ".",
      "..",
      "<n>",
      "\n",
    )
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const once = normalizeMessage(tokens.join(""))
        expect(normalizeMessage(once)).toBe(once)
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const once = normalizeMessage(text)
        expect(normalizeMessage(once)).toBe(once)
      }),
    )
  })

  it("bounds its work on a huge message", () => {
    const started = performance.now()
    const normalized = normalizeMessage(`${"a".repeat(5_000_000)} 12`)
    expect(performance.now() - started).toBeLessThan(500)
    expect(normalized).toBe("a".repeat(2000))
  })
})

describe("normalizeSource", () => {
  it("drops folders, dates and numbers from a file name", () => {
    expect(normalizeSource("inbox/Gradebook_10B 2026-11-28 v2.csv")).toBe("gradebook <n>b <n> v<n>.csv")
    expect(normalizeSource("gradebook_9B_2026-12-01_v7.csv")).toBe(normalizeSource("Gradebook 10B 2026-11-28 v2.csv"))
    // the class letter is kept: 9A and 9B are different sources
    expect(normalizeSource("gradebook_9A.csv")).not.toBe(normalizeSource("gradebook_9B.csv"))
    expect(normalizeSource(" Science ")).toBe("science")
  })
})

describe("fingerprint", () => {
  it("is the same across uploads for the same error", () => {
    const a = fingerprint(failure("student_id is missing in 3 rows (row 4, 9, 17)"))
    const b = fingerprint(failure("student_id is missing in 12 rows (row 2, 5 ...)"))
    expect(a).toBe(b)
    expect(a).toMatch(/^validate_results:[0-9a-f]{16}$/)
  })

  it("differs by stage, by known error and by source", () => {
    const base = failure("no numeric column")
    const fp = fingerprint(base)
    expect(fingerprint({ ...base, stage: "transform_gradebook" })).not.toBe(fp)
    expect(fingerprint({ ...base, source: "History" })).not.toBe(fp)
    expect(fingerprint({ ...base, source: null })).not.toBe(fp)
    expect(fingerprint({ ...base, knownError: "no-numeric-column" })).not.toBe(fp)
  })

  it("uses the known error, not the message, when there is one", () => {
    const a = failure("no table found on page 1", { knownError: "pdf-no-table" })
    const b = failure("the PDF has no text layer", { knownError: "pdf-no-table" })
    expect(fingerprint(a)).toBe(fingerprint(b))
    expect(fingerprintKey(a)).toBe("validate_results|known:pdf-no-table|source:science")
  })

  it("is stable under changes of digits in the message and the file name", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat({ max: 31 }), (count, row, day) => {
        const key = failure(`student_id is missing in ${count} rows (row ${row})`, {
          source: `gradebook_2026-11-${day}.csv`,
        })
        expect(fingerprint(key)).toBe(
          fingerprint(
            failure("student_id is missing in 2 rows (row 1)", {
              source: "gradebook_2025-01-01.csv",
            }),
          ),
        )
      }),
    )
  })
})

describe("groups", () => {
  const at = "2026-11-28T09:00:00.000Z"

  it("a new group counts one occurrence and decodes as an IncidentGroup", () => {
    const group = newGroup(failure("Student_ID is missing in 3 rows (row 4)"), at, "i1")
    expect(group).toMatchObject({
      stage: "validate_results",
      knownError: null,
      messagePattern: "student_id is missing in <n> row (row <n>)",
      source: "science",
      incidentId: "i1",
      count: 1,
      firstSeen: at,
      lastSeen: at,
    })
    expect(group).toBeInstanceOf(Models.IncidentGroup)
  })

  it("recordOccurrence counts and widens first/last seen, even out of order", () => {
    const group = newGroup(failure("boom"), at, null)
    const later = recordOccurrence(group, "2026-11-29T10:00:00.000Z")
    expect(later).toMatchObject({ count: 2, firstSeen: at, lastSeen: "2026-11-29T10:00:00.000Z" })
    const earlier = recordOccurrence(later, "2026-11-27T08:00:00.000Z")
    expect(earlier).toMatchObject({
      count: 3,
      firstSeen: "2026-11-27T08:00:00.000Z",
      lastSeen: "2026-11-29T10:00:00.000Z",
    })
    expect(group.count).toBe(1)
  })

  it("a recurrence reopens a resolved incident only; an archived one starts a new incident", () => {
    expect(recurrenceAction("open")).toBe("attach")
    expect(recurrenceAction("in_progress")).toBe("attach")
    expect(recurrenceAction("resolved")).toBe("reopen")
    expect(recurrenceAction("archived")).toBe("open_new")
    expect(recurrenceAction(null)).toBe("open_new")
    expect(shouldReopen("resolved")).toBe(true)
    expect(shouldReopen("archived")).toBe(false)
    expect(shouldReopen("open")).toBe(false)
  })
})
