// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { ApiProblem, answerOf, client } from "../src/api/client"
import { session, signIn, signOut } from "../src/state/session"

const account = {
  id: "u1",
  username: "ada",
  email: "ada@school.test",
  role: "moderator" as const,
  email_verified: true,
  is_active: true,
  created_at: "2026-01-01T00:00:00.000Z",
}

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } })

let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  fetchMock = vi.fn()
  vi.stubGlobal("fetch", fetchMock)
  signIn({ token: "t0k", user: account })
})

afterEach(() => {
  signOut()
  vi.unstubAllGlobals()
})

const listIncidents = () => answerOf(client.GET("/api/incidents/", { params: { query: {} } }))

describe("the API client and the session", () => {
  it("signs out when the server no longer knows the token (401), and says the session ended", async () => {
    fetchMock.mockResolvedValue(answer(401, { error: "the token is not valid", code: "unauthorized" }))
    const refused = await listIncidents().catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ApiProblem)
    expect((refused as ApiProblem).status).toBe(401)
    // the call went out with the token, and the session is gone after its answer
    const [, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(new Headers(init.headers).get("Authorization")).toBe("Token t0k")
    expect(session.value).toBeNull()
    expect(sessionStorage.getItem("batchops.session")).toBeNull()
  })

  it("keeps the session on a refusal that is not about the token (403, 409, 500)", async () => {
    for (const status of [403, 409, 500]) {
      fetchMock.mockResolvedValueOnce(answer(status, { error: "no", code: "refused" }))
      const refused = await listIncidents().catch((error: unknown) => error)
      expect((refused as ApiProblem).status).toBe(status)
      expect(session.value?.token).toBe("t0k")
    }
    expect(JSON.parse(sessionStorage.getItem("batchops.session") ?? "null")).toMatchObject({ token: "t0k" })
  })
})
