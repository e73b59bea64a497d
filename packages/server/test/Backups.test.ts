/** The backups contract on embedded PGlite: each database is a data folder of its own. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { backupsContract } from "./backupsContract.js"

const root = mkdtempSync(join(tmpdir(), "batchops-backups-pglite-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let databases = 0

backupsContract("PGlite", {
  kind: "pglite",
  fresh: async () => {
    const dataDir = join(root, `data-${++databases}`)
    return {
      env: { BATCHOPS_DATA_DIR: dataDir },
      wipe: async () => rmSync(join(dataDir, "pgdata"), { recursive: true, force: true }),
    }
  },
})
