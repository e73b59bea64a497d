/**
 * Sign-in limits that cannot lock out a school, over HTTP on both databases: failures slow
 * down only the (account, address) pair that made them, the client address comes from
 * `X-Forwarded-For` only behind a trusted proxy, codes have a daily cap and 5 wrong guesses
 * per account in all, common passwords are refused, one's own password is changed with the
 * current one, and tokens stop working when left unused.
 */
import { hashToken } from "@batchops/store-sql"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import {
  type AuthTestApi,
  codeFromMail,
  freshEmail,
  mailsTo,
  postFrom,
  resetRateLimits,
  settleMail,
  startAuthApi,
  waitForMails,
} from "./authHelpers.js"
import type { Backend } from "./harness.js"

const PASSWORD = "staff room kettle 42"

describe.each<Backend>(["pglite", "postgres"])("sign-in limits on %s", (backend) => {
  let api: AuthTestApi
  let admin: { token: string }

  beforeAll(async () => {
    // 127.0.0.1 is the school's proxy; 127.0.0.2 and up are clients that reach the server directly
    api = await startAuthApi(backend, { BATCHOPS_TRUSTED_PROXIES: "127.0.0.1" })
    admin = await api.account("admin")
  }, 60_000)
  afterAll(() => api?.close())
  beforeEach(() => resetRateLimits(api))

  /** A verified account with a password, made by the admin. */
  const newAccount = async (role: "user" | "moderator" | "admin" = "user") => {
    const email = freshEmail(role)
    const made = await api.call("/api/users/", {
      method: "POST",
      token: admin.token,
      json: { email, role, password: PASSWORD },
    })
    expect(made.status).toBe(201)
    await api.sql((sql) => sql`UPDATE users SET email_verified = true WHERE id = ${made.json.id}`)
    return { email, id: made.json.id as string }
  }

  const loginFrom = (address: string, email: string, password: string, headers: Record<string, string> = {}) =>
    postFrom(api, address, "/api/auth/login/", { email, password }, headers)

  /** Ends the current wait of every pair, as if its time had passed. */
  const endWaits = () => api.sql((sql) => sql`UPDATE auth_failures SET wait_until = now()`)
  /** Makes the pairs that wait wait an hour, so a slow machine cannot see a wait end before it asks. */
  const holdWaits = () =>
    api.sql((sql) => sql`UPDATE auth_failures SET wait_until = now() + interval '1 hour' WHERE failures >= 5`)
  /** The wait, in whole seconds, the pair's last failure imposed on it. */
  const waitAfterLastFailure = async (email: string, address: string) => {
    const rows = await api.sql<{ seconds: number }>(
      (sql) => sql`SELECT round(greatest(0, extract(epoch FROM (wait_until - last_failure_at))))::int AS seconds
        FROM auth_failures WHERE key = ${`login:${email}:${address}`}`,
    )
    return rows[0]?.seconds
  }

  it("does not lock the staff out: 51 failures from one address, and the others there still sign in", async () => {
    const head = await newAccount("admin")
    const moderator = await newAccount("moderator")
    // in rounds of a few at once, as a script would
    for (let round = 0; round < 51; round += 17) {
      const tries = Array.from({ length: 17 }, () => loginFrom("127.0.0.2", freshEmail("guess"), "not the password"))
      for (const answer of await Promise.all(tries)) expect(answer.status).toBe(401)
    }
    expect((await loginFrom("127.0.0.2", head.email, PASSWORD)).status).toBe(200)
    expect((await loginFrom("127.0.0.2", moderator.email, PASSWORD)).status).toBe(200)
  })

  it("slows down only the failing pair, with growing delays, and a success clears it", async () => {
    const { email } = await newAccount("user")
    const wrong = () => loginFrom("127.0.0.3", email, "not the password")
    for (let i = 0; i < 4; i++) expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(0)
    expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(1)
    await holdWaits()
    const waiting = await loginFrom("127.0.0.3", email, PASSWORD)
    expect(waiting.status).toBe(429)
    expect(waiting.json.code).toBe("rate_limited")
    expect(waiting.json.error).toMatch(/wait \d+ seconds and try again/)
    expect(Number(waiting.headers["retry-after"])).toBeGreaterThan(3500)
    expect(Number(waiting.headers["retry-after"])).toBeLessThanOrEqual(3600)
    // the owner, from their own address, and another account from the attacker's address sign in
    expect((await loginFrom("127.0.0.4", email, PASSWORD)).status).toBe(200)
    const other = await newAccount("user")
    expect((await loginFrom("127.0.0.3", other.email, PASSWORD)).status).toBe(200)

    // each further failure doubles the wait
    await endWaits()
    expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(2)
    await endWaits()
    expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(4)
    // up to the cap of 15 minutes
    await api.sql((sql) => sql`UPDATE auth_failures SET failures = 40, wait_until = now()`)
    expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(900)

    // once the wait is over, the right password signs in and the pair starts again
    await endWaits()
    expect((await loginFrom("127.0.0.3", email, PASSWORD)).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await wrong()).status).toBe(401)
    expect(await waitAfterLastFailure(email, "127.0.0.3")).toBe(0)
  })

  it("takes the client from X-Forwarded-For only behind a trusted proxy, right-most first", async () => {
    const { email } = await newAccount("user")
    const via = (client: string) => ({ "X-Forwarded-For": client })
    for (let i = 0; i < 5; i++) {
      expect((await loginFrom("127.0.0.1", email, "not the password", via("198.51.100.7"))).status).toBe(401)
    }
    await holdWaits()
    expect((await loginFrom("127.0.0.1", email, PASSWORD, via("198.51.100.7"))).status).toBe(429)
    // another client behind the same proxy is another pair
    expect((await loginFrom("127.0.0.1", email, PASSWORD, via("198.51.100.8"))).status).toBe(200)
    // a client cannot pick its address: what it wrote left of the proxy's entry is not read
    expect((await loginFrom("127.0.0.1", email, PASSWORD, via("198.51.100.8, 198.51.100.7"))).status).toBe(429)
    expect((await loginFrom("127.0.0.1", email, PASSWORD, via("198.51.100.7, 198.51.100.9"))).status).toBe(200)
    // a peer that is not a trusted proxy is the client, whatever the header says
    for (let i = 0; i < 5; i++) {
      expect((await loginFrom("127.0.0.5", email, "not the password", via("198.51.100.20"))).status).toBe(401)
    }
    await holdWaits()
    expect((await loginFrom("127.0.0.1", email, PASSWORD, via("198.51.100.20"))).status).toBe(200)
    expect((await loginFrom("127.0.0.5", email, PASSWORD, via("198.51.100.21"))).status).toBe(429)
    // the audit log names the same client as the limits (the refused 429 of 127.0.0.5 is only counted)
    const audited = await api.sql<{ ip: string }>(
      (sql) => sql`SELECT ip FROM audit_log WHERE route = '/api/auth/login/' ORDER BY at DESC LIMIT 2`,
    )
    expect(audited.map((row) => row.ip)).toEqual(["198.51.100.20", "198.51.100.9"])
  })

  it("issues at most 10 codes a day per account", async () => {
    const { email, id } = await newAccount("user")
    for (let i = 1; i <= 10; i++) {
      expect((await api.call("/api/auth/forgot/", { method: "POST", json: { email } })).status).toBe(202)
      await waitForMails(api, email, i)
      // past the one-minute cool-down, within the day
      await api.sql(
        (sql) =>
          sql`UPDATE password_reset_requests SET created_at = created_at - interval '2 minutes' WHERE user_id = ${id}`,
      )
    }
    expect((await api.call("/api/auth/forgot/", { method: "POST", json: { email } })).status).toBe(202)
    expect((await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })).status).toBe(202)
    await settleMail(api, admin.token)
    expect(mailsTo(api, email)).toHaveLength(10)
    // a day later, codes come again
    await api.sql(
      (sql) => sql`UPDATE password_reset_requests SET created_at = now() - interval '25 hours' WHERE user_id = ${id}`,
    )
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    await waitForMails(api, email, 11)
  })

  it("ends every code of an account after 5 wrong guesses in all, across codes and addresses", async () => {
    const { email, id } = await newAccount("user")
    const reset = (address: string, code: string) =>
      postFrom(api, address, "/api/auth/reset/", { email, code, password: "a fresh passphrase 7" })
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    const first = await codeFromMail(api, email, 1)
    const wrong = (code: string) => (code === "000000" ? "000001" : "000000")
    for (const address of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      expect((await reset(address, wrong(first))).json.code).toBe("invalid_code")
    }
    // a new code does not start the count again
    await api.sql(
      (sql) =>
        sql`UPDATE password_reset_requests SET created_at = created_at - interval '2 minutes' WHERE user_id = ${id}`,
    )
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    const second = await codeFromMail(api, email, 2)
    for (const address of ["127.0.0.5", "127.0.0.6"]) {
      expect((await reset(address, wrong(second))).json.code).toBe("invalid_code")
    }
    const late = await reset("127.0.0.7", second)
    expect(late.status).toBe(400)
    expect(late.json.code).toBe("invalid_code")
    const open = await api.sql<{ n: number }>(
      (sql) => sql`SELECT count(*)::int AS n FROM password_reset_requests WHERE user_id = ${id} AND used_at IS NULL`,
    )
    expect(open[0]!.n).toBe(0)
    // and no new code is sent that day
    await api.sql(
      (sql) =>
        sql`UPDATE password_reset_requests SET created_at = created_at - interval '2 minutes' WHERE user_id = ${id}`,
    )
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    await settleMail(api, admin.token)
    expect(mailsTo(api, email)).toHaveLength(2)
    expect((await loginFrom("127.0.0.8", email, PASSWORD)).status).toBe(200)
  })

  it("refuses common passwords such as Password12, saying why", async () => {
    for (const password of ["Password12", "PASSWORD123", "qwertyuiop"]) {
      const answer = await api.call("/api/users/", {
        method: "POST",
        token: admin.token,
        json: { email: freshEmail(), role: "user", password },
      })
      expect(answer.status).toBe(400)
      expect(answer.json.error).toMatch(/list of common passwords that attackers try first: choose another/)
      expect(answer.json.fields[0].path).toBe("password")
    }
    const { email } = await newAccount("user")
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    const code = await codeFromMail(api, email, 1)
    const weak = await api.call("/api/auth/reset/", { method: "POST", json: { email, code, password: "password12" } })
    expect(weak.status).toBe(400)
    expect(weak.json.error).toMatch(/common passwords/)
  })

  it("changes one's own password only with the current one, and signs out every other session", async () => {
    const { email, id } = await newAccount("admin")
    const here = (await loginFrom("127.0.0.2", email, PASSWORD)).json.token as string
    const elsewhere = (await loginFrom("127.0.0.3", email, PASSWORD)).json.token as string
    const change = (json: unknown, token = here) => api.call("/api/auth/password/", { method: "POST", token, json })

    // an admin's own PATCH cannot skip the current password
    const patched = await api.call(`/api/users/${id}/`, {
      method: "PATCH",
      token: here,
      json: { password: "a new passphrase 42" },
    })
    expect(patched.status).toBe(400)
    expect(patched.json.error).toMatch(/change your own password with your current one/)

    const wrong = await change({ current_password: "not the password", password: "a new passphrase 42" })
    expect(wrong.status).toBe(400)
    expect(wrong.json.fields).toEqual([{ path: "current_password", message: "the current password is not right" }])
    const common = await change({ current_password: PASSWORD, password: "Password12" })
    expect(common.status).toBe(400)
    expect(common.json.fields[0].path).toBe("password")

    const done = await change({ current_password: PASSWORD, password: "a new passphrase 42" })
    expect(done.status).toBe(200)
    expect(done.json.signed_out).toBe(1)
    expect((await api.call("/api/auth/me/", { token: here })).status).toBe(200)
    expect((await api.call("/api/auth/me/", { token: elsewhere })).status).toBe(401)
    expect((await loginFrom("127.0.0.4", email, PASSWORD)).status).toBe(401)
    expect((await loginFrom("127.0.0.4", email, "a new passphrase 42")).status).toBe(200)
    expect((await api.call("/api/auth/password/", { method: "POST", json: {} })).status).toBe(401)
  })

  it("signs a token out after 12 hours without use, besides its lifetime", async () => {
    const { email } = await newAccount("user")
    const idle = (await loginFrom("127.0.0.2", email, PASSWORD)).json.token as string
    const used = (await loginFrom("127.0.0.2", email, PASSWORD)).json.token as string
    const lastUsed = (token: string, ago: string) =>
      api.sql(
        (sql) =>
          sql`UPDATE api_tokens SET last_used_at = now() - ${ago}::interval WHERE token_hash = ${hashToken(token)}`,
      )
    await lastUsed(idle, "12 hours 1 minute")
    await lastUsed(used, "11 hours")
    expect((await api.call("/api/auth/me/", { token: idle })).status).toBe(401)
    expect((await api.call("/api/auth/me/", { token: used })).status).toBe(200)
    // the use counts: the token lives another 12 hours
    const fresh = await api.sql<{ recent: boolean }>(
      (sql) =>
        sql`SELECT last_used_at > now() - interval '1 minute' AS recent FROM api_tokens WHERE token_hash = ${hashToken(used)}`,
    )
    expect(fresh[0]!.recent).toBe(true)
  })
})
