/**
 * The one place the app talks to the BatchOps API: the token, the base address
 * (`VITE_API_BASE_URL` when the app is served apart from the host), typed JSON calls (`client`,
 * from the OpenAPI document's types in `schema.d.ts`), upload progress, server-sent events, and
 * errors turned into words a person understands.
 */
import createClient from "openapi-fetch"
import { session, signOut } from "../state/session"
import type { paths } from "./schema"

export const API_BASE = String(import.meta.env.VITE_API_BASE_URL ?? "").replace(/\/+$/, "")

/** A field the server refused, with why (`path` is the field's name, e.g. `email`). */
export interface FieldProblem {
  readonly path: string
  readonly message: string
}

/** The server said no (or could not be reached): `message` is for people. */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly fields: ReadonlyArray<FieldProblem> = [],
  ) {
    super(message)
    this.name = "ApiProblem"
  }

  /** the problem with one field, if the server named it */
  field(name: string): string | undefined {
    return this.fields.find((problem) => problem.path === name || problem.path.startsWith(`${name}.`))?.message
  }
}

const FALLBACK: Readonly<Record<number, string>> = {
  400: "The request was not accepted.",
  401: "Your session has ended. Please sign in again.",
  403: "Your role does not allow this.",
  404: "That was not found. It may have been deleted.",
  409: "That conflicts with something that already exists.",
  413: "That file is too large.",
  429: "Too many attempts. Please wait a moment and try again.",
}

/** Why an answer of `status` with `body` failed, in words (the server's own message when it gave one). */
const problemFrom = (status: number, answer: unknown): ApiProblem => {
  const body = (typeof answer === "object" && answer !== null ? answer : {}) as {
    error?: unknown
    code?: unknown
    fields?: unknown
  }
  const fields = Array.isArray(body.fields) ? (body.fields as Array<FieldProblem>) : []
  const message =
    typeof body.error === "string" && body.error !== ""
      ? body.error
      : (FALLBACK[status] ?? `The server could not do this (status ${status}).`)
  return new ApiProblem(message, status, typeof body.code === "string" ? body.code : "error", fields)
}

/** Why a failed answer failed, in words (the server's own message when it gave one). */
export const problemOf = async (response: Response): Promise<ApiProblem> => {
  let body: unknown = {}
  try {
    body = await response.json()
  } catch {
    // not JSON: fall back to the status
  }
  return problemFrom(response.status, body)
}

const offline = () =>
  new ApiProblem("BatchOps cannot be reached. Check your connection and try again.", 0, "unreachable")

type Query = Readonly<Record<string, string | number | boolean | undefined | null>>

/** `path` with its query (empty values left out), against the API base. */
const apiUrl = (path: string, query?: Query): string => {
  const search = queryString(query)
  return `${API_BASE}${path}${search === "" ? "" : `${path.includes("?") ? "&" : "?"}${search}`}`
}

const queryString = (query: Query | undefined): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value))
  }
  return params.toString()
}

/** What every call carries: JSON answers, and the token when someone is signed in. */
const headers = (): Record<string, string> => {
  const out: Record<string, string> = { Accept: "application/json" }
  const token = session.value?.token
  if (token) out.Authorization = `Token ${token}`
  return out
}

/**
 * A call as `client` builds it, kept as its address and options so that it leaves as
 * `fetch(url, init)`: relative to the page, with the token of the moment it is sent.
 */
class OutgoingCall {
  readonly method: string
  constructor(
    readonly url: string,
    readonly init: RequestInit,
  ) {
    this.method = init.method ?? "GET"
  }
}

const send = async (call: OutgoingCall): Promise<Response> => {
  const outgoing = new Headers(call.init.headers)
  for (const [name, value] of Object.entries(headers())) outgoing.set(name, value)
  try {
    return await fetch(call.url, { ...call.init, headers: outgoing })
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error
    throw offline()
  }
}

