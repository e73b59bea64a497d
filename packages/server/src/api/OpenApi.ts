/**
 * The OpenAPI 3.1 document, generated from the route table: the same schemas that validate
 * requests describe them (JSON Schema 2020-12, which OpenAPI 3.1 speaks), so the document
 * cannot drift from what the server accepts. `referencePage` renders it as one HTML page
 * (no script, nothing fetched from elsewhere).
 */
import { Schema } from "effect"
import { type Access, ErrorJson, type RouteDef } from "./Api.js"

export interface OpenApiInfo {
  readonly title?: string
  readonly version?: string
  readonly description?: string
}

type JsonObject = Record<string, unknown>

/**
 * How the server (App.ts) decodes a request's path parameters, query and body: every problem
 * at once, and a field the schema does not list is refused. The document is generated with the
 * same `onExcessProperty`, so it says `additionalProperties: false` where the server refuses.
 */
export const REQUEST_DECODING = { errors: "all", onExcessProperty: "error" } as const

/** `/api/uploads/:id/retry/` -> `/api/uploads/{id}/retry/` */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}")

/**
 * `request`: a schema the server decodes requests with, so an object closes
 * (`additionalProperties: false`) exactly when the server refuses a field it does not list.
 */
const jsonSchema = (schema: Schema.Top, definitions: JsonObject, use: "request" | "response"): JsonObject => {
  const document = Schema.toJsonSchemaDocument(
    schema,
    use === "request" ? { onExcessProperty: REQUEST_DECODING.onExcessProperty } : {},
  )
  Object.assign(definitions, document.definitions)
  return rewriteRefs(document.schema as JsonObject) as JsonObject
}

/** JSON Schema `$ref`s point at `#/$defs/X`; in the document they live in `components/schemas`. */
const rewriteRefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (value === null || typeof value !== "object") return value
  const out: JsonObject = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      key === "$ref" && typeof item === "string"
        ? item.replace(/^#\/\$defs\//, "#/components/schemas/")
        : rewriteRefs(item)
  }
  return out
}

const parameters = (schema: Schema.Top | undefined, where: "path" | "query", definitions: JsonObject) => {
  if (schema === undefined) return []
  const object = jsonSchema(schema, definitions, "request")
  const properties = (object.properties ?? {}) as Record<string, JsonObject>
  const required = new Set((object.required ?? []) as Array<string>)
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: property,
  }))
}

const ACCESS_TEXT: Readonly<Record<Access, string>> = {
  public: "no account needed",
  user: "any signed-in account",
  manager: "admins and moderators",
  admin: "admins only",
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
})

/** The OpenAPI 3.1 document of `routes`. */
export const openApiDocument = (routes: ReadonlyArray<RouteDef>, info: OpenApiInfo = {}) => {
  const definitions: JsonObject = {}
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const path = openApiPath(route.path)
    const status = String(route.status ?? 200)
    const success: JsonObject = { description: "success" }
    if (route.produces) {
      success.content = Object.fromEntries(route.produces.map((type) => [type, {}]))
    } else if (route.response) {
      success.content = { "application/json": { schema: jsonSchema(route.response, definitions, "response") } }
    }
    const operation: JsonObject = {
      operationId: `${route.method.toLowerCase()}_${route.path.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "")}`,
      summary: route.summary,
      description: `Access: ${ACCESS_TEXT[route.access]}.`,
      tags: [route.tag],
      "x-access": route.access,
      parameters: [...parameters(route.params, "path", definitions), ...parameters(route.query, "query", definitions)],
      responses: {
        [status]: success,
        "400": errorResponse("the request is not valid: `fields` names what is wrong"),
        ...(route.access === "public"
          ? {}
          : { "401": errorResponse("no valid token"), "403": errorResponse("the role does not allow it") }),
        "404": errorResponse("no such record"),
      },
      ...(route.access === "public" ? {} : { security: [{ token: [] }] }),
    }
    if (route.body === "multipart") {
      operation.requestBody = { required: true, content: { "multipart/form-data": { schema: { type: "object" } } } }
    } else if (route.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: jsonSchema(route.body, definitions, "request") } },
      }
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: info.title ?? "BatchOps API",
      version: info.version ?? "0.1.0",
      description:
        info.description ??
        "The control room's API. Sign in with POST /api/auth/login, then send `Authorization: Token <token>`.",
    },
    paths,
    components: {
      schemas: { ...(rewriteRefs(definitions) as JsonObject), Error: jsonSchema(ErrorJson, definitions, "response") },
      securitySchemes: {
        token: {
          type: "apiKey",
          in: "header",
          name: "Authorization",
          description: "`Token <token>`, the token POST /api/auth/login answered with",
        },
      },
    },
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!)

/** The document as one readable HTML page: every operation, who may call it, its parameters. */
export const referencePage = (document: ReturnType<typeof openApiDocument>): string => {
  const sections: Array<string> = []
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(operations)) {
      const operation = raw as {
        summary: string
        description: string
        parameters: Array<{ name: string; in: string; required: boolean }>
        requestBody?: { content: Record<string, { schema?: unknown }> }
      }
      const params = operation.parameters
        .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${p.in}${p.required ? ", required" : ""})</li>`)
        .join("")
      const body = operation.requestBody
        ? `<details><summary>body</summary><pre>${escapeHtml(JSON.stringify(operation.requestBody.content, null, 2))}</pre></details>`
        : ""
      sections.push(
        `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>` +
          `<p>${escapeHtml(operation.summary)} ${escapeHtml(operation.description)}</p>${params ? `<ul>${params}</ul>` : ""}${body}</section>`,
      )
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
section{border-top:1px solid #d0d7de;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-weight:600}
code,pre{font-family:ui-monospace,monospace}pre{background:#f6f8fa;padding:.5rem;overflow:auto}</style></head>
<body><h1>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</h1><p>${escapeHtml(document.info.description)}
The machine-readable document is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>${sections.join("\n")}</body></html>`
}
