/** Tokens on PGlite: a token answers only for an account that is still active. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TokensRepo, UsersRepo } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { migrate, pgliteLayer, TokensRepoLayer, UsersRepoLayer } from "../src/index.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-tokens-"))

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const run = <A, E>(effect: Effect.Effect<A, E, TokensRepo | UsersRepo | SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.provide(effect, Layer.provideMerge(Layer.merge(TokensRepoLayer, UsersRepoLayer), pgliteLayer({ dataDir }))),
  )

describe("TokensRepo on PGlite", () => {
  it("a deactivated account's token is refused, even when nothing revoked it", async () => {
    const result = await run(
      Effect.gen(function* () {
        yield* migrate()
        const users = yield* UsersRepo
        const tokens = yield* TokensRepo
        const sql = yield* SqlClient.SqlClient
        const ada = yield* users.insert({ username: "ada", email: "ada@school.example", role: "moderator" })
        const grace = yield* users.insert({ username: "grace", email: "grace@school.example", role: "moderator" })
        const adas = yield* tokens.issue(ada.id, 3_600_000)
        const graces = yield* tokens.issue(grace.id, 3_600_000)
        const before = yield* tokens.authenticate(adas.token, 3_600_000)
        // only the account row changes: the token itself is neither revoked nor expired
        yield* sql`UPDATE users SET is_active = false WHERE id = ${ada.id}`
        return {
          before: Option.map(before, (u) => u.username),
          after: yield* tokens.authenticate(adas.token, 3_600_000),
          other: Option.map(yield* tokens.authenticate(graces.token, 3_600_000), (u) => u.username),
        }
      }),
    )
    expect(result.before).toEqual(Option.some("ada"))
    expect(Option.isNone(result.after)).toBe(true)
    expect(result.other).toEqual(Option.some("grace"))
  })
})
