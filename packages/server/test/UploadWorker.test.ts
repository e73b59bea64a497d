import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pgliteLayer } from "@batchops/store-sql"
import { afterAll } from "vitest"
import { uploadActionsContract } from "./uploadActionsContract.js"
import { type UploadTarget, uploadLifecycleContract } from "./uploadContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-uploads-"))
const target = (): UploadTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

uploadLifecycleContract("PGlite", target)
uploadActionsContract("PGlite", target)
