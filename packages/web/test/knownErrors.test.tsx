// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { PatternTester, subjectOf } from "../src/components/issues/PatternTester"
import { session } from "../src/state/session"

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

beforeEach(() => {
  session.value = {
    token: "t",
    user: {
      id: "m1",
      username: "mod",
      email: "mod@school.test",
      role: "moderator",
      email_verified: true,
      is_active: true,
      created_at: "2026-01-01T00:00:00Z",
    },
  }
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  session.value = null
})

const fill = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } })

describe("the pattern tester", () => {
  it("matches the sample as the worker does (stage: message, ignoring case) and lists the recent failures it would recognize", async () => {
    const fetch = vi.fn(async () =>
      json(200, {
        tried: 12,
        matched: [
          { incident_id: "i1", stage: "transform_gradebook", message: '"house" is not a column', shadowed_by: null },
        ],
      }),
    )
    vi.stubGlobal("fetch", fetch)
    render(<PatternTester pattern="transform_gradebook: .*NOT A COLUMN" stage="" />)
    fill("Sample stage", "transform_gradebook")
    fill("Sample message", 'process_config.rules[0].column: "house" is not a column of this file')
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/Match: the pattern recognizes the sample message/)).toBeTruthy())
    expect(screen.getByText(/Of the 12 most recent failures, it would recognize 1/)).toBeTruthy()
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(JSON.parse(String(init.body))).toEqual({ pattern: "transform_gradebook: .*NOT A COLUMN" })
    expect(new Headers(init.headers).get("Authorization")).toBe("Token t")
  })

  it("says when the sample does not match, or its stage is not the known error's", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json(200, { tried: 0, matched: [] })),
    )
    const { rerender } = render(<PatternTester pattern="missing column" stage="" />)
    fill("Sample message", "the file is empty")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/No match: the pattern does not recognize/)).toBeTruthy())

    rerender(<PatternTester pattern="missing column" stage="validate_results" />)
    fill("Sample stage", "standardize_results")
    fill("Sample message", "missing column score")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/No match/)).toBeTruthy())
    fill("Sample stage", "validate_results")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/Match: the pattern recognizes/)).toBeTruthy())
  })

  it("shows the server's refusal of an unsafe pattern and never runs it", async () => {
    const reason = 'the pattern "(a+)+$" repeats a group whose body repeats without bound'
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(400, { error: `pattern: ${reason}`, code: "bad_request", fields: [{ path: "pattern", message: reason }] }),
      ),
    )
    const test = vi.spyOn(RegExp.prototype, "test")
    render(<PatternTester pattern="(a+)+$" stage="" />)
    fill("Sample message", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("This pattern cannot be saved"))
    expect(screen.getByRole("alert").textContent).toContain(reason)
    expect(screen.queryByText(/Match/)).toBeNull()
    expect(test.mock.contexts.some((regex) => (regex as RegExp).source === "(a+)+$")).toBe(false)
    test.mockRestore()
  })

  it("tests the pattern when Enter is pressed in the sample stage, rather than saving the form around it", async () => {
    const fetch = vi.fn(async () => json(200, { tried: 3, matched: [] }))
    vi.stubGlobal("fetch", fetch)
    render(<PatternTester pattern="empty" stage="" />)
    const stage = screen.getByLabelText("Sample stage")
    const event = new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true })
    stage.dispatchEvent(event)
    expect(event.defaultPrevented).toBe(true)
    await waitFor(() => expect(screen.getByText(/Of the 3 most recent failures, it would recognize 0/)).toBeTruthy())
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it("cannot test an empty pattern", () => {
    render(<PatternTester pattern="" stage="" />)
    expect((screen.getByRole("button", { name: "Test the pattern" }) as HTMLButtonElement).disabled).toBe(true)
  })

  it("builds the subject like the worker", () => {
    expect(subjectOf("validate_results", "bad score")).toBe("validate_results: bad score")
    expect(subjectOf("", "bad score")).toBe("bad score")
    expect(subjectOf("s", "x".repeat(3000))).toHaveLength(2000)
  })
})
