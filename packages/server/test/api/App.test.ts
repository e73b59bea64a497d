/**
 * The API's middleware on a small route table: access rules, validation, errors, headers,
 * CORS, the audit log. The authenticator and audit log here are in memory (this tests the
 * middleware's logic; the real ones have their own tests against the databases).
 */
import { Models } from "@batchops/core"
import { Effect, Layer, ManagedRuntime, Option, Schema } from "effect"
import { afterAll, describe, expect, it, vi } from "vitest"
import { conflict, defineRoute, PageQuery, pageBounds, paginated } from "../../src/api/Api.js"
import { makeApp } from "../../src/api/App.js"
import { type AuditEntry, AuditLog, Authenticator } from "../../src/api/Services.js"

const user = (role: Models.Role) =>
  new Models.User({
    id: `u-${role}`,
    username: role,
    email: `${role}@school.test`,
    role,
    emailVerified: true,
    isActive: true,
    createdAt: "2026-11-28T00:00:00.000Z",
  })

const TOKENS: Record<string, Models.User> = {
  "t-admin": user("admin"),
  "t-mod": user("moderator"),
  "t-user": user("user"),
}
const audited: Array<AuditEntry> = []

const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.succeed(Authenticator, { authenticate: (token) => Effect.succeed(Option.fromNullishOr(TOKENS[token])) }),
    Layer.succeed(AuditLog, { record: (entry) => Effect.sync(() => void audited.push(entry)) }),
  ),
)
afterAll(() => runtime.dispose())

const Body = Schema.Struct({
  name: Schema.String.check(Schema.isNonEmpty()),
  rules: Schema.Array(Schema.Struct({ column: Schema.String, value: Schema.Number })),
})

const routes = [
  defineRoute({
    method: "GET",
    path: "/api/open/",
    summary: "anyone",
    tag: "Test",
    access: "public",
    handler: (c) => Effect.succeed({ json: { who: c.user?.username ?? null } }),
  }),
  defineRoute({
    method: "GET",
    path: "/api/things/",
    summary: "a list",
    tag: "Test",
    access: "user",
    query: PageQuery,
    handler: (c) => {
      const bounds = pageBounds(c.query)
      const all = Array.from({ length: 7 }, (_, i) => i + 1)
      return Effect.succeed({
        json: paginated(c.request, bounds, all.length, all.slice(bounds.offset, bounds.offset + bounds.limit)),
      })
    },
  }),
  defineRoute({
    method: "POST",
    path: "/api/things/:id/manage/",
    summary: "managers only",
    tag: "Test",
    access: "manager",
    params: Schema.Struct({ id: Schema.String }),
    body: Body,
    handler: (c) =>
      Effect.sync(() => {
        c.audit.recordType = "thing"
        c.audit.recordId = c.params.id
        return { status: 201, json: { id: c.params.id, name: c.body.name } }
      }),
  }),
  defineRoute({
    method: "DELETE",
    path: "/api/things/:id/",
    summary: "admins only",
    tag: "Test",
    access: "admin",
    handler: () => Effect.fail(conflict("that thing is in use")),
  }),
  defineRoute({
    method: "GET",
    path: "/api/broken/",
    summary: "a bug",
    tag: "Test",
    access: "public",
    handler: () => Effect.die(new Error("secret internals at /srv/app.ts:12")),
  }),
]

// Checked by the typecheck: a handler fails only with what the app answers (ApiError, StoreError),
// so any other failure must be mapped where it is raised.
defineRoute({
  method: "GET",
  path: "/api/untyped/",
  summary: "a failure the app cannot answer",
  tag: "Test",
  access: "public",
  // @ts-expect-error a plain Error is not a route error
  handler: () => Effect.fail(new Error("not an answer")),
})

const app = makeApp(routes, runtime, { corsOrigins: ["https://ops.school.test"] })

const call = async (path: string, init: RequestInit & { token?: string } = {}) => {
  const headers = new Headers(init.headers)
  if (init.token) headers.set("Authorization", `Token ${init.token}`)
  const response = await app.request(path, { ...init, headers })
  const text = await response.text()
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined }
}

