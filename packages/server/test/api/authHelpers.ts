/**
 * Helpers of the auth tests: the server with a real SMTP server beside it, the codes read
 * from the mail it received, accounts made through the API, and requests from another
 * loopback address (the sign-in limits count per client address).
 */
import { request } from "node:http"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { startSmtpServer, type TestSmtpServer } from "../../../mailer-smtp/test/smtpTestServer.js"
import { type Backend, startApi, type TestApi } from "./harness.js"

export interface AuthTestApi extends TestApi {
  readonly smtp: TestSmtpServer
  /** runs SQL on the server's database */
  readonly sql: <A extends object = Record<string, unknown>>(
    build: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>,
  ) => Promise<ReadonlyArray<A>>
}

export const startAuthApi = async (backend: Backend, env: Record<string, string> = {}): Promise<AuthTestApi> => {
  const smtp = await startSmtpServer()
  const api = await startApi(backend, { env: { EMAIL_HOST: "127.0.0.1", EMAIL_PORT: String(smtp.port), ...env } })
  return {
    ...api,
    smtp,
    sql: (build) =>
      api.server.run(
        Effect.gen(function* () {
          return yield* build(yield* SqlClient.SqlClient)
        }),
      ),
    close: async () => {
      await api.close()
      await smtp.close()
    },
  }
}

/** The messages sent to `email` so far. */
export const mailsTo = (api: AuthTestApi, email: string) =>
  api.smtp.received.filter((mail) => mail.rcptTo.includes(email))

/** Waits until `email` has received `count` messages (the codes are mailed after the answer). */
export const waitForMails = async (api: AuthTestApi, email: string, count: number, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs
  while (mailsTo(api, email).length < count) {
    if (Date.now() > until) throw new Error(`${email} received ${mailsTo(api, email).length} of ${count} messages`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return mailsTo(api, email)
}

/**
 * Waits until the code deliveries asked for so far have run their course, so a test can say
 * that one of them sent nothing: asks for a code for a fresh account that gets one (through the
 * same route, so the same path: an answer first, the delivery after it) and waits for that
 * mail. The earlier deliveries started before it and stop at their first check, so they are
 * done by then; a fixed sleep would only guess.
 */
export const settleMail = async (api: AuthTestApi, adminToken: string) => {
  const email = freshEmail("sentinel")
  const made = await api.call("/api/users/", { method: "POST", token: adminToken, json: { email, role: "user" } })
  if (made.status !== 201) throw new Error(`the sentinel account was refused: ${made.status}`)
  const asked = await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
  if (asked.status !== 202) throw new Error(`the sentinel's code was refused: ${asked.status}`)
  await waitForMails(api, email, 1)
}

/** The code of the `count`th message to `email`. */
export const codeFromMail = async (api: AuthTestApi, email: string, count: number): Promise<string> => {
  const mails = await waitForMails(api, email, count)
  const match = /\b(\d{6})\b/.exec(mails[count - 1]!.body)
  if (!match) throw new Error(`no code in the message to ${email}`)
  return match[1]!
}

/** Forgets the counted failures, so each test starts with none. */
export const resetRateLimits = (api: AuthTestApi) => api.sql((sql) => sql`DELETE FROM auth_failures`)

let people = 0
/** A fresh email on the test domain. */
export const freshEmail = (prefix = "person") => `${prefix}${++people}-${Date.now() % 100000}@school.test`

/** A POST from the loopback address `localAddress` (127.0.0.2...), as another client. */
export const postFrom = (
  api: AuthTestApi,
  localAddress: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the answer's fields
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, api.url)
    const text = JSON.stringify(body)
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress,
        headers: { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) },
      },
      (res) => {
        let data = ""
        res.setEncoding("utf8").on("data", (chunk) => (data += chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(data) }))
      },
    )
    req.on("error", reject)
    req.end(text)
  })
