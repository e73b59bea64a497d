/**
 * The host serves the web app's build at `/`: its files, `index.html` for the app's own
 * routes, hashed assets cached for good, nothing outside the build folder, and the API
 * untouched. The app's real build is served in the browser tests of `@batchops/web`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, describe, expect, it, vi } from "vitest"
import { defineRoute } from "../../src/api/Api.js"
import { makeApp } from "../../src/api/App.js"
import { AuditLog, Authenticator } from "../../src/api/Services.js"
import { findWebDir } from "../../src/api/WebApp.js"

const root = mkdtempSync(join(tmpdir(), "batchops-web-"))
const build = join(root, "dist")
mkdirSync(join(build, "assets"), { recursive: true })
writeFileSync(join(build, "index.html"), '<!doctype html><div id="app"></div><script src="/assets/app-1.js"></script>')
writeFileSync(join(build, "assets", "app-1.js"), "console.log('app')")
writeFileSync(join(root, "secret.txt"), "not for the web")

const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    Layer.succeed(Authenticator, { authenticate: () => Effect.succeed(Option.none()) }),
    Layer.succeed(AuditLog, { record: () => Effect.void }),
  ),
)
afterAll(async () => {
  await runtime.dispose()
  rmSync(root, { recursive: true, force: true })
})

const routes = [
  defineRoute({
    method: "GET",
    path: "/api/open/",
    summary: "anyone",
    tag: "Test",
    access: "public",
    handler: () => Effect.succeed({ json: { ok: true } }),
  }),
]

describe("the web app at /", () => {
  const app = makeApp(routes, runtime, { webApp: true, webDir: build })
  const get = (path: string) => app.request(path)

  it("answers the app's page for / and its client-side routes, never cached, with a strict policy", async () => {
    for (const path of ["/", "/intake", "/issues/42", "/sign-in?next=%2Fruns"]) {
      const reply = await get(path)
      expect(reply.status, path).toBe(200)
      expect(reply.headers.get("content-type")).toContain("text/html")
      expect(reply.headers.get("cache-control")).toBe("no-cache")
      expect(await reply.text()).toContain('<div id="app">')
      const csp = reply.headers.get("content-security-policy") ?? ""
      expect(csp).toContain("script-src 'self'")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(reply.headers.get("x-frame-options")).toBe("DENY")
    }
  })

  it("serves hashed assets for good and refuses what is not in the build", async () => {
    const asset = await get("/assets/app-1.js")
    expect(asset.status).toBe(200)
    expect(asset.headers.get("content-type")).toContain("text/javascript")
    expect(asset.headers.get("cache-control")).toContain("immutable")
    expect(await asset.text()).toBe("console.log('app')")
    expect((await get("/assets/missing.js")).status).toBe(404)
    for (const path of ["/%2e%2e/secret.txt", "/..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt"]) {
      expect(await (await get(path)).text(), path).not.toContain("not for the web")
    }
  })

  it("leaves the API alone: its routes answer, unknown ones are the API's 404", async () => {
    expect(await (await get("/api/open/")).json()).toEqual({ ok: true })
    const missing = await get("/api/nothing/")
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { code: string }).code).toBe("not_found")
    // only GET and HEAD reach the app
    expect((await app.request("/intake", { method: "POST" })).status).toBe(404)
  })

  it("answers a malformed %-escape with a 400 JSON, logging no stack trace", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined)
    try {
      for (const path of ["/%E0%A4%A", "/api/%E0%A4%A", "/api/open/%E0%A4%A/", "/assets/%ZZ.js"]) {
        const reply = await get(path)
        expect(reply.status, path).toBe(400)
        expect(await reply.json(), path).toEqual({
          error: "the address has a malformed %-escape (such as %E0%A4%A): check the link",
          code: "invalid_request",
          request_id: expect.any(String),
        })
      }
      expect(logged).not.toHaveBeenCalled()
    } finally {
      logged.mockRestore()
    }
  })

  it("says how to build the app when there is no build", async () => {
    const bare = makeApp(routes, runtime, { webApp: true, webDir: undefined })
    const reply = await bare.request("/")
    expect(reply.status).toBe(200)
    expect(await reply.text()).toContain("npm run build")
  })

  it("finds the build from BATCHOPS_WEB_DIR, and ignores a folder without one", () => {
    expect(findWebDir({ BATCHOPS_WEB_DIR: build })).toBe(build)
    expect(findWebDir({ BATCHOPS_WEB_DIR: root })).not.toBe(root)
  })
})
