import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pgliteLayer } from "@batchops/store-sql"
import { afterAll } from "vitest"
import { type JobRunnerTarget, jobRunnerContract } from "./jobRunnerContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-jobs-"))
const target = (): JobRunnerTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

jobRunnerContract("PGlite", target)
