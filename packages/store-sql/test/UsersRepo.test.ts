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
})
