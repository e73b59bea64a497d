/**
 * The API's building blocks: a route is a plain value (method, path, who may call it, the
 * schemas of its path parameters, query and body, and an Effect handler). One table of routes
 * builds the Hono app (App.ts), the OpenAPI document (OpenApi.ts) and the role-matrix test,
 * so a route cannot exist without its access rule and its documentation.
 *
 * JSON is snake_case on the wire: request schemas are written in snake_case, and each resource
 * has one schema ({@link snakeJson}) whose decoded side is the record and whose encoded side
 * is its JSON, so its encoder (`Schema.encodeSync`) and its OpenAPI description come from the
 * same declaration. Keys are renamed one level at a time, never by converting deeply: user
 * data such as a plan's records keeps its own keys.
 */
import type { FieldProblem, Models, StoreError } from "@batchops/core"
import { type Effect, Schema } from "effect"

/**
 * Who may call a route: `public` (no token), `user` (any signed-in account), `manager`
 * (admins and moderators: the seed's "manage issues"), `admin` (admins only: accounts,
 * schedules, audit).
 */
export type Access = "public" | "user" | "manager" | "admin"

export const accessAllows = (access: Access, role: Models.Role | null): boolean => {
  switch (access) {
    case "public":
      return true
    case "user":
      return role !== null
    case "manager":
      return role === "admin" || role === "moderator"
    case "admin":
      return role === "admin"
  }
}

/** One field of a request that was not valid: its path (`process_config.rules.0.column`) and why (core's). */
export type { FieldProblem }

/**
 * An answer other than success, with the HTTP status and a stable `code` clients can act
 * on. `message` is for people; `fields` names what was wrong in the request.
 */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  status: Schema.Number,
  code: Schema.String,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))),
  /** extra headers of the answer (Retry-After of a 429) */
  headers: Schema.optional(Schema.Record(Schema.String, Schema.String)),
}) {}

export const badRequest = (message: string, fields?: ReadonlyArray<FieldProblem>) =>
  new ApiError({ status: 400, code: "invalid_request", message, ...(fields ? { fields: [...fields] } : {}) })
export const unauthorized = (message = "sign in first: send Authorization: Token <token>") =>
  new ApiError({ status: 401, code: "not_authenticated", message })
export const forbidden = (message = "your role does not allow this") =>
  new ApiError({ status: 403, code: "forbidden", message })
export const notFound = (message: string) => new ApiError({ status: 404, code: "not_found", message })
export const conflict = (message: string) => new ApiError({ status: 409, code: "conflict", message })
export const tooLarge = (message: string) => new ApiError({ status: 413, code: "too_large", message })
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new ApiError({
    status: 429,
    code: "rate_limited",
    message,
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  })

/**
 * What a handler may fail with: an `ApiError` answers with its status, a `StoreError` (the
 * database could not be reached) with a 503. Any other failure is a bug answered as a 500, so a
 * handler maps the errors it can expect to one of these where they are raised.
 */
export type RouteError = ApiError | StoreError

/** What a handler receives. */
export interface RequestContext<P = unknown, Q = unknown, B = unknown> {
  /** the signed-in account; null only on `public` routes called without a token */
  readonly user: Models.User | null
  /** the token the request was signed in with (to sign out), null without one */
  readonly token: string | null
  readonly params: P
  readonly query: Q
  readonly body: B
  /** the raw request (multipart bodies, headers) */
  readonly request: Request
  /** the caller's address, for rate limits and the audit log */
  readonly ip: string
  readonly requestId: string
  /** what the audit log says this request changed: set by handlers of state-changing routes */
  readonly audit: AuditNote
}

/** The signed-in caller's id: the actor of what they do (null for an anonymous caller). */
export const actorOf = (ctx: RequestContext) => ctx.user?.id ?? null

/** Filled in by a handler: which record a state-changing request acted on. */
export interface AuditNote {
  recordType: string | undefined
  recordId: string | undefined
  /** a short fact (never student data, codes or tokens) */
  detail: string | undefined
  /** the account acting, when the request signed someone in (login has no user before) */
  actorId: string | undefined
}

