// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { FilePreview } from "../src/components/intake/FilePreview"
import type { PreviewResult } from "../src/components/intake/preview/types"
import { session } from "../src/state/session"
import { rightsOf } from "./support/rights"

const base: PreviewResult = {
  file_name: "register.csv",
  format: "csv",
  profile: "attendance",
  department: "science",
  headers: ["Pupil Number", "Day", "Present?"],
  fingerprint: "h1:3:abc",
  detected_profile: "attendance",
  columns: [
    { name: "pupil_number", type: "identifier" },
    { name: "day", type: "date" },
    { name: "present", type: "text" },
  ],
  rows: [
    { row: 2, cells: ["S001", "2026-09-01", "P"] },
    { row: 3, cells: ["S002", "2026-09-01", "A"] },
  ],
  row_count: 2,
  reading: { title_rows: 0, decimal_mark: "." },
  problems: [
    {
      severity: "critical",
      stage: "validate_results",
      row: null,
      column: null,
      value: null,
      rule: "stage_failed",
      message: "register.csv: missing required columns: student_id, date, status",
    },
    {
      severity: "warning",
      stage: "validate_results",
      row: 3,
      column: "score",
      value: "abc",
      rule: "not_a_number",
      message: 'row 3, score: "abc" is not a number',
    },
  ],
  problem_count: 2,
  missing_columns: ["student_id", "date", "status"],
  suggestions: {
    student_id: ["Pupil Number", "Day", "Present?"],
    date: ["Day", "Pupil Number", "Present?"],
    status: ["Present?", "Day", "Pupil Number"],
  },
  remembered_mapping: null,
  ready: false,
}

const mapped: PreviewResult = {
  ...base,
  columns: [
    { name: "student_id", type: "identifier" },
    { name: "date", type: "date" },
    { name: "status", type: "text" },
  ],
  problems: [],
  problem_count: 0,
  missing_columns: [],
  suggestions: {},
  remembered_mapping: {
    id: "m1",
    department: "science",
    profile: "attendance",
    fingerprint: "h1:3:abc",
    headers: base.headers,
    mapping: { "Pupil Number": "student_id", Day: "date", "Present?": "status" },
    confirmed_by: "user-1",
    created_at: "2026-09-01T00:00:00Z",
    updated_at: "2026-09-01T00:00:00Z",
  },
  ready: true,
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

interface Sent {
  readonly url: string
  readonly method: string
  readonly body: unknown
}

const stubFetch = (answers: Array<Response>) => {
  const sent: Array<Sent> = []
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, method: init.method ?? "GET", body: init.body })
      const answer = answers.shift()
      if (answer === undefined) throw new Error(`unexpected request ${url}`)
      return answer
    }),
  )
  return sent
}

const file = () => new File(["Pupil Number,Day,Present?\nS001,2026-09-01,P\n"], "register.csv", { type: "text/csv" })

/** signed in as `role` (a moderator unless a test says otherwise: moderators remember mappings) */
const signIn = (role: "user" | "moderator") => {
  session.value = {
    token: "t",
    rights: rightsOf(role),
    user: {
      id: `${role}-1`,
      username: role,
      email: `${role}@school.test`,
      role,
      email_verified: true,
      is_active: true,
      created_at: "2026-01-01T00:00:00Z",
    },
  }
}

beforeEach(() => signIn("moderator"))

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  session.value = null
})

