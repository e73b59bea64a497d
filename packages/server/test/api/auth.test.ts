/**
 * Signing in, out, email verification and password reset over HTTP on both databases, with
 * the codes read from the mail a real SMTP server received.
 */
import { TokensRepo } from "@batchops/core"
import { Effect } from "effect"
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
} from "./authHelpers.js"
import type { Backend } from "./harness.js"

const PASSWORD = "correct horse battery"

describe.each<Backend>(["pglite", "postgres"])("sign-in on %s", (backend) => {
  let api: AuthTestApi
  let admin: { token: string }

  beforeAll(async () => {
    api = await startAuthApi(backend)
    admin = await api.account("admin")
  }, 60_000)
  afterAll(() => api?.close())
  beforeEach(() => resetRateLimits(api))

  /** An account made by the admin (with a password), not yet verified. */
  const newAccount = async (role: "user" | "moderator" | "admin" = "user", password: string | null = PASSWORD) => {
    const email = freshEmail(role)
    const made = await api.call("/api/users/", {
      method: "POST",
      token: admin.token,
      json: { email, role, ...(password === null ? {} : { password }) },
    })
    expect(made.status).toBe(201)
    return { email, id: made.json.id as string }
  }

  const login = (email: string, password: string) =>
    api.call("/api/auth/login/", { method: "POST", json: { email, password } })

  /** Verifies the account's email through the mailed code. */
  const verify = async (email: string) => {
    const before = mailsTo(api, email).length
    expect((await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })).status).toBe(202)
    const code = await codeFromMail(api, email, before + 1)
    const confirmed = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code } })
    expect(confirmed.status).toBe(200)
  }

  it("refuses an unverified user with email_not_verified, then signs in once the email is verified", async () => {
    const { email, id } = await newAccount("user")
    const refused = await login(email, PASSWORD)
    expect(refused.status).toBe(403)
    expect(refused.json.code).toBe("email_not_verified")
    expect(refused.json.error).toMatch(/verify your email/)

    await verify(email)
    const signedIn = await login(email.toUpperCase(), PASSWORD)
    expect(signedIn.status).toBe(200)
    expect(signedIn.json.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(signedIn.json.user).toMatchObject({ id, email, role: "user", email_verified: true, is_active: true })
    expect(signedIn.json.user).not.toHaveProperty("password_hash")
    const hoursLeft = (Date.parse(signedIn.json.expires_at) - Date.now()) / 3_600_000
    expect(hoursLeft).toBeGreaterThan(167)
    expect(hoursLeft).toBeLessThanOrEqual(168)

    const me = await api.call("/api/auth/me/", { token: signedIn.json.token })
    expect(me.status).toBe(200)
    expect(me.json).toMatchObject({ id, email, first_name: "", last_name: "" })
  })

  it("lets an admin sign in without verifying, and answers a wrong password like an unknown email", async () => {
    const { email } = await newAccount("admin")
    expect((await login(email, PASSWORD)).status).toBe(200)
    const wrong = await login(email, "not the password at all")
    const unknown = await login(freshEmail("nobody"), "not the password at all")
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.json.code).toBe("invalid_credentials")
    expect(unknown.json.code).toBe(wrong.json.code)
    expect(unknown.json.error).toBe(wrong.json.error)
  })

  it("refuses a deactivated account, and an account without a password", async () => {
    const { email, id } = await newAccount("admin")
    const token = (await login(email, PASSWORD)).json.token
    expect((await api.call(`/api/users/${id}/`, { method: "DELETE", token: admin.token })).status).toBe(200)
    const refused = await login(email, PASSWORD)
    expect(refused.status).toBe(403)
    expect(refused.json.code).toBe("account_inactive")
    expect((await api.call("/api/auth/me/", { token })).status).toBe(401)

    const noPassword = await newAccount("admin", null)
    expect((await login(noPassword.email, PASSWORD)).status).toBe(401)
  })

  it("signs out: the token is refused afterwards, other tokens keep working", async () => {
    const { email } = await newAccount("moderator")
    await verify(email)
    const first = (await login(email, PASSWORD)).json.token
    const second = (await login(email, PASSWORD)).json.token
    const out = await api.call("/api/auth/logout/", { method: "POST", token: first })
    expect(out.status).toBe(200)
    expect((await api.call("/api/auth/me/", { token: first })).status).toBe(401)
    expect((await api.call("/api/auth/logout/", { method: "POST", token: first })).status).toBe(401)
    expect((await api.call("/api/auth/me/", { token: second })).status).toBe(200)
    expect((await api.call("/api/auth/me/")).status).toBe(401)
  })

  it("refuses a token once its lifetime is over, while a token within it keeps working", async () => {
    const { email, id } = await newAccount("moderator")
    await verify(email)
    // tokens as sign-in issues them, one living half a second and one an hour
    const issue = (ttlMs: number) =>
      api.server.run(
        Effect.gen(function* () {
          return yield* (yield* TokensRepo).issue(id, ttlMs)
        }),
      )
    const short = await issue(500)
    const long = await issue(3_600_000)
    expect((await api.call("/api/auth/me/", { token: short.token })).status).toBe(200)
    // past its expiry (a margin for the database clock), used meanwhile or not, it is refused
    await new Promise((resume) => setTimeout(resume, Date.parse(short.expiresAt) - Date.now() + 250))
    const expired = await api.call("/api/auth/me/", { token: short.token })
    expect(expired.status).toBe(401)
    expect((await api.call("/api/auth/me/", { token: long.token })).status).toBe(200)
  })

  it("resets a password with the mailed code: the old password and every session stop working", async () => {
    const { email } = await newAccount("user")
    await verify(email)
    const token = (await login(email, PASSWORD)).json.token
    const before = mailsTo(api, email).length
    const asked = await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    expect(asked.status).toBe(202)
    const code = await codeFromMail(api, email, before + 1)
    const mail = mailsTo(api, email)[before]!
    expect(mail.headers.get("subject")).not.toContain(code)

    const weak = await api.call("/api/auth/reset/", { method: "POST", json: { email, code, password: "short" } })
    expect(weak.status).toBe(400)
    expect(weak.json.fields[0]).toMatchObject({ path: "password" })

    const done = await api.call("/api/auth/reset/", {
      method: "POST",
      json: { email, code, password: "a brand new passphrase" },
    })
    expect(done.status).toBe(200)
    expect((await login(email, PASSWORD)).status).toBe(401)
    expect((await login(email, "a brand new passphrase")).status).toBe(200)
    expect((await api.call("/api/auth/me/", { token })).status).toBe(401)
    // a code works once
    const again = await api.call("/api/auth/reset/", {
      method: "POST",
      json: { email, code, password: "another new passphrase" },
    })
    expect(again.status).toBe(400)
    expect(again.json.code).toBe("invalid_code")
  })

  it("lets an account without a password verify, then choose one by reset", async () => {
    const { email } = await newAccount("user", null)
    expect((await api.call("/api/auth/forgot/", { method: "POST", json: { email } })).status).toBe(202)
    const code = await codeFromMail(api, email, 1)
    const done = await api.call("/api/auth/reset/", {
      method: "POST",
      json: { email, code, password: "my first passphrase" },
    })
    expect(done.status).toBe(200)
    expect((await login(email, "my first passphrase")).status).toBe(200)
  })

  it("refuses an expired code", async () => {
    const { email, id } = await newAccount("user")
    await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    const code = await codeFromMail(api, email, 1)
    await api.sql(
      (sql) =>
        sql`UPDATE email_verification_requests SET expires_at = now() - interval '1 minute', created_at = now() - interval '16 minutes' WHERE user_id = ${id}`,
    )
    const expired = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code } })
    expect(expired.status).toBe(400)
    expect(expired.json.code).toBe("invalid_code")
    expect((await login(email, PASSWORD)).json.code).toBe("email_not_verified")
  })

  it("stores only a hash of the code, and allows 5 attempts per code", async () => {
    const { email, id } = await newAccount("user")
    await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    const code = await codeFromMail(api, email, 1)
    const rows = await api.sql<{ code_hash: string }>(
      (sql) => sql`SELECT code_hash FROM email_verification_requests WHERE user_id = ${id}`,
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]!.code_hash).not.toContain(code)
    expect(rows[0]!.code_hash).toMatch(/^scrypt\$/)
    const wrong = code === "000000" ? "000001" : "000000"
    for (let i = 0; i < 5; i++) {
      const guess = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code: wrong } })
      expect(guess.status).toBe(400)
      expect(guess.json.code).toBe("invalid_code")
    }
    // from another address (this one now waits): the right code no longer works either
    const late = await postFrom(api, "127.0.0.2", "/api/auth/verify/confirm/", { email, code })
    expect(late.status).toBe(400)
    expect(late.json.code).toBe("invalid_code")
  })

  it("waits 60 seconds before sending another code; a new code replaces the old one", async () => {
    const { email, id } = await newAccount("user")
    await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    const first = await codeFromMail(api, email, 1)
    const soon = await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    expect(soon.status).toBe(202)
    await settleMail(api, admin.token)
    expect(mailsTo(api, email)).toHaveLength(1)

    // a minute later (the earlier code was asked for two minutes ago)
    await api.sql(
      (sql) =>
        sql`UPDATE email_verification_requests SET created_at = now() - interval '2 minutes' WHERE user_id = ${id}`,
    )
    await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    let second = await codeFromMail(api, email, 2)
    if (second === first) {
      // one chance in a million: ask once more so the codes differ
      await api.sql(
        (sql) =>
          sql`UPDATE email_verification_requests SET created_at = now() - interval '2 minutes' WHERE user_id = ${id}`,
      )
      await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
      second = await codeFromMail(api, email, 3)
    }
    const old = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code: first } })
    expect(old.status).toBe(400)
    const current = await api.call("/api/auth/verify/confirm/", { method: "POST", json: { email, code: second } })
    expect(current.status).toBe(200)
  })

  it("answers an unknown email exactly like a known one", async () => {
    const { email } = await newAccount("user")
    const unknown = freshEmail("nobody")
    for (const path of ["/api/auth/verify/send/", "/api/auth/forgot/"]) {
      const known = await api.call(path, { method: "POST", json: { email } })
      const other = await api.call(path, { method: "POST", json: { email: unknown } })
      expect(other.status).toBe(202)
      expect(other.status).toBe(known.status)
      expect(other.text).toBe(known.text)
    }
    for (const path of ["/api/auth/verify/confirm/", "/api/auth/reset/"]) {
      const body = { code: "123456", ...(path.endsWith("reset/") ? { password: "a good passphrase" } : {}) }
      const known = await api.call(path, { method: "POST", json: { email, ...body } })
      const other = await api.call(path, { method: "POST", json: { email: unknown, ...body } })
      expect(other.status).toBe(400)
      expect(other.status).toBe(known.status)
      expect({ ...other.json, request_id: null }).toEqual({ ...known.json, request_id: null })
    }
    await settleMail(api, admin.token)
    expect(mailsTo(api, unknown)).toHaveLength(0)
  })

  it("makes a pair that failed 5 times wait before it may try again: 429 with Retry-After", async () => {
    const { email } = await newAccount("admin")
    // the first wait is a second: an hour here, so that a slow machine cannot see it end
    const holdWaits = () =>
      api.sql((sql) => sql`UPDATE auth_failures SET wait_until = now() + interval '1 hour' WHERE failures >= 5`)
    for (let i = 0; i < 5; i++) expect((await login(email, "wrong password here")).status).toBe(401)
    await holdWaits()
    const limited = await login(email, PASSWORD)
    expect(limited.status).toBe(429)
    expect(limited.json.code).toBe("rate_limited")
    expect(limited.json.error).toMatch(/too many failed attempts for this account from your address: wait \d+ seconds/)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(3500)
    // the same for an email without an account
    const nobody = freshEmail("nobody")
    for (let i = 0; i < 5; i++) expect((await login(nobody, "wrong password here")).status).toBe(401)
    await holdWaits()
    expect((await login(nobody, "wrong password here")).status).toBe(429)
  })

  it("sends nothing to an inactive account, and a code does not verify it", async () => {
    const { email, id } = await newAccount("user")
    await api.call(`/api/users/${id}/`, { method: "DELETE", token: admin.token })
    await api.call("/api/auth/verify/send/", { method: "POST", json: { email } })
    await api.call("/api/auth/forgot/", { method: "POST", json: { email } })
    await settleMail(api, admin.token)
    expect(mailsTo(api, email)).toHaveLength(0)
  })

  it("checks the password rules with clear messages", async () => {
    const cases: Array<[string, RegExp]> = [
      ["short", /at least 10 characters/],
      ["12345678901234", /only digits/],
      ["x".repeat(201), /at most 200 characters/],
    ]
    for (const [password, message] of cases) {
      const answer = await api.call("/api/users/", {
        method: "POST",
        token: admin.token,
        json: { email: freshEmail(), role: "user", password },
      })
      expect(answer.status).toBe(400)
      expect(answer.json.error).toMatch(message)
      expect(answer.json.fields[0].path).toBe("password")
    }
    const email = freshEmail("samename")
    const sameAsEmail = await api.call("/api/users/", {
      method: "POST",
      token: admin.token,
      json: { email, role: "user", password: email },
    })
    expect(sameAsEmail.json.error).toMatch(/must not be your email/)
    const sameAsUsername = await api.call("/api/users/", {
      method: "POST",
      token: admin.token,
      json: { email: freshEmail(), role: "user", username: "longusername1", password: "LongUsername1" },
    })
    expect(sameAsUsername.status).toBe(400)
    expect(sameAsUsername.json.error).toMatch(/must not be your username/)
  })
})
