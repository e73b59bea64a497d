import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pgliteLayer } from "@batchops/store-sql"
import { afterAll } from "vitest"
import { type SchedulerTarget, schedulerContract } from "./schedulerContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-scheduler-"))
const target = (): SchedulerTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

schedulerContract("PGlite", target)
