// @vitest-environment happy-dom
/**
 * The departments screen (beside the schedules that ingest its sources): an admin adds a
 * source with its kind's settings, and the server's refusal of a setting shows next to it; a
 * user is not offered the changes.
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact"
import { LocationProvider, Route, Router } from "preact-iso"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { ApiProblem } from "../src/api/client"
import { settingProblems } from "../src/components/departments/sources"
import Departments from "../src/routes/Departments"
import { type Role, session } from "../src/state/session"
import { rightsOf } from "./support/rights"

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

const SOURCES = {
  count: 1,
  next: null,
  previous: null,
  results: [
    {
      id: "src_admissions",
      name: "Admissions applications",
      code: "ADM",
      department: "admissions",
      kind: "simulated",
      settings: { feed: "admissions", per_run: 5 },
      enabled: true,
    },
  ],
}

let fetchMock: ReturnType<typeof vi.fn>
let onCreate: (body: Record<string, unknown>) => Response

const signedIn = (role: Role) => {
  session.value = {
    token: "t0ken",
    rights: rightsOf(role),
    user: {
      id: "u1",
      username: role,
      email: `${role}@school.test`,
      role,
      email_verified: true,
      is_active: true,
      created_at: "2030-01-01T00:00:00.000Z",
    },
  }
}

const show = () => {
  history.replaceState(null, "", "/departments")
  return render(
    <LocationProvider>
      <Router>{[<Route key="departments" path="/departments" component={Departments} />]}</Router>
    </LocationProvider>,
  )
}

beforeEach(() => {
  fetchMock = vi.fn(async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, "http://host.test")
    if (url.pathname === "/api/department-sources/" && (init.method ?? "GET") === "GET") return json(SOURCES)
    if (url.pathname === "/api/department-sources/" && init.method === "POST") {
      return onCreate(JSON.parse(String(init.body)))
    }
    return json({ error: "not found" }, 404)
  })
  vi.stubGlobal("fetch", fetchMock)
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  session.value = null
})

describe("department sources", () => {
  it("reads the server's words for each setting", () => {
    const problem = new ApiProblem(
      "settings.path: must be a folder inside the inbox folder; settings.stable_seconds: Expected a value between 0 and 86400",
      400,
      "invalid_request",
    )
    expect(settingProblems(problem)).toEqual({
      path: "must be a folder inside the inbox folder",
      stable_seconds: "Expected a value between 0 and 86400",
    })
  })

  it("lets an admin add a source with its kind's settings, the refused setting shown next to it", async () => {
    signedIn("admin")
    onCreate = () =>
      json({ error: "settings.path: must be a folder inside the inbox folder", code: "invalid_request" }, 400)
    show()
    await screen.findByRole("link", { name: "Admissions applications" })
    expect(screen.getByText("feed admissions · per_run 5")).toBeTruthy()
    fireEvent.click(screen.getByRole("button", { name: "Add source" }))
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Registrar inbox" } })
    fireEvent.input(screen.getByLabelText("Code"), { target: { value: "reg" } })
    fireEvent.input(screen.getByLabelText("Department"), { target: { value: "registrar" } })
    fireEvent.change(screen.getByLabelText("Kind"), { target: { value: "directory" } })
    const path = await screen.findByLabelText("Inbox folder")
    fireEvent.input(path, { target: { value: "../elsewhere" } })
    fireEvent.input(screen.getByLabelText("Stable for (seconds) (optional)"), { target: { value: "10" } })
    fireEvent.input(screen.getByLabelText("Extensions (optional)"), { target: { value: "csv, pdf" } })
    fireEvent.click(screen.getByRole("button", { name: "Add source" }))
    const error = await screen.findByText("must be a folder inside the inbox folder")
    expect((path.getAttribute("aria-describedby") ?? "").split(" ")).toContain(error.id)
    const post = fetchMock.mock.calls.find(([, init]) => (init as RequestInit | undefined)?.method === "POST")
    expect(JSON.parse(String((post?.[1] as RequestInit | undefined)?.body))).toEqual({
      name: "Registrar inbox",
      code: "REG",
      department: "registrar",
      kind: "directory",
      enabled: true,
      settings: { path: "../elsewhere", stable_seconds: 10, extensions: ["csv", "pdf"] },
    })

    onCreate = (body) => json({ ...body, id: "src_reg" }, 201)
    fireEvent.input(path, { target: { value: "registrar" } })
    fireEvent.click(screen.getByRole("button", { name: "Add source" }))
    await screen.findByText("Registrar inbox is added.")
  })

  it("offers a user the records but not the changes", async () => {
    signedIn("user")
    show()
    await screen.findByRole("link", { name: "Admissions applications" })
    expect(screen.queryByRole("button", { name: "Add source" })).toBeNull()
    expect(screen.queryByRole("button", { name: /^Edit/ })).toBeNull()
    await waitFor(() => expect(screen.getByRole("link", { name: /^Records/ })).toBeTruthy())
  })
})