/** A JSON answer; `status` defaults to 200. */
export interface JsonReply {
  readonly status?: number
  readonly json: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** A handler answers JSON, or a ready Response (downloads, server-sent events). */
export type Reply = JsonReply | Response

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of every parameter, query, body and service type
export interface RouteDef<P = any, Q = any, B = any, R = any> {
  readonly method: Method
  /** Hono syntax with the seed's trailing slashes: `/api/uploads/:id/retry/` */
  readonly path: string
  readonly summary: string
  /** the OpenAPI tag: the area (Auth, Uploads, Incidents...) */
  readonly tag: string
  readonly access: Access
  // biome-ignore lint/suspicious/noExplicitAny: what a schema decodes from is its own business
  readonly params?: Schema.Codec<P, any> | undefined
  // biome-ignore lint/suspicious/noExplicitAny: what a schema decodes from is its own business
  readonly query?: Schema.Codec<Q, any> | undefined
  /** a JSON body schema, or "multipart" (the handler reads `request.formData()`) */
  // biome-ignore lint/suspicious/noExplicitAny: what a schema decodes from is its own business
  readonly body?: Schema.Codec<B, any> | "multipart" | undefined
  /** the success answer's schema, for the OpenAPI document */
  readonly response?: Schema.Top | undefined
  /** the success status (default 200), for the OpenAPI document */
  readonly status?: number | undefined
  /** what the success answer is when not JSON (a download, an event stream) */
  readonly produces?: ReadonlyArray<string> | undefined
  readonly handler: (context: RequestContext<P, Q, B>) => Effect.Effect<Reply, RouteError, R>
}

/** Declare a route with its types inferred from its schemas. */
export const defineRoute = <P = Record<string, never>, Q = Record<string, never>, B = undefined, R = never>(
  route: RouteDef<P, Q, B, R>,
): RouteDef<P, Q, B, R> => route

/** The pagination query every list takes: `page` (from 1) and `page_size` (1..200, default 50). */
export const PageQuery = Schema.Struct({
  page: Schema.optional(Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))),
  page_size: Schema.optional(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 200 })),
  ),
})

export const DEFAULT_PAGE_SIZE = 50

/** A page of a list, as the seed's clients expect it. */
export interface Page<A> {
  readonly count: number
  readonly next: string | null
  readonly previous: string | null
  readonly results: ReadonlyArray<A>
}

/** The page's bounds from the query: `limit` and `offset` for SQL. */
export const pageBounds = (query: { readonly page?: number | undefined; readonly page_size?: number | undefined }) => {
  const page = query.page ?? 1
  const size = query.page_size ?? DEFAULT_PAGE_SIZE
  return { page, size, limit: size, offset: (page - 1) * size }
}

/** `{count, next, previous, results}`, with next/previous as the request's URL at the other pages. */
export const paginated = <A>(
  request: Request,
  bounds: { readonly page: number; readonly size: number },
  count: number,
  results: ReadonlyArray<A>,
): Page<A> => {
  const at = (page: number) => {
    const url = new URL(request.url)
    url.searchParams.set("page", String(page))
    url.searchParams.set("page_size", String(bounds.size))
    return `${url.pathname}${url.search}`
  }
  return {
    count,
    next: bounds.page * bounds.size < count ? at(bounds.page + 1) : null,
    previous: bounds.page > 1 ? at(bounds.page - 1) : null,
    results,
  }
}

/** The schema of a page of `item`, for the OpenAPI document. */
export const PageOf = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    count: Schema.Number,
    next: Schema.NullOr(Schema.String),
    previous: Schema.NullOr(Schema.String),
    results: Schema.Array(item),
  })

/** `emailVerified` -> `email_verified`, as a type. */
export type SnakeCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${C extends Lowercase<C> ? C : `_${Lowercase<C>}`}${SnakeCase<Rest>}`
  : S

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * A resource's JSON from one declaration: a struct of the record's fields (camelCase, as the
 * record has them) whose encoded side names them in snake_case. Encoding keeps only the
 * declared fields, so what is not declared (a password hash) never reaches the wire.
 */
export const snakeJson = <const F extends Schema.Struct.Fields>(fields: F) => {
  const keys = Object.fromEntries(Object.keys(fields).map((key) => [key, snakeCase(key)]))
  return Schema.Struct(fields).pipe(
    Schema.encodeKeys(keys as { readonly [K in keyof F]: K extends string ? SnakeCase<K> : K }),
  )
}

/**
 * A resource's encoder, derived from its schema: one argument, so it can be handed to `map`
 * (which would pass an index where `Schema.encodeSync`'s encoder takes its options).
 */
export const encoderOf = <T, E>(schema: Schema.Codec<T, E>): ((value: T) => E) => {
  const encode = Schema.encodeSync(schema)
  return (value) => encode(value)
}

/** An account's fields as the API shows them (never its password hash). */
export const userFields = {
  id: Schema.String,
  username: Schema.String,
  email: Schema.String,
  role: Schema.Literals(["admin", "moderator", "user"]),
  emailVerified: Schema.Boolean,
  isActive: Schema.Boolean,
  createdAt: Schema.String,
}

export const UserJson = snakeJson(userFields)
export const userJson = encoderOf(UserJson)

/** The error body every failure answers with. */
export const ErrorJson = Schema.Struct({
  error: Schema.String,
  code: Schema.String,
  fields: Schema.optional(Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))),
  request_id: Schema.String,
})
