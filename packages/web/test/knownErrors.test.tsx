// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { PatternTester } from "../src/components/issues/PatternTester"
import { session } from "../src/state/session"
import { rightsOf } from "./support/rights"

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

beforeEach(() => {
  session.value = {
    token: "t",
    rights: rightsOf("moderator"),
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
  it("has the server match the sample as the worker does and lists the recent failures it would recognize", async () => {
    const fetch = vi.fn(async () =>
      json(200, {
        tried: 12,
        sample_matched: true,
        matched: [
          { incident_id: "i1", stage: "transform_gradebook", message: '"house" is not a column', shadowed_by: null },
        ],
      }),
    )
    vi.stubGlobal("fetch", fetch)
    const test = vi.spyOn(RegExp.prototype, "test")
    render(<PatternTester pattern="transform_gradebook: .*NOT A COLUMN" stage="" />)
    fill("Sample stage", "transform_gradebook")
    fill("Sample message", 'process_config.rules[0].column: "house" is not a column of this file')
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/Match: the pattern recognizes the sample message/)).toBeTruthy())
    expect(screen.getByText(/Of the 12 most recent failures, it would recognize 1/)).toBeTruthy()
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(JSON.parse(String(init.body))).toEqual({
      pattern: "transform_gradebook: .*NOT A COLUMN",
      sample: {
        stage: "transform_gradebook",
        message: 'process_config.rules[0].column: "house" is not a column of this file',
      },
    })
    expect(new Headers(init.headers).get("Authorization")).toBe("Token t")
    // the browser's engine backtracks: the pattern never runs here
    expect(test.mock.contexts.some((regex) => (regex as RegExp).source.includes("NOT A COLUMN"))).toBe(false)
    test.mockRestore()
  })

  it("says when the sample does not match, and sends no sample when there is none", async () => {
    const fetch = vi.fn(async (_url: string, init: RequestInit) =>
      json(200, { tried: 0, matched: [], sample_matched: JSON.parse(String(init.body)).sample ? false : null }),
    )
    vi.stubGlobal("fetch", fetch)
    render(<PatternTester pattern="missing column" stage="validate_results" />)
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/Of the 0 most recent failures/)).toBeTruthy())
    expect(screen.queryByText(/Match|No match/)).toBeNull()
    expect(JSON.parse(String(fetch.mock.calls[0]![1].body))).toEqual({
      pattern: "missing column",
      stage: "validate_results",
    })

    fill("Sample stage", "standardize_results")
    fill("Sample message", "missing column score")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByText(/No match: the pattern does not recognize/)).toBeTruthy())
    expect(JSON.parse(String(fetch.mock.calls[1]![1].body)).sample).toEqual({
      stage: "standardize_results",
      message: "missing column score",
    })
  })

  it("shows the server's refusal of a pattern, and never runs a pattern in the browser", async () => {
    const reason =
      'the pattern "(a)\\1" uses a backreference (\\1), which the linear-time matching of known errors does not support'
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(400, { error: `pattern: ${reason}`, code: "bad_request", fields: [{ path: "pattern", message: reason }] }),
      ),
    )
    const test = vi.spyOn(RegExp.prototype, "test")
    const exec = vi.spyOn(RegExp.prototype, "exec")
    render(<PatternTester pattern="(a)\1" stage="" />)
    fill("Sample message", "aa")
    fireEvent.click(screen.getByRole("button", { name: "Test the pattern" }))
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("This pattern cannot be saved"))
    expect(screen.getByRole("alert").textContent).toContain(reason)
    expect(screen.queryByText(/Match/)).toBeNull()
    const ran = [...test.mock.contexts, ...exec.mock.contexts].some((regex) => (regex as RegExp).source === "(a)\\1")
    expect(ran).toBe(false)
    test.mockRestore()
    exec.mockRestore()
  })

  it("tests the pattern when Enter is pressed in the sample stage, rather than saving the form around it", async () => {
    const fetch = vi.fn(async () => json(200, { tried: 3, matched: [], sample_matched: null }))
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
})
