import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pgliteLayer } from "@batchops/store-sql"
import { afterAll } from "vitest"
import { type AttendanceTarget, attendanceRemindersContract } from "./AttendanceRemindersContract.js"

const dataDir = mkdtempSync(join(tmpdir(), "batchops-pglite-attendance-"))
const target = (): AttendanceTarget => ({ open: () => pgliteLayer({ dataDir }) })

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

attendanceRemindersContract("PGlite", target)
