import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { loadMigrations, splitStatements } from "../src/index.js"

describe("splitStatements", () => {
  it("splits at top-level semicolons only", () => {
    const script = `-- a comment; not a statement
CREATE TABLE a (x text DEFAULT 'a;b');
/* block; comment */ INSERT INTO a VALUES ('it''s; fine');
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
SELECT "odd;name" FROM a
-- trailing comment;
`
    expect(splitStatements(script)).toEqual([
      "-- a comment; not a statement\nCREATE TABLE a (x text DEFAULT 'a;b')",
      "/* block; comment */ INSERT INTO a VALUES ('it''s; fine')",
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
      'SELECT "odd;name" FROM a\n-- trailing comment;',
    ])
  })
})

describe("loadMigrations", () => {
  it("orders the files and computes their checksums", async () => {
    const files = await Effect.runPromise(loadMigrations())
    expect(files.map((f) => f.version)).toEqual([...files.map((f) => f.version)].sort((a, b) => a - b))
    expect(files[0]).toMatchObject({ version: 1, name: "initial" })
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f.checksum))).toBe(true)
  })

  it("rejects badly named and duplicate files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batchops-migrations-"))
    try {
      writeFileSync(join(dir, "0001_a.sql"), "SELECT 1")
      writeFileSync(join(dir, "1_b.sql"), "SELECT 1")
      const duplicate = await Effect.runPromise(Effect.flip(loadMigrations(dir)))
      expect(duplicate.message).toContain("two migration files have version 1")
      writeFileSync(join(dir, "oops.sql"), "SELECT 1")
      const badName = await Effect.runPromise(Effect.flip(loadMigrations(dir)))
      expect(badName.message).toContain("oops.sql is not named NNNN_name.sql")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
