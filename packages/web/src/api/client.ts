/**
 * The one place the app talks to the BatchOps API: the token, the base address
 * (`VITE_API_BASE_URL` when the app is served apart from the host), JSON in and out, upload
 * progress, server-sent events, and errors turned into words a person understands.
 */
import { session, signOut } from "../state/session"

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

/** Why a failed answer failed, in words (the server's own message when it gave one). */
export const problemOf = async (response: Response): Promise<ApiProblem> => {
  let body: { error?: unknown; code?: unknown; fields?: unknown } = {}
  try {
    body = await response.json()
  } catch {
    // not JSON: fall back to the status
  }
  const fields = Array.isArray(body.fields) ? (body.fields as Array<FieldProblem>) : []
  const message =
    typeof body.error === "string" && body.error !== ""
      ? body.error
      : (FALLBACK[response.status] ?? `The server could not do this (status ${response.status}).`)
  return new ApiProblem(message, response.status, typeof body.code === "string" ? body.code : "error", fields)
}

const offline = () =>
  new ApiProblem("BatchOps cannot be reached. Check your connection and try again.", 0, "unreachable")

export interface RequestOptions {
  readonly method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE"
  /** a JSON body */
  readonly json?: unknown
  /** a multipart body */
  readonly form?: FormData
  readonly query?: Readonly<Record<string, string | number | boolean | undefined | null>>
  readonly signal?: AbortSignal
}

/** `path` with its query (empty values left out), against the API base. */
export const apiUrl = (path: string, query?: RequestOptions["query"]): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value))
  }
  const search = params.toString()
  return `${API_BASE}${path}${search === "" ? "" : `${path.includes("?") ? "&" : "?"}${search}`}`
}

const headers = (json: boolean): Record<string, string> => {
  const out: Record<string, string> = { Accept: "application/json" }
  const token = session.value?.token
  if (token) out.Authorization = `Token ${token}`
  if (json) out["Content-Type"] = "application/json"
  return out
}

/** Calls the API; resolves to the JSON answer (undefined for 204), rejects with an `ApiProblem`. */
export const api = async <T = unknown>(path: string, options: RequestOptions = {}): Promise<T> => {
  let response: Response
  try {
    response = await fetch(apiUrl(path, options.query), {
      method: options.method ?? (options.json !== undefined || options.form ? "POST" : "GET"),
      headers: headers(options.json !== undefined),
      body: options.form ?? (options.json === undefined ? undefined : JSON.stringify(options.json)),
      signal: options.signal ?? null,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error
    throw offline()
  }
  if (!response.ok) {
    const problem = await problemOf(response)
    // a token the server no longer knows: sign out, the app shows the sign-in page
    if (response.status === 401 && session.value) signOut()
    throw problem
  }
  if (response.status === 204) return undefined as T
  const type = response.headers.get("Content-Type") ?? ""
  return (type.includes("json") ? await response.json() : await response.text()) as T
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
    for (const [name, value] of Object.entries(headers(false))) request.setRequestHeader(name, value)
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
    response = await fetch(apiUrl(path), { headers: { ...headers(false), Accept: "text/event-stream" }, signal })
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
    response = await fetch(apiUrl(path), { headers: headers(false) })
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
