/**
 * Reading a request body within a limit, the one way every route reads one (JSON bodies in
 * App.ts, multipart uploads in uploads/Intake.ts): refused from its Content-Length before any
 * byte is read, and while it streams the moment its bytes pass the limit, chunked or not; the
 * rest is never read. It runs inside the route, after its access rule, so a caller without
 * the right account never has its body read at all, and the refusal is the API's JSON error
 * with a request id and an audit entry (Hono's `bodyLimit` answers before both).
 */

import { readAtMost } from "@batchops/core"
import { Effect } from "effect"
import { ApiError, badRequest, tooLarge } from "./Api.js"

/** The largest JSON body a route accepts unless the app is told otherwise: 1 MiB. */
export const DEFAULT_MAX_JSON_BYTES = 1_048_576

/** "50 MB", "2 KB", "900 bytes": a limit as people read it. */
export const humanBytes = (bytes: number): string => {
  if (bytes >= 1_048_576) return `${Number((bytes / 1_048_576).toFixed(1))} MB`
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`
  return `${bytes} bytes`
}

/** The refusal of a JSON body over `limit` bytes. */
export const jsonTooLarge = (limit: number) =>
  tooLarge(`the body is larger than ${humanBytes(limit)} (${limit} bytes): send a smaller JSON body`)

/**
 * The body's bytes, at most `limit` of them; more is the `refusal` (a 413). An empty body is
 * an empty array.
 */
export const readBody = (
  request: Request,
  limit: number,
  refusal: () => ApiError,
): Effect.Effect<Uint8Array, ApiError> =>
  Effect.tryPromise({
    try: async () => {
      const declared = request.headers.get("content-length")
      if (declared !== null && Number(declared) > limit) throw refusal()
      const body = await readAtMost(request.body, limit)
      if (body === undefined) throw refusal()
      return body
    },
    catch: (cause) => (cause instanceof ApiError ? cause : badRequest("the request body could not be read")),
  })