describe("API middleware", () => {
  it("lets anyone call a public route, signed in or not", async () => {
    expect((await call("/api/open/")).json).toEqual({ who: null })
    expect((await call("/api/open/", { token: "t-user" })).json).toEqual({ who: "user" })
    // the trailing slash is optional
    expect((await call("/api/open", { token: "t-user" })).json).toEqual({ who: "user" })
    // a bad token on a public route is ignored, not an error
    expect((await call("/api/open/", { token: "nope" })).status).toBe(200)
  })

  it("answers 401 without a valid token and 403 for a role the route does not allow", async () => {
    const none = await call("/api/things/")
    expect(none.status).toBe(401)
    expect(none.json).toMatchObject({ code: "not_authenticated", error: expect.stringContaining("Token <token>") })
    expect((await call("/api/things/", { token: "expired" })).json.error).toBe(
      "the token is not valid or has expired: sign in again",
    )
    expect((await call("/api/things/", { headers: { Authorization: "Bearer x" } })).status).toBe(401)
    const body = JSON.stringify({ name: "a", rules: [] })
    const post = (token: string) =>
      call("/api/things/7/manage/", { method: "POST", body, token, headers: { "Content-Type": "application/json" } })
    expect((await post("t-user")).status).toBe(403)
    expect((await post("t-mod")).status).toBe(201)
    expect((await post("t-admin")).status).toBe(201)
    expect((await call("/api/things/7/", { method: "DELETE", token: "t-mod" })).status).toBe(403)
  })

  it("paginates as {count, next, previous, results}", async () => {
    const page = await call("/api/things/?page=2&page_size=3", { token: "t-user" })
    expect(page.json).toEqual({
      count: 7,
      next: "/api/things/?page=3&page_size=3",
      previous: "/api/things/?page=1&page_size=3",
      results: [4, 5, 6],
    })
    const bad = await call("/api/things/?page=0&page_size=500", { token: "t-user" })
    expect(bad.status).toBe(400)
    expect(bad.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(["page", "page_size"])
  })

  it("names every invalid field of a body, and refuses bodies that are not JSON", async () => {
    const invalid = await call("/api/things/7/manage/", {
      method: "POST",
      token: "t-admin",
      body: JSON.stringify({ name: "", rules: [{ column: 5, value: "x" }], extra: true }),
    })
    expect(invalid.status).toBe(400)
    expect(invalid.json.code).toBe("invalid_request")
    expect(invalid.json.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      "extra",
      "name",
      "rules.0.column",
      "rules.0.value",
    ])
    const notJson = await call("/api/things/7/manage/", { method: "POST", token: "t-admin", body: "{name:" })
    expect(notJson.status).toBe(400)
    expect(notJson.json.error).toMatch(/^the body is not valid JSON/)
  })

  it("answers an ApiError with its status, a bug with a 500 that tells nothing, unknown routes with 404 JSON", async () => {
    const busy = await call("/api/things/7/", { method: "DELETE", token: "t-admin" })
    expect(busy).toMatchObject({ status: 409, json: { error: "that thing is in use", code: "conflict" } })
    const broken = await call("/api/broken/")
    expect(broken.status).toBe(500)
    expect(broken.json).toEqual({
      error: "something went wrong on the server",
      code: "internal",
      request_id: expect.any(String),
    })
    expect(broken.text).not.toMatch(/secret|\.ts:|at /)
    const missing = await call("/api/nothing/here/")
    expect(missing.status).toBe(404)
    expect(missing.json).toMatchObject({ code: "not_found", error: "no route GET /api/nothing/here/" })
  })

  it("logs a bug on stderr through Effect's logger: the request id, the route and the cause", async () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined)
    const stdout = vi.spyOn(console, "log").mockImplementation(() => undefined)
    try {
      const broken = await call("/api/broken/")
      const lines = stderr.mock.calls.map((args) => args.map(String).join(" "))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^\[[^\]]+\] ERROR \(#\d+\):/)
      expect(lines[0]).toContain(`[${broken.json.request_id}] GET /api/broken/: `)
      expect(lines[0]).toContain("secret internals at /srv/app.ts:12")
      expect(stdout).not.toHaveBeenCalled()
    } finally {
      stderr.mockRestore()
      stdout.mockRestore()
    }
  })

  it("sets security headers, and CORS only for the configured origins", async () => {
    const answer = await call("/api/open/", { headers: { Origin: "https://ops.school.test" } })
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff")
    expect(answer.headers.get("x-frame-options")).toBe("DENY")
    expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'")
    expect(answer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://ops.school.test")
    const other = await call("/api/open/", { headers: { Origin: "https://evil.test" } })
    expect(other.headers.get("access-control-allow-origin")).toBeNull()
  })

  it("answers every API request with Cache-Control: no-store, errors and documents included", async () => {
    const answers = [
      await app.request("/api/open/"),
      await app.request("/api/things/", { headers: { Authorization: "Token t-user" } }),
      await app.request("/api/things/7/manage/", { method: "POST", body: "{}" }),
      await app.request("/api/things/7/", { method: "DELETE", headers: { Authorization: "Token t-admin" } }),
      await app.request("/api/nothing/here/"),
      await app.request("/api/openapi.json"),
      await app.request("/api/docs/"),
      await app.request("/api/open/", { method: "OPTIONS", headers: { Origin: "https://ops.school.test" } }),
    ]
    expect(answers.map((answer) => answer.headers.get("cache-control"))).toEqual(answers.map(() => "no-store"))
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined)
    try {
      expect((await app.request("/api/broken/")).headers.get("cache-control")).toBe("no-store")
    } finally {
      logged.mockRestore()
    }
  })

  it("writes every state-changing request to the audit log, refused ones too", async () => {
    audited.length = 0
    await call("/api/things/9/manage/", {
      method: "POST",
      token: "t-mod",
      body: JSON.stringify({ name: "n", rules: [] }),
    })
    await call("/api/things/9/manage/", { method: "POST", token: "t-user", body: "{}" })
    await call("/api/things/", { token: "t-user" })
    expect(audited.map((e) => [e.actorId, e.method, e.route, e.status, e.recordType, e.recordId])).toEqual([
      ["u-moderator", "POST", "/api/things/:id/manage/", 201, "thing", "9"],
      ["u-user", "POST", "/api/things/:id/manage/", 403, null, null],
    ])
  })

  it("serves the OpenAPI document of the same routes, and a reference page", async () => {
    const document = (await call("/api/openapi.json")).json
    expect(document.openapi).toBe("3.1.0")
    expect(Object.keys(document.paths).sort()).toEqual([
      "/api/broken/",
      "/api/open/",
      "/api/things/",
      "/api/things/{id}/",
      "/api/things/{id}/manage/",
    ])
    const manage = document.paths["/api/things/{id}/manage/"].post
    expect(manage["x-access"]).toBe("manager")
    expect(manage.security).toEqual([{ token: [] }])
    expect(manage.requestBody.content["application/json"].schema.required).toEqual(["name", "rules"])
    expect(document.paths["/api/things/"].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      "page",
      "page_size",
    ])
    const page = await app.request("/api/docs/")
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(await page.text()).toContain("/api/things/{id}/manage/")
  })
})
