// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact"
import { afterEach, describe, expect, it } from "vitest"
import { PlanEditor } from "../src/components/intake/PlanEditors"
import { type PlanMode, type PlanResult, readFileColumns } from "../src/components/intake/plans"

afterEach(cleanup)

/** The editor of `mode`, and the last config (or problem) it reported. */
const editor = (mode: PlanMode, profile = "gradebook", showErrors = false) => {
  const told: Array<PlanResult> = []
  const view = render(
    <PlanEditor
      mode={mode}
      profile={profile}
      fileColumns={null}
      showErrors={showErrors}
      onChange={(r) => told.push(r)}
    />,
  )
  return { view, last: () => told[told.length - 1] }
}

const type = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } })

/** The text of what the input's aria-describedby points at. */
const describedBy = (label: string) =>
  (screen.getByLabelText(label).getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent)
    .join(" ")

describe("the append editor", () => {
  it("checks each cell next to it and makes the records as process_config", () => {
    const { last } = editor("append")
    // an empty record is not sent, and not shouted at before it is touched
    expect(last()).toEqual({ ok: false, problem: "1 cell needs fixing in the records to add." })
    expect(screen.queryByText("Required.")).toBeNull()

    type("student_id, record 1", "STU 1")
    expect(describedBy("student_id, record 1")).toBe("No spaces in an identifier.")
    expect(screen.getByLabelText("student_id, record 1").getAttribute("aria-invalid")).toBe("true")
    type("student_id, record 1", "x".repeat(65))
    expect(describedBy("student_id, record 1")).toBe("At most 64 characters.")
    type("student_id, record 1", "STU-2024-0121")
    expect(screen.getByLabelText("student_id, record 1").getAttribute("aria-invalid")).toBeNull()
    expect(last()).toEqual({ ok: true, config: { records: [{ student_id: "STU-2024-0121" }] } })

    // a column named as the file's header would be read, holding numbers
    type("New column", "Math (%)")
    fireEvent.click(screen.getByRole("button", { name: "Add column" }))
    type("math, record 1", "eighty")
    expect(describedBy("math, record 1")).toBe("Must be a number, e.g. 87 or 87%.")
    expect(last()).toEqual({ ok: false, problem: "1 cell needs fixing in the records to add." })
    type("math, record 1", "104")
    expect(describedBy("math, record 1")).toBe("Outside 0–100: check this score.")
    type("math, record 1", " 87% ")
    expect(describedBy("math, record 1")).toBe("")

    // a text column takes anything
    type("New column", "Comment")
    fireEvent.click(screen.getByRole("checkbox", { name: "Holds numbers" }))
    fireEvent.click(screen.getByRole("button", { name: "Add column" }))
    type("comment, record 1", "late entry")

    // the same name twice is refused next to the field
    type("New column", "math")
    fireEvent.click(screen.getByRole("button", { name: "Add column" }))
    expect(describedBy("New column")).toBe('"math" is already a column.')

    fireEvent.click(screen.getByRole("button", { name: "Add record" }))
    type("student_id, record 2", "STU-2024-0122")
    type("math, record 2", "1,234.5")
    expect(describedBy("math, record 2")).toBe("Outside 0–100: check this score.")
    expect(last()).toEqual({
      ok: true,
      config: {
        records: [
          { student_id: "STU-2024-0121", math: "87%", comment: "late entry" },
          { student_id: "STU-2024-0122", math: "1,234.5" },
        ],
      },
    })

    fireEvent.click(screen.getByRole("button", { name: "Remove column comment" }))
    fireEvent.click(screen.getByRole("button", { name: "Remove record 2" }))
    expect(last()).toEqual({ ok: true, config: { records: [{ student_id: "STU-2024-0121", math: "87%" }] } })

    fireEvent.click(screen.getByRole("button", { name: "Remove record 1" }))
    expect(last()).toEqual({ ok: false, problem: "Add at least one record." })
  })

  it("asks for an attendance record's date and status, with the codes the pipeline reads", () => {
    const { last } = editor("append", "attendance", true)
    expect(screen.getAllByText("Required.")).toHaveLength(3)
    type("student_id, record 1", "S-7")
    type("date, record 1", "2026-09-01")
    type("status, record 1", "X")
    expect(describedBy("status, record 1")).toBe("Use P, A, L or E (present, absent, late, excused).")
    type("status, record 1", "late")
    expect(last()).toEqual({
      ok: true,
      config: { records: [{ student_id: "S-7", date: "2026-09-01", status: "late" }] },
    })
  })
})

