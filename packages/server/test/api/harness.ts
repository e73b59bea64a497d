/**
 * The real server for API tests: `startServer` on a free loopback port, over embedded PGlite
 * (a fresh data folder) or real Postgres (a fresh database), called over HTTP with fetch.
 * Accounts are made through the repositories and signed in with real tokens.
 */
import { mkdtempSync, rmSync } from "node:fs"
import http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Models, TokensRepo, UsersRepo } from "@batchops/core"
import { Effect } from "effect"
import { createDatabase, dropDatabase } from "../../../../test/support/postgres.js"
import { type RunningServer, startServer } from "../../src/api/Server.js"

export type Backend = "pglite" | "postgres"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** the parsed body when it is JSON */
  // biome-ignore lint/suspicious/noExplicitAny: tests read the answers of many shapes
  readonly json: any
}

export interface CallOptions {
  readonly method?: string
  readonly token?: string | undefined
  /** sent as JSON */
  readonly json?: unknown
  /** sent as is (multipart FormData, raw text) */
  readonly body?: RequestInit["body"]
  readonly headers?: Record<string, string>
}

export interface TestApi {
  readonly server: RunningServer
  readonly url: string
  readonly dataDir: string
  readonly call: (path: string, options?: CallOptions) => Promise<Reply>
  /** a verified, active account of `role` with a token (`username` defaults to role + a counter) */
  readonly account: (role: Models.Role, username?: string) => Promise<{ user: Models.User; token: string }>
  readonly close: () => Promise<void>
}

export interface StartOptions {
  /** run the upload worker and the mail sender in the server (default false: tests drive them) */
  readonly worker?: boolean
  /** more environment (EMAIL_HOST, BATCHOPS_MAX_UPLOAD_BYTES...) */
  readonly env?: Record<string, string>
}

let accounts = 0

export const startApi = async (backend: Backend, options: StartOptions = {}): Promise<TestApi> => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-api-"))
  const database = backend === "postgres" ? await createDatabase("api") : undefined
  const env: Record<string, string> = {
    BATCHOPS_DATA_DIR: dataDir,
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...options.env,
  }
  const server = await startServer({ env, port: 0, host: "127.0.0.1", worker: options.worker ?? false })
  const call = async (path: string, init: CallOptions = {}): Promise<Reply> => {
    const headers = new Headers(init.headers)
    if (init.token) headers.set("Authorization", `Token ${init.token}`)
    let body = init.body
    if (init.json !== undefined) {
      headers.set("Content-Type", "application/json")
      body = JSON.stringify(init.json)
    }
    const response = await fetch(`${server.url}${path}`, { method: init.method ?? "GET", headers, body })
    const text = await response.text()
    let json: unknown
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, headers: response.headers, text, json }
  }
  const account = (role: Models.Role, username?: string) =>
    server.run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        const tokens = yield* TokensRepo
        const name = username ?? `${role}${++accounts}`
        const user = yield* users.insert({ username: name, email: `${name}@school.test`, role, emailVerified: true })
        const issued = yield* tokens.issue(user.id, 3_600_000)
        return { user, token: issued.token }
      }),
    )
  return {
    server,
    url: server.url,
    dataDir,
    call,
    account,
    close: async () => {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
      if (database) await dropDatabase(database.name)
    },
  }
}

export interface StreamedPost {
  /** sent as `Authorization: Token <token>` */
  readonly token?: string | undefined
  readonly contentType: string
  /** declared and nothing sent (the refusal must come from the header alone); absent: chunked */
  readonly contentLength?: number | undefined
  /** the body: `head`, then `chunk` `chunks` times, then `tail` (never held whole in memory) */
  readonly head?: string | undefined
  readonly chunk?: Buffer | undefined
  readonly chunks?: number | undefined
  readonly tail?: string | undefined
}

/**
 * POSTs a body with node:http, as fast as the server reads it, stopping at its answer: with
 * a declared Content-Length and no body, or without one (chunked). `written` is how many
 * bytes went out before the answer came.
 */
export const streamPost = (
  base: string,
  path: string,
  options: StreamedPost,
): Promise<{ status: number; body: string; written: number }> =>
  new Promise((resolve, reject) => {
    let written = 0
    let answered = false
    // a connection of its own: the server may close it after refusing the body
    const request = http.request(new URL(path, base), {
      agent: false,
      method: "POST",
      headers: {
        ...(options.token === undefined ? {} : { Authorization: `Token ${options.token}` }),
        "Content-Type": options.contentType,
        ...(options.contentLength === undefined ? {} : { "Content-Length": String(options.contentLength) }),
      },
    })
    request.on("response", (response) => {
      answered = true
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk) => (body += chunk))
      response.on("end", () => {
        request.destroy()
        resolve({ status: response.statusCode ?? 0, body, written })
      })
    })
    request.on("error", (error) => {
      if (!answered) reject(error)
    })
    if (options.contentLength !== undefined) {
      request.flushHeaders()
      return
    }
    const chunks = options.chunks ?? 0
    let sent = 0
    const send = (data: Buffer) => {
      written += data.byteLength
      return request.write(data)
    }
    if (options.head !== undefined) send(Buffer.from(options.head))
    const pump = () => {
      while (!answered && sent < chunks && options.chunk !== undefined) {
        sent++
        if (!send(options.chunk)) {
          request.once("drain", pump)
          return
        }
      }
      if (!answered) request.end(options.tail ?? "")
    }
    pump()
  })
