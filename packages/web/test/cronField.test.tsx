// @vitest-environment happy-dom
/**
 * The live cron field: typing asks the server's preview (once the typing pauses, the stale
 * request cancelled) and shows the schedule in words and its next runs in the job's zone and
 * the reader's; a refused cron shows the server's words next to the field.
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { useState } from "preact/hooks"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { CronField, PREVIEW_DELAY_MS } from "../src/components/schedules/CronField"

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

const Harness = ({ timezone = "America/Chicago", skipDates = "" }: { timezone?: string; skipDates?: string }) => {
  const [cron, setCron] = useState("")
  return <CronField value={cron} onInput={setCron} timezone={timezone} skipDates={skipDates} />
}

const NEXT = [
  "2030-01-07T13:30:00.000Z",
  "2030-01-08T13:30:00.000Z",
  "2030-01-09T13:30:00.000Z",
  "2030-01-10T13:30:00.000Z",
  "2030-01-11T13:30:00.000Z",
]

let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  fetchMock = vi.fn()
  vi.stubGlobal("fetch", fetchMock)
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

const requested = (call: number) => new URL(String(fetchMock.mock.calls[call]?.[0]), "http://host.test")

describe("the cron field", () => {
  it("shows the schedule in words and its next runs as a person types", async () => {
    fetchMock.mockImplementation(async () =>
      json({
        cron: "30 7 * * 1-5",
        timezone: "America/Chicago",
        description: "at 07:30 on Monday through Friday (America/Chicago)",
        next_runs: NEXT,
        problems: [],
      }),
    )
    render(<Harness skipDates="2030-12-25" />)
    expect(screen.getByText("Type a schedule to see when it runs.")).toBeTruthy()
    fireEvent.input(screen.getByLabelText("Schedule (cron)"), { target: { value: "30 7 * * 1-5" } })
    await screen.findByText("at 07:30 on Monday through Friday (America/Chicago)")
    expect(fetchMock).toHaveBeenCalledTimes(1)
    const url = requested(0)
    expect(url.pathname).toBe("/api/schedules/preview/")
    expect(url.searchParams.get("cron")).toBe("30 7 * * 1-5")
    expect(url.searchParams.get("timezone")).toBe("America/Chicago")
    expect(url.searchParams.get("skip_dates")).toBe("2030-12-25")
    const runs = screen.getAllByRole("listitem")
    expect(runs).toHaveLength(5)
    // the first run in the job's own zone: 07:30 on Monday 7 January 2030
    expect(runs[0]?.querySelector("time")?.getAttribute("dateTime")).toBe(NEXT[0])
    expect(runs[0]?.textContent).toMatch(/07:30/)
    expect(runs[0]?.textContent).toContain("(America/Chicago)")
  })

  it("waits for the typing to pause and cancels the request the typing made stale", async () => {
    const signals: Array<AbortSignal> = []
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      signals.push(init.signal as AbortSignal)
      return json({
        cron: "0 7 * * *",
        timezone: "UTC",
        description: "at 07:00 every day (UTC)",
        next_runs: NEXT,
        problems: [],
      })
    })
    vi.useFakeTimers()
    render(<Harness timezone="UTC" />)
    const input = screen.getByLabelText("Schedule (cron)")
    fireEvent.input(input, { target: { value: "0" } })
    await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS - 50)
    fireEvent.input(input, { target: { value: "0 7" } })
    await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS - 50)
    fireEvent.input(input, { target: { value: "0 7 * * *" } })
    await vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS - 1)
    // nothing asked while the typing goes on
    expect(fetchMock).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(requested(0).searchParams.get("cron")).toBe("0 7 * * *")
    vi.useRealTimers()
    await screen.findByText("at 07:00 every day (UTC)")

    // a request still on its way when the cron changes is cancelled, and its answer ignored
    let answer: (response: Response) => void = () => undefined
    fetchMock.mockImplementationOnce(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((resolve) => {
          signals.push(init.signal as AbortSignal)
          answer = resolve
        }),
    )
    fireEvent.input(input, { target: { value: "0 8 * * *" } })
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2))
    fireEvent.input(input, { target: { value: "0 9 * * *" } })
    await waitFor(() => expect(signals[1]?.aborted).toBe(true))
    answer(
      json({
        cron: "0 8 * * *",
        timezone: "UTC",
        description: "at 08:00 every day (UTC)",
        next_runs: NEXT,
        problems: [],
      }),
    )
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3))
    expect(requested(2).searchParams.get("cron")).toBe("0 9 * * *")
    await screen.findByText("at 07:00 every day (UTC)")
    expect(screen.queryByText("at 08:00 every day (UTC)")).toBeNull()
  })

  it("shows the server's refusal next to the field", async () => {
    fetchMock.mockImplementation(async () =>
      json(
        {
          error: "invalid cron: hour 25 is out of range 0-23",
          code: "invalid_request",
          fields: [{ path: "cron", message: "hour 25 is out of range 0-23" }],
        },
        400,
      ),
    )
    render(<Harness />)
    const input = screen.getByLabelText("Schedule (cron)")
    fireEvent.input(input, { target: { value: "0 25 * * *" } })
    const error = await screen.findByText("hour 25 is out of range 0-23")
    expect(input.getAttribute("aria-invalid")).toBe("true")
    expect((input.getAttribute("aria-describedby") ?? "").split(" ")).toContain(error.id)
    expect(screen.getByText("Correct the schedule to see when it runs.")).toBeTruthy()
  })

  it("says so when the preview cannot be reached", async () => {
    fetchMock.mockImplementation(async () => {
      throw new TypeError("Failed to fetch")
    })
    render(<Harness />)
    fireEvent.input(screen.getByLabelText("Schedule (cron)"), { target: { value: "0 7 * * *" } })
    await screen.findByText(/The schedule could not be checked: BatchOps cannot be reached/)
  })
})
