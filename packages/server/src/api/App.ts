/**
 * The Hono app of the API, built from the route table (Api.ts). For every request:
 *
 * 1. security headers on every answer; CORS only for the configured origins;
 * 2. `Authorization: Token <token>` resolved through `Authenticator` (an invalid or expired
 *    token is a 401 on any route that needs an account);
 * 3. the route's access rule: 401 without an account, 403 for a role it does not allow;
 * 4. path parameters, query and JSON body decoded with the route's schemas: a 400 names
 *    every field that is wrong (`process_config.rules.0.column`);
 * 5. the handler, run on the API's runtime; its `ApiError` answers with its status, anything
 *    else is logged (with the request id) and answered as a 500 that says nothing more;
 * 6. every state-changing request (not GET/HEAD/OPTIONS) goes to the audit log (which only
 *    counts the refusals of callers without an account).
 *
 * Every answer under `/api/` carries `Cache-Control: no-store`. Unknown routes are a 404 JSON
 * answer, an address with a malformed `%` escape a 400 one. No stack trace ever reaches a client.
 */
import { randomUUID } from "node:crypto"
import type { BlockList } from "node:net"
import { StoreError, schemaProblems } from "@batchops/core"
import { Cause, Clock, Effect, Exit, Logger, type ManagedRuntime, Option, Schema } from "effect"
import { Hono, type Context as HonoContext } from "hono"
import { cors } from "hono/cors"
import { type RequestIdVariables, requestId } from "hono/request-id"
import { secureHeaders } from "hono/secure-headers"
import {
  ApiError,
  type AuditNote,
  accessAllows,
  badRequest,
  forbidden,
  type RequestContext,
  type RouteDef,
  unauthorized,
} from "./Api.js"
import { DEFAULT_MAX_JSON_BYTES, jsonTooLarge, readBody } from "./Body.js"
import { clientAddress } from "./ClientAddress.js"
import { type OpenApiInfo, openApiDocument, REQUEST_DECODING, referencePage } from "./OpenApi.js"
import { AuditLog, Authenticator } from "./Services.js"
import { serveWebApp } from "./WebApp.js"

export interface AppOptions {
  /** origins allowed to call the API from a browser (exact, e.g. `https://ops.school.example`) */
  readonly corsOrigins?: ReadonlyArray<string> | undefined
  /** the largest JSON body accepted (default 1 MiB); multipart routes read theirs within the upload limit */
  readonly maxJsonBytes?: number | undefined
  readonly info?: OpenApiInfo | undefined
  /** serve the web app at `/` from this build folder (undefined: a page saying it is not built) */
  readonly webDir?: string | undefined
  /** serve the web app at all (default false: an API-only app) */
  readonly webApp?: boolean | undefined
  /** the proxies whose `X-Forwarded-For` names the client (`parseTrustedProxies`; default none) */
  readonly trustedProxies?: BlockList | undefined
}

/**
 * The security headers of every answer, through Hono's `secureHeaders`: exactly these, and a
 * header a route set itself (the API reference page's and the web app's own policies) is kept.
 * HSTS is left to the proxy that terminates TLS: BatchOps also answers plain HTTP on loopback.
 */
const securityHeaders = secureHeaders({
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: "same-origin",
  crossOriginResourcePolicy: "same-origin",
  originAgentCluster: false,
  permissionsPolicy: { camera: false, microphone: false, geolocation: false },
  referrerPolicy: "no-referrer",
  strictTransportSecurity: false,
  xContentTypeOptions: "nosniff",
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: "DENY",
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  overwrite: false,
})

/**
 * A request id per request, through Hono's `requestId`; a caller's own `X-Request-Id` is not
 * taken (the id goes into logs and the audit log, which a caller must not write into).
 */
const requestIds = requestId({ headerName: "" })

const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  })

const errorResponse = (error: ApiError, requestId: string) =>
  json(
    error.status,
    {
      error: error.message,
      code: error.code,
      ...(error.fields ? { fields: error.fields } : {}),
      request_id: requestId,
    },
    error.headers ?? {},
  )

