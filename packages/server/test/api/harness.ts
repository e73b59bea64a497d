/**
 * The real server for API tests: `startServer` on a free loopback port, over embedded PGlite
 * (a fresh data folder) or real Postgres (a fresh database), called over HTTP with fetch.
 * Accounts are made through the repositories and signed in with real tokens.
 */
import { mkdtempSync, rmSync } from "node:fs"
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
