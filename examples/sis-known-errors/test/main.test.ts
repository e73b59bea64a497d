import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "sis-known-errors-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

it("runs the sample exports against the built packages: the good one publishes, each broken one gets its diagnosis", () => {
  const child = spawnSync(process.execPath, [main], { cwd: work, encoding: "utf8", timeout: 30_000 })
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  const heads = child.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("  "))
  expect(heads).toEqual([
    "excel-resaved.csv: failed in check_powerschool_export (powerschool-excel-resaved)",
    "internal-id.txt: failed in check_powerschool_export (powerschool-internal-id)",
    "no-column-titles.txt: failed in check_powerschool_export (powerschool-no-column-titles)",
    "stored-grades.txt: published, 11 rows -> reports/stored-grades.summary.csv",
  ])
  expect(child.stdout).toContain(
    "  corrective action: Export again from PowerSchool with “Include column titles” ticked, then upload the new file.\n",
  )
})
