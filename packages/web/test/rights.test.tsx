// @vitest-environment happy-dom
/**
 * What an account may do comes from the server: the app asks `GET /api/auth/me/` for each
 * session, opens its screens once the answer is in, and offers what that answer allows, whatever
 * role the stored session names.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/preact"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { App } from "../src/App"
import { type Account, type Rights, session, signOut } from "../src/state/session"
import { rightsOf } from "./support/rights"

const head: Account = {
  id: "a1",
  username: "head",
  email: "head@school.test",
  role: "admin",
  email_verified: true,
  is_active: true,
  created_at: "2026-01-01T00:00:00.000Z",
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

let me: Account & Rights
let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  fetchMock = vi.fn(async (url: string) => {
    if (url === "/api/auth/me/") return json(me)
    if (url.startsWith("/api/users/")) return json({ count: 1, next: null, previous: null, results: [head] })
    return json({ error: "not found" }, 404)
  })
  vi.stubGlobal("fetch", fetchMock)
  history.replaceState(null, "", "/users")
  // a session as a new tab finds it: the token and the account, the rights not yet asked for
  session.value = { token: "t", user: head }
})

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  signOut()
})

describe("the account's rights", () => {
  it("are asked of the server, kept with the session, and open the screens they allow", async () => {
    me = { ...head, ...rightsOf("admin") }
    render(<App />)
    expect(screen.getByText("Loading…")).toBeTruthy()
    expect(await screen.findByRole("button", { name: "New account" })).toBeTruthy()
    expect(screen.getByRole("link", { name: "Users" })).toBeTruthy()
    expect(session.value?.rights).toEqual(rightsOf("admin"))
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe("/api/auth/me/")
    expect(new Headers(init.headers).get("Authorization")).toBe("Token t")
  })

  it("follow the server's answer over the role the stored session names", async () => {
    me = { ...head, role: "moderator", ...rightsOf("moderator") }
    render(<App />)
    await waitFor(() => expect(screen.getByRole("status").textContent).toContain("Only admins manage accounts."))
    expect(screen.queryByRole("link", { name: "Users" })).toBeNull()
    expect(screen.getByRole("link", { name: "Known errors" })).toBeTruthy()
    expect(session.value?.user.role).toBe("moderator")
    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(["/api/auth/me/"])
  })
})
