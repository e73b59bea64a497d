import { describe, expect, it } from "vitest"
import { accessAllows } from "../../src/api/Api.js"

describe("who a route's access lets in", () => {
  it("is everyone for public, any signed-in role for user, admins and moderators for manager, admins for admin", () => {
    const roles = [null, "user", "moderator", "admin"] as const
    const table = Object.fromEntries(
      (["public", "user", "manager", "admin"] as const).map((access) => [
        access,
        roles.map((role) => accessAllows(access, role)),
      ]),
    )
    expect(table).toEqual({
      public: [true, true, true, true],
      user: [false, true, true, true],
      manager: [false, false, true, true],
      admin: [false, false, false, true],
    })
  })
})
