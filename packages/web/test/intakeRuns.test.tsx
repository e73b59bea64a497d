// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/preact"
import { LocationProvider, Route, Router } from "preact-iso"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import RunDetail from "../src/routes/RunDetail"
import Runs from "../src/routes/Runs"
import { signIn, signOut } from "../src/state/session"
import { rightsOf } from "./support/rights"

const settle = async () => {
  for (let i = 0; i < 8; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

const upload = (patch: Record<string, unknown> = {}) => ({
  id: "run-1",
  file_name: "gradebook.csv",
  status: "processing",
  process_mode: "transform",
  process_config: {},
  profile: "gradebook",
  progress: 20,
  rows: null,
  size: 6187,
  sha256: "03bb",
  stages: [],
  incident_id: null,
  approval: null,
  reports: { csv: null, pdf: null },
  uploaded_by: "u1",
  created_at: "2026-11-29T02:00:00Z",
  updated_at: "2026-11-29T02:00:01Z",
  ...patch,
})

const at = (path: string, children: preact.ComponentChildren) => {
  history.replaceState(null, "", path)
  return render(<LocationProvider>{children}</LocationProvider>)
}

beforeEach(() => {
  signIn({
    token: "t0ken",
    rights: rightsOf("user"),
    user: {
      id: "u1",
      username: "ops",
      email: "ops@school.test",
      role: "user",
      email_verified: true,
      is_active: true,
      created_at: "2026-09-01T08:00:00Z",
    },
  })
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  signOut()
})

describe("the runs list", () => {
  it("asks for the filtered page and pages on", async () => {
    const asked: Array<string> = []
    vi.stubGlobal("fetch", async (url: string) => {
      asked.push(url)
      const page = new URL(url, "http://x").searchParams.get("page") ?? "1"
      return json({
        count: 45,
        next: null,
        previous: null,
        results: [upload({ id: `run-p${page}`, status: "failed", rows: null, uploaded_by: null })],
      })
    })
    at("/runs?status=failed", <Runs />)
    await settle()
    expect(asked[0]).toBe("/api/uploads/?status=failed&page=1&page_size=20")
    const row = screen.getAllByRole("row")[1]!
    expect(within(row).getByRole("link", { name: "gradebook.csv" }).getAttribute("href")).toBe("/runs/run-p1")
    expect(within(row).getByText("failed")).toBeTruthy()
    expect(within(row).getByText("an automation")).toBeTruthy()
    expect(screen.getByText("Page 1 of 3 · 45 runs")).toBeTruthy()
    expect((screen.getByRole("button", { name: "Previous page" }) as HTMLButtonElement).disabled).toBe(true)

    fireEvent.click(screen.getByRole("button", { name: "Next page" }))
    await settle()
    expect(asked[asked.length - 1]).toBe("/api/uploads/?status=failed&page=2&page_size=20")
    expect(location.search).toBe("?status=failed&page=2")
    expect(screen.getByText("Page 2 of 3 · 45 runs")).toBeTruthy()

    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "published" } })
    await settle()
    expect(asked[asked.length - 1]).toBe("/api/uploads/?status=published&page=1&page_size=20")
  })

  it("says so when there is nothing to show, and shows the server's words when it fails", async () => {
    vi.stubGlobal("fetch", async () => json({ count: 0, next: null, previous: null, results: [] }))
    at("/runs", <Runs />)
    await settle()
    expect(screen.getByText(/No uploads yet/)).toBeTruthy()
    cleanup()
    vi.stubGlobal("fetch", async () => json({ error: "the database cannot be reached", code: "unavailable" }, 503))
    at("/runs", <Runs />)
    await settle()
    expect(screen.getByRole("alert").textContent).toContain("the database cannot be reached")
  })
})

describe("a run", () => {
  it("shows each stage as the event stream tells it, then the finished run", async () => {
    let push: (text: string) => void = () => undefined
    let end: () => void = () => undefined
    let reads = 0
    vi.stubGlobal("fetch", async (url: string) => {
      if (url === "/api/uploads/run-1/events/") {
        const encoder = new TextEncoder()
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            push = (text) => controller.enqueue(encoder.encode(text))
            end = () => controller.close()
          },
        })
        return new Response(body, { headers: { "Content-Type": "text/event-stream" } })
      }
      if (url === "/api/uploads/run-1/timeline/") return json({ upload_id: "run-1", events: [] })
      if (url === "/api/uploads/run-1/") {
        reads++
        if (reads === 1) return json(upload())
        const ok = (name: string, rowsIn: number) => ({
          name,
          plugin: "batchops",
          status: "ok",
          duration_ms: 5,
          log: { rowsIn, rowsOut: 120 },
        })
        return json(
          upload({
            status: "published",
            progress: 100,
            rows: 120,
            stages: [
              ok("standardize_results", 0),
              ok("validate_results", 120),
              ok("transform_gradebook", 120),
              ok("generate_summary", 120),
              ok("publish_results", 120),
            ],
            reports: {
              csv: "/api/reports/summary/?upload_id=run-1&format=csv",
              pdf: "/api/reports/summary/?upload_id=run-1&format=pdf",
            },
          }),
        )
      }
      throw new Error(`unexpected ${url}`)
    })
    at("/runs/run-1", <Router>{[<Route key="run" path="/runs/:id" component={RunDetail} />]}</Router>)
    await settle()
    const stages = () => within(screen.getByRole("region", { name: "Progress" })).getAllByRole("listitem")
    expect(stages()).toHaveLength(5)
    expect(within(stages()[0]!).getByText("waiting")).toBeTruthy()

    push(
      'event: stage\ndata: {"state":"started","stage":"standardize_results","index":0,"total":5,"rows":null,"progress":0}\n\n',
    )
    await settle()
    expect(within(stages()[0]!).getByText("running")).toBeTruthy()
    push(
      'event: stage\ndata: {"state":"finished","stage":"standardize_results","index":0,"total":5,"status":"ok","duration_ms":8,"rows_in":0,"rows_out":120,"rows":120,"progress":20}\n\n' +
        'event: stage\ndata: {"state":"started","stage":"validate_results","index":1,"total":5,"rows":120,"progress":20}\n\n',
    )
    await settle()
    expect(within(stages()[0]!).getByText("ok")).toBeTruthy()
    expect(stages()[0]!.textContent).toContain("took 8 ms · rows in 0, out 120")
    expect(within(stages()[1]!).getByText("running")).toBeTruthy()
    expect(screen.queryByRole("button", { name: "Download PDF" })).toBeNull()

    push('event: status\ndata: {"status":"published","progress":100,"rows":120,"incident_id":null}\n\n')
    end()
    await settle()
    expect(screen.getByText("Published 120 rows. The reports are ready to download.")).toBeTruthy()
    for (const stage of stages()) expect(within(stage).getByText("ok")).toBeTruthy()
    expect(screen.getByRole("button", { name: "Download PDF" })).toBeTruthy()
    // a published run offers no retry, and a user is never offered approval
    expect(screen.queryByRole("button", { name: "Approve and publish" })).toBeNull()
    expect(screen.queryByRole("button", { name: "Retry" })).toBeNull()
  })
})
