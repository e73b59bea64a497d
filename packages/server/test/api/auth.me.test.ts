/**
 * `GET /api/auth/me/` answers the account as before, plus what it may do (read from the access
 * rules of the routes the API enforces) and the incident moves (core's workflow), for each role.
 * The web app's fixture of these answers (its tests show and hide actions by it) must be exactly
 * what the server answers.
 */
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { TRANSITIONS } from "@batchops/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { permissionsOf } from "../../src/api/auth/Permissions.js"
import { apiRoutes } from "../../src/api/Routes.js"
import { startApi, type TestApi } from "./harness.js"

const ROLES = ["user", "moderator", "admin"] as const

const WEB_FIXTURE = fileURLToPath(new URL("../../../web/test/fixtures/me.json", import.meta.url))

const EVERY_ROLE = { upload: true, run_by_hand: ["any"] }
const MANAGERS = {
  confirm_mappings: true,
  correct_uploads: true,
  manage_incidents: true,
  manage_known_errors: true,
  approve_uploads: true,
  delete_uploads: true,
}
const NOBODY_BUT_ADMINS = { delete_incidents: false, edit_schedules: false, edit_sources: false, manage_users: false }

const EXPECTED = {
  user: {
    ...EVERY_ROLE,
    ...Object.fromEntries(Object.keys(MANAGERS).map((name) => [name, false])),
    ...NOBODY_BUT_ADMINS,
  },
  moderator: { ...EVERY_ROLE, ...MANAGERS, ...NOBODY_BUT_ADMINS, run_by_hand: ["any", "moderator"] },
  admin: {
    ...EVERY_ROLE,
    ...MANAGERS,
    delete_incidents: true,
    edit_schedules: true,
    edit_sources: true,
    manage_users: true,
    run_by_hand: ["any", "moderator", "admin"],
  },
}

describe("GET /api/auth/me/", () => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi("pglite")
  }, 60_000)
  afterAll(() => api?.close())

  it.each(ROLES)("answers a %s's account, what the role may do and the incident moves", async (role) => {
    const { user, token } = await api.account(role)
    const me = await api.call("/api/auth/me/", { token })
    expect(me.status).toBe(200)
    expect(me.json).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      role,
      email_verified: true,
      is_active: true,
      created_at: user.createdAt,
      first_name: "",
      last_name: "",
      permissions: EXPECTED[role],
      incident_transitions: TRANSITIONS,
    })
  })

  it("is what the web app's fixture says each role gets", async () => {
    const fixture = JSON.parse(readFileSync(WEB_FIXTURE, "utf8"))
    for (const role of ROLES) {
      const { token } = await api.account(role)
      const me = await api.call("/api/auth/me/", { token })
      expect(fixture[role], role).toEqual({
        permissions: me.json.permissions,
        incident_transitions: me.json.incident_transitions,
      })
    }
  })
})

describe("permissions", () => {
  it("follow the routes' access rules: a route opened to every account opens its permission", () => {
    const opened = apiRoutes.map((route) =>
      route.method === "GET" && route.path === "/api/users/" ? { ...route, access: "user" as const } : route,
    )
    expect(permissionsOf(apiRoutes, "user").manage_users).toBe(false)
    expect(permissionsOf(opened, "user").manage_users).toBe(true)
  })

  it("fail loudly when a permission names a route the table no longer has", () => {
    const without = apiRoutes.filter((route) => !(route.method === "POST" && route.path === "/api/uploads/"))
    expect(() => permissionsOf(without, "admin")).toThrow(/POST \/api\/uploads\/ /)
  })
})
