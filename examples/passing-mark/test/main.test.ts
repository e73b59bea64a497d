import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const gradebook = fileURLToPath(new URL("../../data/gradebook.csv", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "passing-mark-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Run the example's program with node, as `npm start` does, against the built packages. */
const run = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [main, ...args], { cwd: work, encoding: "utf8", timeout: 30_000 })

/** The scores below a mark in the sample gradebook, read here without BatchOps. */
const scoresBelow = (mark: number) => {
  const [header, ...lines] = readFileSync(gradebook, "utf8").trim().split("\n")
  const subjects = ["Math", "English", "Science"].map((name) => header!.split(",").indexOf(name))
  return lines.flatMap((line) => {
    const cells = line.split(",")
    return subjects
      .map((index) => cells[index]!)
      .filter((cell) => cell !== "" && cell !== "N/A" && Number(cell) < mark)
      .map((cell) => `${cells[0]} scored ${Number(cell)}`)
  })
}

it("prints every score below the mark in the sample gradebook and publishes the reports", () => {
  const child = run("--mark", "55")
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  const lines = child.stdout.trim().split("\n")
  expect(lines[0]).toBe("Scores below the passing mark of 55:")
  const flagged = lines.filter((line) => line.startsWith("  row "))
  expect(flagged.map((line) => line.replace(/^ {2}row \d+: /, "").replace(/ in \w+, below .*$/, ""))).toEqual(
    scoresBelow(55),
  )
  expect(lines.at(-2)).toMatch(
    new RegExp(
      `^${scoresBelow(55).length} scores below 55 \\(math \\d+, english \\d+, science \\d+\\); \\d+ students$`,
    ),
  )
  expect(lines.at(-1)).toBe(
    "reports: reports/gradebook.summary.csv, reports/gradebook.summary.pdf, reports/gradebook.rejected.csv",
  )
  // the rejected-rows file lists each flagged score with its rule
  const rejected = readFileSync(join(work, "reports", "gradebook.rejected.csv"), "utf8")
  expect(rejected.split("\r\n").filter((line) => line.includes(",below_passing_mark,"))).toHaveLength(
    scoresBelow(55).length,
  )
  expect(existsSync(join(work, "reports", "gradebook.summary.pdf"))).toBe(true)
})

it("refuses a mark that is not a number, and a file that is not there, with a message and no stack", () => {
  const mark = run("--mark", "sixty")

  expect(mark.status).toBe(2)
  expect(mark.stderr).toMatch(/^--mark must be a number of 0 or more, not "sixty"\nusage: /)
  const missing = run("no-such-gradebook.csv")
  expect(missing.status).toBe(2)
  expect(missing.stderr).toMatch(/no-such-gradebook\.csv/)
  expect(missing.stderr).not.toMatch(/\n\s+at /)
})
