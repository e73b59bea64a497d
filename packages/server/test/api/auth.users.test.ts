/** Accounts over HTTP on both databases: admins list, create, change and deactivate them; nobody else may. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Backend, startApi, type TestApi } from "./harness.js"

describe.each<Backend>(["pglite", "postgres"])("accounts on %s", (backend) => {
  let api: TestApi
  let admin: { user: { id: string }; token: string }

  beforeAll(async () => {
    api = await startApi(backend)
    admin = await api.account("admin")
  }, 60_000)
  afterAll(() => api?.close())

  const create = (json: Record<string, unknown>) =>
    api.call("/api/users/", { method: "POST", token: admin.token, json })

  it("creates accounts with a username derived from the email, unique, and refuses a taken email", async () => {
    const first = await create({
      email: "Grace.Hopper@School.test",
      role: "moderator",
      first_name: " Grace ",
      last_name: "Hopper",
    })
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({
      username: "grace.hopper",
      email: "grace.hopper@school.test",
      role: "moderator",
      first_name: "Grace",
      last_name: "Hopper",
      email_verified: false,
      is_active: true,
    })
    expect(first.json).not.toHaveProperty("password_hash")
    const second = await create({ email: "grace.hopper@other.test", role: "user" })
    expect(second.status).toBe(201)
    expect(second.json.username).toBe("grace.hopper2")

    const taken = await create({ email: "GRACE.HOPPER@school.test", role: "user" })
    expect(taken.status).toBe(409)
    expect(taken.json.error).toMatch(/already exists/)
    const takenName = await create({ email: "someone@school.test", role: "user", username: "grace.hopper" })
    expect(takenName.status).toBe(409)
    const badRole = await create({ email: "x@school.test", role: "owner" })
    expect(badRole.status).toBe(400)
    expect(badRole.json.fields[0].path).toBe("role")
    const badEmail = await create({ email: "not an email", role: "user" })
    expect(badEmail.status).toBe(400)
    expect(badEmail.json.fields[0].path).toBe("email")
    const extra = await create({ email: "y@school.test", role: "user", is_superuser: true })
    expect(extra.status).toBe(400)
  })

  it("lists accounts by page, filtered by role, active state and a search", async () => {
    for (const n of [1, 2, 3]) await create({ email: `teacher${n}@list.test`, role: "user", last_name: `Lovelace${n}` })
    const all = await api.call("/api/users/?page_size=2", { token: admin.token })
    expect(all.status).toBe(200)
    expect(all.json.results).toHaveLength(2)
    expect(all.json.count).toBeGreaterThanOrEqual(4)
    expect(all.json.next).toMatch(/page=2/)
    const search = await api.call("/api/users/?search=lovelace", { token: admin.token })
    expect(search.json.count).toBe(3)
    expect(search.json.results.map((u: { last_name: string }) => u.last_name)).toEqual([
      "Lovelace1",
      "Lovelace2",
      "Lovelace3",
    ])
    const byEmail = await api.call("/api/users/?search=TEACHER2%40LIST", { token: admin.token })
    expect(byEmail.json.results.map((u: { email: string }) => u.email)).toEqual(["teacher2@list.test"])
    const wildcard = await api.call("/api/users/?search=%25", { token: admin.token })
    expect(wildcard.json.count).toBe(0)
    const admins = await api.call("/api/users/?role=admin", { token: admin.token })
    expect(admins.json.results.length).toBeGreaterThan(0)
    expect(admins.json.results.every((u: { role: string }) => u.role === "admin")).toBe(true)
    const id = search.json.results[0].id
    await api.call(`/api/users/${id}/`, { method: "DELETE", token: admin.token })
    const inactive = await api.call("/api/users/?is_active=false&search=lovelace", { token: admin.token })
    expect(inactive.json.results.map((u: { id: string }) => u.id)).toEqual([id])
    const active = await api.call("/api/users/?is_active=true&search=lovelace", { token: admin.token })
    expect(active.json.count).toBe(2)
    expect((await api.call("/api/users/?is_active=maybe", { token: admin.token })).status).toBe(400)
  })

  it("reads and changes an account; deactivating signs it out", async () => {
    const made = await create({ email: "changeme@school.test", role: "user", password: "a long passphrase" })
    const id = made.json.id
    expect((await api.call(`/api/users/${id}/`, { token: admin.token })).json.email).toBe("changeme@school.test")
    expect((await api.call("/api/users/nobody/", { token: admin.token })).status).toBe(404)

    const changed = await api.call(`/api/users/${id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { role: "moderator", first_name: "Ada", last_name: "Lovelace" },
    })
    expect(changed.status).toBe(200)
    expect(changed.json).toMatchObject({ role: "moderator", first_name: "Ada", last_name: "Lovelace" })

    const admin2 = await create({ email: "second.admin@school.test", role: "admin", password: "a long passphrase" })
    const login = await api.call("/api/auth/login/", {
      method: "POST",
      json: { email: "second.admin@school.test", password: "a long passphrase" },
    })
    expect(login.status).toBe(200)
    const weak = await api.call(`/api/users/${admin2.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { password: "123" },
    })
    expect(weak.status).toBe(400)
    expect(weak.json.fields[0].path).toBe("password")
    const newPassword = await api.call(`/api/users/${admin2.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { password: "another long passphrase" },
    })
    expect(newPassword.status).toBe(200)
    expect((await api.call("/api/auth/me/", { token: login.json.token })).status).toBe(401)
    const again = await api.call("/api/auth/login/", {
      method: "POST",
      json: { email: "second.admin@school.test", password: "another long passphrase" },
    })
    expect(again.status).toBe(200)
    const off = await api.call(`/api/users/${admin2.json.id}/`, { method: "DELETE", token: admin.token })
    expect(off.status).toBe(200)
    expect(off.json.is_active).toBe(false)
    expect((await api.call("/api/auth/me/", { token: again.json.token })).status).toBe(401)
    const back = await api.call(`/api/users/${admin2.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { is_active: true },
    })
    expect(back.json.is_active).toBe(true)
    // the old session stays signed out
    expect((await api.call("/api/auth/me/", { token: again.json.token })).status).toBe(401)
  })

  it("does not let an admin deactivate or demote themselves", async () => {
    const self = `/api/users/${admin.user.id}/`
    const deactivate = await api.call(self, { method: "DELETE", token: admin.token })
    expect(deactivate.status).toBe(400)
    expect(deactivate.json.error).toMatch(/your own account/)
    const demote = await api.call(self, { method: "PATCH", token: admin.token, json: { role: "moderator" } })
    expect(demote.status).toBe(400)
    const off = await api.call(self, { method: "PATCH", token: admin.token, json: { is_active: false } })
    expect(off.status).toBe(400)
    const me = await api.call("/api/auth/me/", { token: admin.token })
    expect(me.json).toMatchObject({ role: "admin", is_active: true })
    const rename = await api.call(self, { method: "PATCH", token: admin.token, json: { first_name: "Chief" } })
    expect(rename.status).toBe(200)
  })

  it("writes the account and session changes to the audit log, never the password", async () => {
    const auditOf = (requestId: string | null) =>
      api.server.run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ actor_id: string | null; record_type: string; record_id: string; detail: string }>`
            SELECT actor_id, record_type, record_id, detail FROM audit_log WHERE request_id = ${requestId ?? ""}`
        }),
      )
    const made = await create({ email: "audited@school.test", role: "admin", password: "audited passphrase" })
    expect(await auditOf(made.headers.get("x-request-id"))).toEqual([
      { actor_id: admin.user.id, record_type: "user", record_id: made.json.id, detail: "created the account (admin)" },
    ])
    const login = await api.call("/api/auth/login/", {
      method: "POST",
      json: { email: "audited@school.test", password: "audited passphrase" },
    })
    expect(await auditOf(login.headers.get("x-request-id"))).toEqual([
      { actor_id: made.json.id, record_type: "session", record_id: made.json.id, detail: "signed in" },
    ])
    const changed = await api.call(`/api/users/${made.json.id}/`, {
      method: "PATCH",
      token: admin.token,
      json: { password: "a different passphrase", last_name: "Audit" },
    })
    const entry = (await auditOf(changed.headers.get("x-request-id")))[0]!
    expect(entry).toMatchObject({ record_type: "user", record_id: made.json.id })
    expect(entry.detail).toBe("changed last_name, password")
    expect(entry.detail).not.toContain("different passphrase")
  })

  it("answers 403 to moderators and users, 401 without a token", async () => {
    const target = (await create({ email: "target@school.test", role: "user" })).json.id
    for (const role of ["moderator", "user"] as const) {
      const { token } = await api.account(role)
      const calls = [
        api.call("/api/users/", { token }),
        api.call("/api/users/", { method: "POST", token, json: { email: `${role}x@school.test`, role: "admin" } }),
        api.call(`/api/users/${target}/`, { token }),
        api.call(`/api/users/${target}/`, { method: "PATCH", token, json: { role: "admin" } }),
        api.call(`/api/users/${target}/`, { method: "DELETE", token }),
      ]
      for (const answer of await Promise.all(calls)) expect(answer.status).toBe(403)
    }
    expect((await api.call("/api/users/")).status).toBe(401)
  })
})
