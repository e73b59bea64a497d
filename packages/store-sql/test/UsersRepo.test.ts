import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { UserExists, UsersRepo } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { migrate, pgliteLayer, UsersRepoLayer } from "../src/index.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-users-"))

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const run = <A, E>(effect: Effect.Effect<A, E, UsersRepo | SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, Layer.provideMerge(UsersRepoLayer, pgliteLayer({ dataDir }))))

describe("UsersRepo on PGlite", () => {
  it("inserts users with the defaults of the schema and reads them back by id and by username", async () => {
    const result = await run(
      Effect.gen(function* () {
        yield* migrate()
        const users = yield* UsersRepo
        const ada = yield* users.insert({ id: "u-ada", username: "ada", email: "ada@school.example", role: "admin" })
        const pupil = yield* users.insert({ username: "pupil", email: "pupil@school.example" })
        const sql = yield* SqlClient.SqlClient
        const hashes = yield* sql<{ password_hash: string | null }>`SELECT password_hash FROM users ORDER BY username`
        return {
          ada,
          pupil,
          found: yield* users.get("u-ada"),
          missing: yield* users.get("nobody"),
          byName: yield* users.getByUsername("ada"),
          byOtherCase: yield* users.getByUsername("ADA"),
          hashes,
        }
      }),
    )
    expect(result.ada).toMatchObject({
      id: "u-ada",
      username: "ada",
      email: "ada@school.example",
      role: "admin",
      emailVerified: false,
      isActive: true,
    })
    expect(Number.isNaN(Date.parse(result.ada.createdAt))).toBe(false)
    expect(result.pupil).toMatchObject({ role: "user", emailVerified: false, isActive: true })
    expect(result.pupil.id).not.toBe("")
    expect(Option.getOrThrow(result.found)).toEqual(result.ada)
    expect(Option.isNone(result.missing)).toBe(true)
    expect(Option.getOrThrow(result.byName)).toEqual(result.ada)
    expect(Option.isNone(result.byOtherCase)).toBe(true)
    expect(result.hashes).toEqual([{ password_hash: null }, { password_hash: null }])
  })

  it("refuses a second user with the same username or email", async () => {
    const errors = await run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        return [
          yield* Effect.flip(users.insert({ username: "ada", email: "other@school.example" })),
          yield* Effect.flip(users.insert({ username: "other", email: "ada@school.example" })),
        ]
      }),
    )
    for (const error of errors) expect(error).toBeInstanceOf(UserExists)
    expect(errors[0]!.message).toBe('a user named "ada" or with the email "other@school.example" already exists')
  })

  it("mails incidents to active admins and active verified moderators: distinct, sorted", async () => {
    const recipients = await run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        const add = (
          username: string,
          email: string,
          fields: Omit<Parameters<typeof users.insert>[0], "username" | "email">,
        ) => users.insert({ username, email, ...fields })
        yield* add("zed", "zed@school.example", { role: "admin", emailVerified: true })
        yield* add("mo", "mo@school.example", { role: "moderator", emailVerified: true })
        yield* add("una", "una@school.example", { role: "moderator", emailVerified: false })
        yield* add("old", "old@school.example", { role: "admin", isActive: false })
        yield* add("gone", "gone@school.example", { role: "moderator", emailVerified: true, isActive: false })
        yield* add("kid", "kid@school.example", { role: "user", emailVerified: true })
        // the same mailbox spelled differently by a second admin account: one mail
        yield* add("ada2", "ADA@school.example", { role: "admin" })
        return yield* users.incidentMailRecipients()
      }),
    )
    expect(recipients).toEqual(["ADA@school.example", "mo@school.example", "zed@school.example"])
  })

  it("finds accounts by email in any case, with the password hash only through credentials", async () => {
    const result = await run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        const hopper = yield* users.insert({
          username: "hopper",
          email: "grace@school.example",
          role: "moderator",
          firstName: "Grace",
          lastName: "Hopper",
          passwordHash: "scrypt$15$8$1$salt$hash",
        })
        return {
          hopper,
          byEmail: yield* users.getByEmail("GRACE@School.Example"),
          credentials: yield* users.credentials("grace@SCHOOL.example"),
          noCredentials: yield* users.credentials("nobody@school.example"),
          account: yield* users.getAccount(hopper.id),
          taken: yield* users.usernameTaken("hopper"),
          free: yield* users.usernameTaken("Hopper"),
        }
      }),
    )
    expect(Option.getOrThrow(result.byEmail)).toEqual(result.hopper)
    expect(Option.getOrThrow(result.credentials)).toEqual({
      user: result.hopper,
      passwordHash: "scrypt$15$8$1$salt$hash",
    })
    expect(Option.isNone(result.noCredentials)).toBe(true)
    expect(Option.getOrThrow(result.account)).toEqual({ user: result.hopper, firstName: "Grace", lastName: "Hopper" })
    expect(result.hopper).not.toHaveProperty("passwordHash")
    expect([result.taken, result.free]).toEqual([true, false])
  })

  it("lists accounts by page with filters, a search matching % and _ literally, and changes them", async () => {
    const result = await run(
      Effect.gen(function* () {
        const users = yield* UsersRepo
        yield* users.insert({ username: "pct", email: "pct@list.example", lastName: "100%_sure" })
        yield* users.insert({ username: "pct2", email: "pct2@list.example", lastName: "100 sure" })
        const off = yield* users.insert({ username: "off", email: "off@list.example", role: "moderator" })
        const changed = yield* users.update(off.id, { isActive: false, firstName: "Offline", emailVerified: true })
        const unchanged = yield* users.update(off.id, {})
        return {
          literal: yield* users.list({ search: "%_", limit: 10, offset: 0 }),
          searchCase: yield* users.list({ search: "PCT", limit: 10, offset: 0 }),
          page: yield* users.list({ search: "pct", limit: 1, offset: 1 }),
          inactiveModerators: yield* users.list({ role: "moderator", isActive: false, limit: 10, offset: 0 }),
          changed,
          unchanged,
          missing: yield* users.update("nobody", { firstName: "x" }),
        }
      }),
    )
    expect(result.literal.accounts.map((a) => a.user.username)).toEqual(["pct"])
    expect(result.searchCase.count).toBe(2)
    expect(result.page).toMatchObject({ count: 2 })
    expect(result.page.accounts.map((a) => a.user.username)).toEqual(["pct2"])
    expect(result.inactiveModerators.accounts.map((a) => a.user.username)).toEqual(["gone", "off"])
    expect(Option.getOrThrow(result.changed)).toMatchObject({
      firstName: "Offline",
      user: { isActive: false, emailVerified: true, role: "moderator" },
    })
    expect(Option.getOrThrow(result.unchanged)).toEqual(Option.getOrThrow(result.changed))
    expect(Option.isNone(result.missing)).toBe(true)
  })
})