// biome-ignore lint/suspicious/noExplicitAny: what a schema decodes from is its own business
const decode = <A>(schema: Schema.Codec<A, any>, input: unknown, what: string): Effect.Effect<A, ApiError> => {
  const exit = Schema.decodeUnknownExit(schema, REQUEST_DECODING)(input)
  if (Exit.isSuccess(exit)) return Effect.succeed(exit.value)
  const error = Cause.squash(exit.cause)
  if (error instanceof Schema.SchemaError) {
    const fields = schemaProblems(error)
    const list = fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join("; ")
    return Effect.fail(badRequest(`invalid ${what}: ${list}`, fields))
  }
  return Effect.fail(badRequest(`invalid ${what}`))
}

/** The query string as an object (a key given several times keeps its last value). */
const queryObject = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams.entries())

/** The JSON body within `limit` bytes (counted as it streams); undefined when it is empty. */
const readJson = (request: Request, limit: number): Effect.Effect<unknown, ApiError> =>
  Effect.flatMap(
    readBody(request, limit, () => jsonTooLarge(limit)),
    (bytes) =>
      Effect.try({
        try: () => {
          const text = new TextDecoder().decode(bytes)
          return text.trim() === "" ? undefined : (JSON.parse(text) as unknown)
        },
        catch: (cause) => badRequest(`the body is not valid JSON: ${(cause as Error).message}`),
      }),
  )