describe("the delete rules builder", () => {
  it("needs at least one rule with a column, and makes the rules as process_config", () => {
    const { last } = editor("delete", "gradebook", true)
    expect(last()).toEqual({ ok: false, problem: "Every rule needs a column." })
    expect(describedBy("Rule 1: column")).toBe("Choose the column to match.")
    // the only rule cannot be removed
    expect((screen.getByRole("button", { name: "Remove rule 1" }) as HTMLButtonElement).disabled).toBe(true)

    type("Rule 1: column", "Class")
    type("Rule 1: value", " 9A ")
    expect(last()).toEqual({ ok: true, config: { rules: [{ column: "class", value: "9A" }] } })

    fireEvent.click(screen.getByRole("button", { name: "Add rule" }))
    expect(last()).toEqual({ ok: false, problem: "Every rule needs a column." })
    type("Rule 2: column", "Math")
    // an empty value removes the rows where the column is empty
    expect(last()).toEqual({
      ok: true,
      config: {
        rules: [
          { column: "class", value: "9A" },
          { column: "math", value: "" },
        ],
      },
    })

    fireEvent.click(screen.getByRole("button", { name: "Remove rule 1" }))
    expect(last()).toEqual({ ok: true, config: { rules: [{ column: "math", value: "" }] } })
    expect((screen.getByRole("button", { name: "Remove rule 1" }) as HTMLButtonElement).disabled).toBe(true)
  })
})

describe("the custom note and the summary", () => {
  it("sends the note, trimmed, and refuses an empty one next to the field", () => {
    const { last } = editor("custom", "gradebook", true)
    expect(last()).toEqual({ ok: false, problem: "Write the note." })
    expect(describedBy("Note")).toContain("Write the note.")
    type("Note", "  Term 1, checked by the office  ")
    expect(last()).toEqual({ ok: true, config: { note: "Term 1, checked by the office" } })
  })

  it("sends an empty config for the summary", () => {
    const { last } = editor("transform")
    expect(last()).toEqual({ ok: true, config: {} })
  })

  it("keeps what each plan holds when the operator switches between them", () => {
    const told: Array<PlanResult> = []
    const props = {
      profile: "gradebook",
      fileColumns: null,
      showErrors: false,
      onChange: (r: PlanResult) => told.push(r),
    }
    const view = render(<PlanEditor mode="custom" {...props} />)
    type("Note", "keep me")
    view.rerender(<PlanEditor mode="transform" {...props} />)
    expect(told[told.length - 1]).toEqual({ ok: true, config: {} })
    view.rerender(<PlanEditor mode="custom" {...props} />)
    expect(told[told.length - 1]).toEqual({ ok: true, config: { note: "keep me" } })
  })
})

describe("the file's columns", () => {
  it("reads a CSV's headers as the pipeline names them, and which hold numbers", async () => {
    const csv = '\uFEFFStudent ID,First Name,Math,Attendance (%)\nSTU-1,Ana,62.8,87.9%\nSTU-2,"Li, Jo",N/A,81.8%\n'
    expect(await readFileColumns(new File([csv], "g.csv"))).toEqual([
      { name: "student_id", numeric: false },
      { name: "first_name", numeric: false },
      { name: "math", numeric: true },
      { name: "attendance", numeric: true },
    ])
    expect(await readFileColumns(new File([new Uint8Array([0x50, 0x4b, 3, 4])], "g.xlsx"))).toBeNull()
    expect(await readFileColumns(new File(["roll_no;score\nA1;5\n"], "t.csv"))).toEqual([
      { name: "student_id", numeric: false },
      { name: "score", numeric: true },
    ])
  })
})
