import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
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

describe("PGlite data folder lock", () => {
  const open = (dir: string) =>
    run(
      { open: () => pgliteLayer({ dataDir: dir }) },
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return (yield* sql<{ one: number }>`SELECT 1 AS one`)[0]!.one
      }),
    )

  it("refuses a folder another live process holds, naming it, and takes over a lock whose process is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchops-pglite-lock-"))
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" })
    try {
      writeFileSync(join(dir, "batchops.pid"), String(other.pid))
      await expect(open(dir)).rejects.toThrow(
        `the embedded database is in use by another BatchOps process (pid ${other.pid}); stop it first`,
      )
      other.kill("SIGKILL")
      await new Promise((resolve) => other.once("exit", resolve))
      expect(await open(dir)).toBe(1)
      // released when the layer closed
      expect(existsSync(join(dir, "batchops.pid"))).toBe(false)
    } finally {
      other.kill("SIGKILL")
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