/** "Token <token>" -> the token; "" when the header is absent; null when it is malformed. */
const tokenOf = (header: string | undefined): string | null | "" => {
  if (header === undefined || header.trim() === "") return ""
  const match = /^Token\s+(\S+)\s*$/i.exec(header.trim())
  return match ? match[1]! : null
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"])

/**
 * Build the app. `runtime` provides what the handlers need, plus `Authenticator` and
 * `AuditLog`.
 */
export const makeApp = <R>(
  // biome-ignore lint/suspicious/noExplicitAny: the table mixes routes of every parameter, query and body type
  routes: ReadonlyArray<RouteDef<any, any, any, R>>,
  runtime: ManagedRuntime.ManagedRuntime<R | Authenticator | AuditLog, unknown>,
  options: AppOptions = {},
): Hono<{ Variables: RequestIdVariables }> => {
  const app = new Hono<{ Variables: RequestIdVariables }>()
  const maxJson = options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES
  const origins = new Set(options.corsOrigins ?? [])

  app.use("*", securityHeaders)
  app.use("*", requestIds)
  // an API answer is about one moment and one account: no browser or proxy may keep it
  app.use("/api/*", async (c, next) => {
    await next()
    if (!/\bno-store\b/.test(c.res.headers.get("Cache-Control") ?? "")) c.res.headers.set("Cache-Control", "no-store")
  })
  // a `%` escape that decodes to nothing is the caller's mistake, answered before any route reads the path
  app.use("*", async (c, next) => {
    try {
      decodeURIComponent(new URL(c.req.url).pathname)
    } catch {
      return errorResponse(
        badRequest("the address has a malformed %-escape (such as %E0%A4%A): check the link"),
        c.get("requestId"),
      )
    }
    return next()
  })
  app.use(
    "/api/*",
    cors({
      origin: (origin) => (origins.has(origin) ? origin : null),
      allowHeaders: ["Authorization", "Content-Type"],
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      maxAge: 600,
    }),
  )

  const run = <A, E>(effect: Effect.Effect<A, E, R | Authenticator | AuditLog>) => runtime.runPromiseExit(effect)
  /**
   * A failure on the server's side, through the runtime's logger and on stderr. The caller
   * writes only the request id, the route and the cause: never what a request carried.
   */
  const logError = (message: string) =>
    run(Effect.logError(message).pipe(Effect.provideService(Logger.LogToStderr, true)))

  const audit = (
    c: HonoContext,
    route: RouteDef,
    status: number,
    actorId: string | null,
    note: AuditNote,
    requestId: string,
  ) =>
    run(
      Effect.gen(function* () {
        const log = yield* AuditLog
        yield* log.record({
          at: new Date(yield* Clock.currentTimeMillis).toISOString(),
          actorId: note.actorId ?? actorId,
          method: route.method,
          route: route.path,
          status,
          recordType: note.recordType ?? null,
          recordId: note.recordId ?? null,
          detail: note.detail ?? null,
          ip: clientAddress(c, options.trustedProxies),
          requestId,
        })
      }),
    ).then((exit) =>
      Exit.isFailure(exit)
        ? logError(`[${requestId}] the audit log could not be written: ${Cause.pretty(exit.cause)}`)
        : undefined,
    )

  for (const route of routes) {
    // the seed's clients call both `/api/auth/login` and `/api/uploads/`: the slash is optional
    const paths = route.path.endsWith("/") ? [route.path, route.path.slice(0, -1)] : [route.path, `${route.path}/`]
    app.on(route.method, paths, async (c) => {
      const requestId = c.get("requestId")
      const note: AuditNote = { recordType: undefined, recordId: undefined, detail: undefined, actorId: undefined }
      let actorId: string | null = null
      const respond = async (): Promise<Response> => {
        const token = tokenOf(c.req.header("Authorization"))
        const outcome = await run(
          Effect.gen(function* () {
            let user = null
            if (token === null) {
              if (route.access !== "public")
                return yield* unauthorized("the Authorization header must be: Token <token>")
            } else if (token !== "") {
              const authenticator = yield* Authenticator
              const found = yield* authenticator.authenticate(token)
              if (Option.isNone(found) && route.access !== "public") {
                return yield* unauthorized("the token is not valid or has expired: sign in again")
              }
              user = Option.getOrNull(found)
            }
            actorId = user?.id ?? null
            if (user === null && route.access !== "public") return yield* unauthorized()
            if (!accessAllows(route.access, user?.role ?? null)) return yield* forbidden()
            const params = route.params ? yield* decode(route.params, c.req.param(), "path") : c.req.param()
            const query = route.query ? yield* decode(route.query, queryObject(new URL(c.req.url)), "query") : {}
            let body: unknown
            if (route.body !== undefined && route.body !== "multipart") {
              body = yield* decode(route.body, yield* readJson(c.req.raw, maxJson), "body")
            }
            const context: RequestContext = {
              user,
              token: token === "" || token === null ? null : token,
              params,
              query,
              body,
              request: c.req.raw,
              ip: clientAddress(c, options.trustedProxies),
              requestId,
              audit: note,
            }
            return yield* route.handler(context)
          }),
        )
        if (Exit.isSuccess(outcome)) {
          const reply = outcome.value
          if (reply instanceof Response) return reply
          return json(reply.status ?? 200, reply.json, reply.headers ?? {})
        }
        // interrupted: the server is stopping (or the request was abandoned); nothing went wrong
        if (Cause.hasInterruptsOnly(outcome.cause)) {
          return errorResponse(
            new ApiError({ status: 503, code: "unavailable", message: "the server is stopping; try again" }),
            requestId,
          )
        }
        const failure = Cause.squash(outcome.cause)
        if (failure instanceof ApiError) return errorResponse(failure, requestId)
        await logError(`[${requestId}] ${route.method} ${route.path}: ${Cause.pretty(outcome.cause)}`)
        if (failure instanceof StoreError) {
          return errorResponse(
            new ApiError({ status: 503, code: "unavailable", message: "the database could not be reached; try again" }),
            requestId,
          )
        }
        return errorResponse(
          new ApiError({ status: 500, code: "internal", message: "something went wrong on the server" }),
          requestId,
        )
      }
      const response = await respond()
      response.headers.set("X-Request-Id", requestId)
      if (STATE_CHANGING.has(route.method)) await audit(c, route, response.status, actorId, note, requestId)
      return response
    })
  }

  const document = openApiDocument(routes, options.info)
  app.get("/api/openapi.json", (c) => c.json(document))
  app.get("/api/docs/", (c) => {
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    return c.html(referencePage(document))
  })

  if (options.webApp) serveWebApp(app, options.webDir)

  app.notFound((c) =>
    json(404, {
      error: `no route ${c.req.method} ${new URL(c.req.url).pathname}`,
      code: "not_found",
      request_id: c.get("requestId"),
    }),
  )
  app.onError(async (error, c) => {
    const requestId = c.get("requestId") ?? randomUUID()
    await logError(`[${requestId}] ${c.req.method} ${new URL(c.req.url).pathname}: ${error.stack ?? error.message}`)
    return errorResponse(
      new ApiError({ status: 500, code: "internal", message: "something went wrong on the server" }),
      requestId,
    )
  })
  return app
}
