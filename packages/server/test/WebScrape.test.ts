import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pgliteLayer } from "@batchops/store-sql"
import { afterAll } from "vitest"
import { type WebScrapeTarget, webScrapeContract } from "./WebScrapeContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-scrape-"))
const target = (): WebScrapeTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

webScrapeContract("PGlite", target)
