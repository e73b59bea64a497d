import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { migrate, pgliteLayer } from "../src/index.js"
import { expectedVersions, run, type StoreTarget, storeContract } from "./contract.js"
import { incidentsContract } from "./incidentsContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-"))
const target = (): StoreTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

storeContract("PGlite", target)
incidentsContract("PGlite", target)

describe("PGlite data folder", () => {
  it("keeps the data after closing and reopening the folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchops-pglite-reopen-"))
    try {
      const first: StoreTarget = { open: () => pgliteLayer({ dataDir: dir }) }
      await run(
        first,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          expect(yield* migrate()).toEqual(expectedVersions())
          yield* sql`INSERT INTO users (id, username, email, role) VALUES ('u1', 'ada', 'ada@example.org', 'admin')`
        }),
      )
      const second: StoreTarget = { open: () => pgliteLayer({ dataDir: dir }) }
      const users = await run(
        second,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          expect(yield* migrate()).toEqual([])
          return yield* sql<{ username: string; role: string }>`SELECT username, role FROM users`
        }),
      )
      expect(users).toEqual([{ username: "ada", role: "admin" }])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
