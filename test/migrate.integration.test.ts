import { readdirSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, root, startBatchops, tempDir } from "./helpers.js"
import { createDatabase, dropDatabase, psql } from "./support/postgres.js"

/** Every migration file's version, in order: what a fresh database ends up with. */
const versions = readdirSync(join(root, "migrations"))
  .filter((name) => /^\d{4}_.*\.sql$/.test(name))
  .map((name) => Number(name.slice(0, 4)))
  .sort((a, b) => a - b)

/** Run `batchops migrate` with only `env` saying where the database is. */
const migrate = (env: Record<string, string>, args: ReadonlyArray<string> = []) =>
  startBatchops(["migrate", ...args], { env }).done

const databases: Array<string> = []
const freshDatabase = async () => {
  const database = await createDatabase("cli")
  databases.push(database.name)
  return database
}

afterAll(async () => {
  for (const name of databases) await dropDatabase(name)
})

describe("batchops migrate", () => {
  it("migrates embedded PGlite in BATCHOPS_DATA_DIR, then finds it up to date", async () => {
    expect(versions.slice(0, 3)).toEqual([1, 2, 3])
    const data = join(await tempDir(), "data")
    const first = await migrate({ BATCHOPS_DATA_DIR: data }, ["--json"])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ status: "migrated", applied: versions })
    const second = await migrate({ BATCHOPS_DATA_DIR: data })
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/up to date/)
  })

  it("migrates Postgres from DATABASE_URL and from the seed's DB_* variables", async () => {
    const db = await freshDatabase()
    const byUrl = await migrate({ DATABASE_URL: db.url }, ["--json"])
    expect(byUrl.code).toBe(0)
    expect(JSON.parse(byUrl.stdout).applied).toEqual(versions)
    const byParts = await migrate({ DB_NAME: db.name, DB_USER: "postgres", DB_HOST: "127.0.0.1", DB_PORT: "5432" })
    expect(byParts.code).toBe(0)
    expect(byParts.stdout).toMatch(/up to date/)
    expect(await psql(db.name, "SELECT count(*) FROM batchops_migrations")).toBe(String(versions.length))
  })

  it("two processes migrating one database at once apply each migration once", async () => {
    const db = await freshDatabase()
    const [a, b] = await Promise.all([
      migrate({ DATABASE_URL: db.url }, ["--json"]),
      migrate({ DATABASE_URL: db.url }, ["--json"]),
    ])
    expect([a.code, b.code]).toEqual([0, 0])
    const applied = [...JSON.parse(a.stdout).applied, ...JSON.parse(b.stdout).applied].sort((x, y) => x - y)
    expect(applied).toEqual(versions)
    expect(await psql(db.name, "SELECT string_agg(version::text, ',' ORDER BY version) FROM batchops_migrations")).toBe(
      versions.join(","),
    )
    expect(await psql(db.name, "SELECT count(*) FROM jobs WHERE automation = 'purge_old_records'")).toBe("1")
  })

  it("refuses a database that holds a version it does not know, with exit 1 and no stack trace", async () => {
    const db = await freshDatabase()
    expect((await migrate({ DATABASE_URL: db.url })).code).toBe(0)
    await psql(
      db.name,
      "INSERT INTO batchops_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')",
    )
    const refused = await migrate({ DATABASE_URL: db.url })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/9999/)
    expect(hasStackTrace(refused.stdout + refused.stderr)).toBe(false)
  })

  it("says which database it could not reach", async () => {
    const result = await migrate({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/postgres 127\.0\.0\.1:1\/none/)
  })
})