/**
 * The API, typed by its OpenAPI document: `client.GET("/api/incidents/{id}/", {params: {path:
 * {id}}})`. Pass each call to `answerOf` for its answer or its refusal as an `ApiProblem`.
 */
export const client = createClient<paths>({
  baseUrl: API_BASE,
  Request: OutgoingCall as unknown as typeof Request,
  fetch: send as unknown as typeof fetch,
  querySerializer: (query) => queryString(query as Query),
})

/** Resolves to a typed call's answer (undefined for 204), rejects with an `ApiProblem`. */
export const answerOf = async <
  R extends { readonly data?: unknown; readonly error?: unknown; readonly response: Response },
>(
  call: Promise<R>,
): Promise<Exclude<R["data"], undefined>> => {
  const { data, error, response } = await call
  if (!response.ok) {
    // a token the server no longer knows: sign out, the app shows the sign-in page
    if (response.status === 401 && session.value) signOut()
    throw problemFrom(response.status, error)
  }
  return data as Exclude<R["data"], undefined>
}

/** A page of a list, as every list route answers. */
export interface Page<T> {
  readonly count: number
  readonly next: string | null
  readonly previous: string | null
  readonly results: ReadonlyArray<T>
}

/**
 * Sends a multipart form with upload progress (0..1), which `fetch` cannot report. Resolves to
 * the JSON answer, rejects with an `ApiProblem`.
 */
export const sendWithProgress = <T = unknown>(
  path: string,
  form: FormData,
  onProgress: (share: number) => void,
  signal?: AbortSignal,
): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open("POST", apiUrl(path))
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value)
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    }
    request.onerror = () => reject(offline())
    request.onabort = () => reject(new DOMException("aborted", "AbortError"))
    request.onload = () => {
      const response = new Response(request.status === 204 ? null : request.responseText, {
        status: request.status,
        headers: { "Content-Type": request.getResponseHeader("Content-Type") ?? "" },
      })
      if (request.status >= 200 && request.status < 300) {
        onProgress(1)
        resolve((request.responseText === "" ? undefined : JSON.parse(request.responseText)) as T)
      } else {
        if (request.status === 401 && session.value) signOut()
        void problemOf(response).then(reject)
      }
    }
    signal?.addEventListener("abort", () => request.abort(), { once: true })
    request.send(form)
  })

export interface ServerEvent {
  readonly event: string
  readonly data: unknown
}

/**
 * Follows a server-sent event stream (with the token, which `EventSource` cannot send) until
 * it ends or `signal` aborts. Each event's data is parsed as JSON when it is JSON.
 */
export const followEvents = async (
  path: string,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
): Promise<void> => {
  let response: Response
  try {
    response = await fetch(apiUrl(path), { headers: { ...headers(), Accept: "text/event-stream" }, signal })
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") return
    throw offline()
  }
  if (!response.ok || !response.body) throw await problemOf(response)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      buffer += value
      let end = buffer.indexOf("\n\n")
      while (end !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = "message"
        const data: Array<string> = []
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim()
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""))
        }
        if (data.length > 0) {
          const text = data.join("\n")
          let parsed: unknown = text
          try {
            parsed = JSON.parse(text)
          } catch {
            // plain text data
          }
          onEvent({ event, data: parsed })
        }
        end = buffer.indexOf("\n\n")
      }
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") return
    throw error
  }
}

/** Downloads an API file (a report) with the token, saving it under `fileName`. */
export const download = async (path: string, fileName: string): Promise<void> => {
  let response: Response
  try {
    response = await fetch(apiUrl(path), { headers: headers() })
  } catch {
    throw offline()
  }
  if (!response.ok) throw await problemOf(response)
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement("a")
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

type JsonOf<T> = T extends { readonly content: { readonly "application/json": infer J } } ? J : never

/** The JSON body `method` on `path` takes, as the OpenAPI document says. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  readonly requestBody?: infer R
}
  ? JsonOf<NonNullable<R>>
  : never
