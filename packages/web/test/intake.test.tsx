// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import Intake from "../src/routes/Intake"

/** Upload requests, answered by the test. */
class FakeRequest {
  static sent: Array<FakeRequest> = []
  body: FormData | undefined
  status = 0
  responseText = ""
  upload = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  onabort: (() => void) | null = null
  open() {}
  setRequestHeader() {}
  getResponseHeader() {
    return "application/json"
  }
  send(body: FormData) {
    this.body = body
    FakeRequest.sent.push(this)
  }
  abort() {}
  answer(status: number, json: unknown) {
    this.status = status
    this.responseText = JSON.stringify(json)
    this.onload?.()
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

const choose = (files: ReadonlyArray<File>) => {
  const input = screen.getByLabelText("Files to upload") as HTMLInputElement
  Object.defineProperty(input, "files", { value: files, configurable: true })
  fireEvent.change(input)
}

const GRADEBOOK = "Student ID,First Name,Class,Math\nSTU-1,Ana,9A,62.8\nSTU-2,Li,9B,70\n"

beforeEach(() => {
  FakeRequest.sent = []
  vi.stubGlobal("XMLHttpRequest", FakeRequest)
  // the file preview asks the server; these tests look at the intake around it
  vi.stubGlobal("fetch", () => new Promise(() => undefined))
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe("batch intake", () => {
  it("sends the chosen profile, plan and the plan's config beside each file", async () => {
    render(<Intake />)
    expect(screen.queryByText(/being built/)).toBeNull()
    fireEvent.change(screen.getByLabelText("Profile"), { target: { value: "roster" } })
    fireEvent.change(screen.getByLabelText("Plan"), { target: { value: "delete" } })
    fireEvent.input(screen.getByLabelText("Rule 1: column"), { target: { value: "Grade" } })
    fireEvent.input(screen.getByLabelText("Rule 1: value"), { target: { value: "12" } })
    choose([new File(["student_id,name,grade\nS1,Ana,12\n"], "roster.csv")])
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    const body = FakeRequest.sent[0]?.body
    expect(body?.get("profile")).toBe("roster")
    expect(body?.get("process_mode")).toBe("delete")
    expect(body?.get("process_config")).toBe('{"rules":[{"column":"grade","value":"12"}]}')
    // no department named: none sent
    expect(body?.has("department")).toBe(false)
    FakeRequest.sent[0]?.answer(201, { id: "r1", file_name: "roster.csv", status: "queued" })
    await settle()
    expect(screen.getByRole("link", { name: "Open run of roster.csv" }).getAttribute("href")).toBe("/runs/r1")
  })

  it("sends the department, so its remembered column mappings apply", async () => {
    render(<Intake />)
    fireEvent.input(screen.getByLabelText("Department (optional)"), { target: { value: "  Science " } })
    choose([new File([GRADEBOOK], "g.csv")])
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    expect(FakeRequest.sent[0]?.body?.get("department")).toBe("Science")
  })

  it("says why the plan is not ready and sends nothing until it is", async () => {
    render(<Intake />)
    fireEvent.change(screen.getByLabelText("Plan"), { target: { value: "custom" } })
    choose([new File([GRADEBOOK], "g.csv")])
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    expect(FakeRequest.sent).toHaveLength(0)
    expect(screen.getByRole("alert").textContent).toBe("The plan is not ready: Write the note.")
    fireEvent.input(screen.getByLabelText("Note"), { target: { value: "checked" } })
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    expect(FakeRequest.sent[0]?.body?.get("process_config")).toBe('{"note":"checked"}')
  })

  it("offers the queued file's columns to the records table", async () => {
    render(<Intake />)
    fireEvent.change(screen.getByLabelText("Plan"), { target: { value: "append" } })
    choose([new File([GRADEBOOK], "g.csv")])
    await settle()
    fireEvent.click(await screen.findByRole("button", { name: "Use the file's columns" }))
    expect(screen.getByLabelText("math, record 1")).toBeTruthy()
    expect(screen.getByLabelText("class, record 1")).toBeTruthy()
    fireEvent.input(screen.getByLabelText("student_id, record 1"), { target: { value: "STU-3" } })
    fireEvent.input(screen.getByLabelText("math, record 1"), { target: { value: "91" } })
    fireEvent.click(screen.getByRole("button", { name: "Upload 1 file" }))
    await settle()
    expect(FakeRequest.sent[0]?.body?.get("process_config")).toBe('{"records":[{"student_id":"STU-3","math":"91"}]}')
  })

  it("opens a queued file's preview with the profile and department", async () => {
    render(<Intake />)
    fireEvent.input(screen.getByLabelText("Department (optional)"), { target: { value: "Science" } })
    choose([new File([GRADEBOOK], "g.csv")])
    const button = screen.getByRole("button", { name: "Preview g.csv" })
    expect(button.getAttribute("aria-expanded")).toBe("false")
    fireEvent.click(button)
    expect(screen.getByRole("region", { name: "Preview of g.csv" })).toBeTruthy()
    fireEvent.click(screen.getByRole("button", { name: "Close preview" }))
    expect(screen.queryByRole("region", { name: "Preview of g.csv" })).toBeNull()
  })
})
