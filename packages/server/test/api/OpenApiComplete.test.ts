/**
 * The OpenAPI document covers every route the app answers: a route registered on the app
 * without going through the route table (and so without its access rule and schemas) fails
 * here, and so does a table route the document lost. Its request bodies are closed, as the
 * server refuses a field they do not list.
 */
import { Layer, ManagedRuntime } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { makeApp } from "../../src/api/App.js"
import { openApiDocument, openApiPath } from "../../src/api/OpenApi.js"
import { apiRoutes } from "../../src/api/Routes.js"

const runtime = ManagedRuntime.make(Layer.empty)
afterAll(() => runtime.dispose())

describe("the OpenAPI document", () => {
  it("documents every route the app answers, and nothing else", () => {
    const app = makeApp(apiRoutes, runtime as never)
    const own = new Set(["/api/openapi.json", "/api/docs/"])
    const answered = app.routes
      .filter((route) => route.method !== "ALL" && route.path.startsWith("/api/") && !own.has(route.path))
      // every route also answers without (or with) its trailing slash
      .map((route) => `${route.method} ${openApiPath(route.path.endsWith("/") ? route.path : `${route.path}/`)}`)
    const document = openApiDocument(apiRoutes)
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect([...new Set(answered)].sort()).toEqual([...new Set(documented)].sort())
    expect(documented.length).toBe(apiRoutes.length)
  })

  it("gives every operation a unique id, a summary, an access rule and the token scheme when it needs one", () => {
    const document = openApiDocument(apiRoutes)
    const ids = new Set<string>()
    for (const operations of Object.values(document.paths)) {
      for (const raw of Object.values(operations)) {
        const operation = raw as { operationId: string; summary: string; "x-access": string; security?: unknown }
        expect(ids.has(operation.operationId)).toBe(false)
        ids.add(operation.operationId)
        expect(operation.summary.length).toBeGreaterThan(0)
        expect(["public", "user", "manager", "admin"]).toContain(operation["x-access"])
        expect(operation.security !== undefined).toBe(operation["x-access"] !== "public")
      }
    }
  })

  it("closes every object of a JSON request body (additionalProperties: false), as the server refuses unknown fields", () => {
    const document = openApiDocument(apiRoutes)
    /** the JSON paths of the objects with listed properties that are not closed */
    const open = (schema: unknown, at: string): Array<string> => {
      if (Array.isArray(schema)) return schema.flatMap((item, i) => open(item, `${at}/${i}`))
      if (schema === null || typeof schema !== "object") return []
      const object = schema as Record<string, unknown>
      const here = "properties" in object && object.additionalProperties !== false ? [at] : []
      return [...here, ...Object.entries(object).flatMap(([key, value]) => open(value, `${at}/${key}`))]
    }
    let bodies = 0
    const notClosed: Array<string> = []
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, raw] of Object.entries(operations)) {
        const schema = (raw as { requestBody?: { content: Record<string, { schema: unknown }> } }).requestBody?.content[
          "application/json"
        ]?.schema
        if (schema === undefined) continue
        bodies++
        notClosed.push(...open(schema, `${method.toUpperCase()} ${path}`))
      }
    }
    expect(bodies).toBeGreaterThan(20)
    expect(notClosed).toEqual([])
  })
})
