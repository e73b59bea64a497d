/** The real server over HTTP: it starts on both databases, signs tokens in, and answers JSON. */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

describe.each<Backend>(["pglite", "postgres"])("the server on %s", (backend) => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi(backend)
  }, 60_000)
  afterAll(() => api?.close())

  it("serves its OpenAPI document and a 404 JSON for unknown routes", async () => {
    const document = await api.call("/api/openapi.json")
    expect(document.status).toBe(200)
    expect(document.json.openapi).toBe("3.1.0")
    const missing = await api.call("/api/no-such-thing/")
    expect(missing.status).toBe(404)
    expect(missing.json.code).toBe("not_found")
    expect(missing.headers.get("x-content-type-options")).toBe("nosniff")
  })

  it("refuses a body field its OpenAPI document does not list (additionalProperties: false)", async () => {
    const document = await api.call("/api/openapi.json")
    const login = document.json.paths["/api/auth/login/"].post.requestBody.content["application/json"].schema
    expect(login.additionalProperties).toBe(false)
    expect(Object.keys(login.properties)).not.toContain("remember_me")
    const refused = await api.call("/api/auth/login/", {
      method: "POST",
      json: { email: "nobody@school.test", password: "a long passphrase 42", remember_me: true },
    })
    expect(refused.status).toBe(400)
    expect(refused.json.fields).toEqual([{ path: "remember_me", message: expect.any(String) }])
  })

  it("has no admin on a fresh database, and issues tokens the authenticator accepts", async () => {
    expect(api.server.hasAdmin).toBe(false)
    const { user, token } = await api.account("moderator")
    expect(user.role).toBe("moderator")
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})

describe("the server's settings", () => {
  it("come from the environment it is started with: a wrong value stops it, naming the variable", async () => {
    await expect(startApi("pglite", { env: { BATCHOPS_MAX_UPLOAD_BYTES: "lots" } })).rejects.toThrow(
      /BATCHOPS_MAX_UPLOAD_BYTES must be a number of bytes/,
    )
    await expect(startApi("pglite", { env: { BATCHOPS_TOKEN_TTL_HOURS: "-1" } })).rejects.toThrow(
      /BATCHOPS_TOKEN_TTL_HOURS/,
    )
  })

  it("report mail as configured when the environment names an SMTP server", async () => {
    const api = await startApi("pglite", { env: { EMAIL_HOST: "127.0.0.1", EMAIL_PORT: "2525" } })
    try {
      const { token } = await api.account("admin")
      expect((await api.call("/api/health/", { token })).json.mail).toEqual({ configured: true })
    } finally {
      await api.close()
    }
  })
})