describe("the file preview", () => {
  it("sends the file, profile and department, and shows rows, schema and every problem with where it is", async () => {
    const sent = stubFetch([json(200, base)])
    const onResolved = vi.fn()
    render(<FilePreview file={file()} profile="attendance" department="science" onResolved={onResolved} />)
    expect(screen.getByText("Loading…")).toBeTruthy()
    await screen.findByRole("table")
    expect(sent[0]?.url).toBe("/api/uploads/preview/")
    expect(sent[0]?.method).toBe("POST")
    const form = sent[0]?.body as FormData
    expect((form.get("file") as File).name).toBe("register.csv")
    expect(form.get("profile")).toBe("attendance")
    expect(form.get("department")).toBe("science")

    const cells = screen.getAllByRole("cell").map((cell) => cell.textContent)
    expect(cells.slice(0, 3)).toEqual(["S001", "2026-09-01", "P"])
    expect(screen.getByRole("rowheader", { name: "2" })).toBeTruthy()
    expect(screen.getByLabelText("Detected columns").textContent).toContain("pupil_number")
    const problems = screen.getByLabelText("Problems in register.csv").textContent ?? ""
    expect(problems).toContain("Stops the run")
    expect(problems).toContain("row 3, column score")
    expect(problems).toContain("missing required columns")
    await waitFor(() => expect(onResolved).toHaveBeenCalledWith({ ready: false }))
  })

  it("says how the file was read: the title rows skipped above the header and the decimal mark", async () => {
    const read: PreviewResult = {
      ...mapped,
      remembered_mapping: null,
      rows: [{ row: 2, cells: ["S001", 87.5, "José"] }],
      reading: { title_rows: 2, decimal_mark: "," },
    }
    stubFetch([json(200, read)])
    render(<FilePreview file={file()} profile="gradebook" department="" onResolved={vi.fn()} />)
    await screen.findByRole("table")
    const facts = document.querySelector(".preview-facts")?.textContent ?? ""
    expect(facts).toContain("Title rows skipped above the header: 2")
    expect(facts).toContain("Decimal mark: comma (87,5 is 87.5)")
    expect(screen.getByRole("table").textContent).toContain("87.5")
  })

  it("offers the headers ranked for each missing column, remembers the confirmed mapping, previews again", async () => {
    const sent = stubFetch([json(200, base), json(200, mapped.remembered_mapping), json(200, mapped)])
    const onResolved = vi.fn()
    render(<FilePreview file={file()} profile="attendance" department="science" onResolved={onResolved} />)
    const select = (await screen.findByLabelText("Header for student_id")) as HTMLSelectElement
    const options = [...select.options].map((option) => option.textContent)
    expect(options).toEqual(["Choose a header…", "Pupil Number (suggested)", "Day", "Present?"])
    expect(select.value).toBe("Pupil Number")
    expect((screen.getByLabelText("Header for date") as HTMLSelectElement).value).toBe("Day")
    expect((screen.getByLabelText("Header for status") as HTMLSelectElement).value).toBe("Present?")

    fireEvent.click(screen.getByRole("button", { name: "Remember this mapping for science" }))
    await screen.findByText(/The mapping remembered for science applies/)
    expect(sent[1]?.url).toBe("/api/column-mappings/")
    expect(sent[1]?.method).toBe("PUT")
    expect(JSON.parse(String(sent[1]?.body))).toEqual({
      department: "science",
      profile: "attendance",
      headers: ["Pupil Number", "Day", "Present?"],
      mapping: { "Pupil Number": "student_id", Day: "date", "Present?": "status" },
    })
    expect(sent[2]?.url).toBe("/api/uploads/preview/")
    expect(screen.queryByLabelText("Header for student_id")).toBeNull()
    expect(screen.getByText("No problems found.")).toBeTruthy()
    await waitFor(() => expect(onResolved).toHaveBeenLastCalledWith({ ready: true }))
  })

  it("refuses one header for two columns before asking, and shows the server's refusal next to the column", async () => {
    const sent = stubFetch([
      json(200, base),
      json(400, {
        error: "with this mapping the file still lacks status",
        code: "invalid_request",
        fields: [{ path: "mapping.status", message: "no header is mapped to status" }],
        request_id: "r",
      }),
    ])
    render(<FilePreview file={file()} profile="attendance" department="science" onResolved={() => undefined} />)
    const date = await screen.findByLabelText("Header for date")
    fireEvent.change(date, { target: { value: "Pupil Number" } })
    fireEvent.click(screen.getByRole("button", { name: "Remember this mapping for science" }))
    expect(await screen.findByText(/"Pupil Number" is already chosen for student_id/)).toBeTruthy()
    expect(sent).toHaveLength(1)

    fireEvent.change(date, { target: { value: "Day" } })
    fireEvent.click(screen.getByRole("button", { name: "Remember this mapping for science" }))
    const status = screen.getByLabelText("Header for status")
    await waitFor(() => expect(status.getAttribute("aria-invalid")).toBe("true"))
    expect(screen.getByText("no header is mapped to status")).toBeTruthy()
    expect(sent).toHaveLength(2)
  })

  it("tells a user that an admin or a moderator remembers a mapping, with no button to do it", async () => {
    signIn("user")
    const sent = stubFetch([json(200, base)])
    render(<FilePreview file={file()} profile="attendance" department="science" onResolved={() => undefined} />)
    expect(await screen.findByText(/An admin or a moderator remembers a mapping for science/)).toBeTruthy()
    expect(screen.queryByRole("button", { name: /Remember this mapping/ })).toBeNull()
    expect(sent).toHaveLength(1)
  })

  it("asks for the department before a mapping can be remembered, and says when the server cannot be reached", async () => {
    stubFetch([json(200, { ...base, department: null })])
    render(<FilePreview file={file()} profile="attendance" department="" onResolved={() => undefined} />)
    expect(await screen.findByText(/Enter the department this file comes from/)).toBeTruthy()
    expect(screen.queryByRole("button", { name: /Remember this mapping/ })).toBeNull()
    cleanup()
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("network down")
      }),
    )
    render(<FilePreview file={file()} profile="attendance" department="science" onResolved={() => undefined} />)
    expect((await screen.findByRole("alert")).textContent).toMatch(/BatchOps cannot be reached/)
  })
})
