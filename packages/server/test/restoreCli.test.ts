/**
 * `batchops backup` and `batchops restore` as processes over embedded PGlite: a backup taken by
 * hand, data added after it, a restore refused without --yes and while a worker holds the
 * database, then done with --yes (the later upload is gone, the earlier one is back); usage
 * errors exit 2, refusals exit 1, never with a stack trace. A PGlite backup is refused by a
 * BatchOps on Postgres.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, root, startBatchops } from "../../../test/helpers.js"
import { freshDatabase } from "../../../test/support/postgres.js"

const { url: databaseUrl } = freshDatabase("restore_cli")

describe("batchops backup and restore", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-restore-cli-"))
  const env = { BATCHOPS_DATA_DIR: dataDir }
  const file = join(root, "examples", "data", "gradebook.csv")
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))
  const batchops = (args: ReadonlyArray<string>, extra: Record<string, string> = {}) =>
    startBatchops(args, { env: { ...env, ...extra } }).done
  let backupPath = ""

  it("backs up, refuses to replace data without --yes or while BatchOps runs, then restores with --yes", async () => {
    const first = await batchops(["submit", file])
    expect(first.code, first.stderr).toBe(0)
    const kept = first.stdout.trim()

    const backup = await batchops(["backup", "--json"])
    expect(backup.code, backup.stderr).toBe(0)
    const made = JSON.parse(backup.stdout)
    expect(made).toMatchObject({ status: "backed_up", database: "pglite", bytes: expect.any(Number) })
    expect(made.path.startsWith(join(dataDir, "backups"))).toBe(true)
    expect(existsSync(`${made.path}.sha256`)).toBe(true)
    backupPath = made.path

    const second = await batchops(["submit", file])
    expect(second.code, second.stderr).toBe(0)
    const later = second.stdout.trim()

    const unconfirmed = await batchops(["restore", backupPath])
    expect(unconfirmed.code).toBe(1)
    expect(unconfirmed.stderr).toContain("replaces EVERYTHING")
    expect(unconfirmed.stderr).toContain("nothing was changed. Run again with --yes")
    expect((await batchops(["show", later])).code).toBe(0)

    // a running worker holds the embedded database
    const worker = startBatchops(["worker"], { env })
    try {
      for (let i = 0; i < 600 && !worker.child.stderr!.readableEnded; i++) {
        if (existsSync(join(dataDir, "pgdata", "batchops.pid"))) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(existsSync(join(dataDir, "pgdata", "batchops.pid"))).toBe(true)
      const busy = await batchops(["restore", backupPath, "--yes"])
      expect(busy.code).toBe(1)
      expect(busy.stderr).toContain(`in use by a running BatchOps (pid ${worker.child.pid})`)
      expect(busy.stderr).toContain("stop it first")
      expect(hasStackTrace(busy.stderr)).toBe(false)
    } finally {
      worker.child.kill("SIGTERM")
      await worker.done
    }
    expect((await batchops(["show", later])).code).toBe(0)

    const restored = await batchops(["restore", backupPath, "--yes"])
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.stdout).toContain(`restored ${backupPath} (taken ${made.createdAt}) into embedded PGlite`)
    // the folders swapped during the restore are gone, and the database is free again
    expect(readdirSync(dataDir).filter((name) => name.startsWith("pgdata."))).toEqual([])
    expect(existsSync(join(dataDir, "pgdata", "batchops.pid"))).toBe(false)
    expect((await batchops(["show", kept])).code).toBe(0)
    const gone = await batchops(["show", later])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain(`no upload ${later}`)
  }, 180_000)

  it("refuses what is not a backup (1) and wrong usage (2), without a stack trace", async () => {
    const missing = await batchops(["restore"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("missing the backup file to restore")
    expect(missing.stderr).toContain("batchops restore <backup file> [--yes]")

    const absent = await batchops(["restore", join(dataDir, "nope.backup"), "--yes"])
    expect(absent.code).toBe(2)
    expect(absent.stderr).toContain("no such file")

    const unknown = await batchops(["restore", "a", "--force"])
    expect(unknown.code).toBe(2)

    const junk = join(dataDir, "junk.backup")
    writeFileSync(junk, "PGDMP not ours\n")
    const refused = await batchops(["restore", junk, "--yes", "--json"])
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: "refused" })
    expect(JSON.parse(refused.stdout).error).toContain("is not a BatchOps backup")

    for (const result of [missing, absent, unknown, refused]) expect(hasStackTrace(result.stderr)).toBe(false)
  })

  it("refuses a PGlite backup on a BatchOps that uses Postgres, changing nothing", async () => {
    expect(backupPath).not.toBe("")
    const migrated = await batchops(["migrate"], { DATABASE_URL: databaseUrl })
    expect(migrated.code, migrated.stderr).toBe(0)
    const result = await batchops(["restore", backupPath, "--yes"], { DATABASE_URL: databaseUrl })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("is a backup of an embedded (PGlite) database, but this BatchOps uses postgres")
    expect(result.stderr).toContain("nothing was changed")
    expect(hasStackTrace(result.stderr)).toBe(false)
  }, 60_000)
})
