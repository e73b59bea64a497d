import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { pgliteLayer } from "../src/index.js"
import type { StoreTarget } from "./contract.js"
import { workQueueContract } from "./workQueueContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-queue-"))
const target = (): StoreTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

workQueueContract("PGlite", target)
