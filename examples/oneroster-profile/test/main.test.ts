import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const users = fileURLToPath(new URL("../data/users.csv", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "oneroster-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Run the example's program with node, as `npm start` does, against the built packages. */
const run = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [main, ...args], { cwd: work, encoding: "utf8", timeout: 30_000 })

it("checks the sample users.csv and publishes its reports", () => {
  const child = run()
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  expect(child.stdout.trim().split("\n")).toEqual([
    `${users}: 7 users, profile oneroster-users`,
    "reports: reports/users.summary.csv, reports/users.summary.pdf",
  ])
})

it("prints the values the standard does not allow, and the missing columns of a file that is not a users.csv", () => {
  const text = readFileSync(users, "utf8")
  writeFileSync(
    join(work, "bad-values.csv"),
    text.replace("usr-0003,,,true,org-hs,student,", "usr-0003,,,1,org-hs,Student,"),
  )
  const values = run("bad-values.csv")
  expect(values.status).toBe(0)
  // "Student" is the role student written otherwise; "1" is not a boolean OneRoster knows
  expect(values.stdout).toContain('  warning: row 4, enabled_user: "1" is not one of TRUE, FALSE\n')
  expect(values.stdout).not.toContain("role:")

  writeFileSync(join(work, "no-roles.csv"), text.replace("orgSourcedIds,role,", "orgSourcedIds,kind,"))
  const columns = run("no-roles.csv")
  expect(columns.status).toBe(1)
  expect(columns.stdout).toMatch(
    /^no-roles\.csv: not a valid users\.csv\n {2}validate_results: missing required column for the oneroster-users profile: role \(columns found: /,
  )
})
