/** The backups contract on real Postgres: each database is a fresh one on the test server. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { createDatabase, dropDatabase, psql } from "../../../test/support/postgres.js"
import { backupsContract } from "./backupsContract.js"

const root = mkdtempSync(join(tmpdir(), "batchops-backups-pg-"))
const made: Array<string> = []
afterAll(async () => {
  rmSync(root, { recursive: true, force: true })
  for (const name of made) await dropDatabase(name)
})

backupsContract("Postgres", {
  kind: "postgres",
  fresh: async () => {
    const database = await createDatabase("backups")
    made.push(database.name)
    return {
      env: { DATABASE_URL: database.url, BATCHOPS_DATA_DIR: join(root, database.name) },
      // drop everything: the database itself, made again empty
      wipe: async () => {
        await dropDatabase(database.name)
        await psql("postgres", `CREATE DATABASE ${database.name}`)
      },
    }
  },
})
