import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const gradebook = fileURLToPath(new URL("../../data/gradebook.csv", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "curve-plan-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Run the example's program with node, as `npm start` does, against the built packages. */
const run = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [main, ...args], { cwd: work, encoding: "utf8", timeout: 30_000 })

/** A column of the sample gradebook, read here without BatchOps: the scores present. */
const scores = (column: string) => {
  const [header, ...lines] = readFileSync(gradebook, "utf8").trim().split("\n")
  const index = header!.split(",").indexOf(column)
  return lines
    .map((line) => line.split(",")[index]!)
    .filter((cell) => cell !== "" && cell !== "N/A")
    .map(Number)
}
const mean = (values: ReadonlyArray<number>) =>
  (values.reduce((sum, value) => sum + value, 0) / values.length).toFixed(1)
const curved = (score: number) => Math.round(10 * Math.sqrt(Math.min(score, 100)) * 10) / 10

it("prints each column's mean before and after the curve, and publishes the curved rows", () => {
  const child = run("--columns", "Math,Science")
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  expect(child.stdout.trim().split("\n")).toEqual([
    "Square-root curve out of 100 (max × √(score / max)):",
    `  Math: mean ${mean(scores("Math"))} -> ${mean(scores("Math").map(curved))}`,
    `  Science: mean ${mean(scores("Science"))} -> ${mean(scores("Science").map(curved))}`,
    "curved rows: reports/gradebook.processed.csv",
  ])
  // the published rows: every curved score within 0..100 (the sample has a math score of 106)
  const [header, ...rows] = readFileSync(join(work, "reports", "gradebook.processed.csv"), "utf8")
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\r\n")
  const math = header!.split(",").indexOf("math")
  const published = rows
    .map((row) => row.split(",")[math]!)
    .filter((cell) => cell !== "")
    .map(Number)
  expect(published).toEqual(scores("Math").map(curved))
  expect(Math.max(...published)).toBeLessThanOrEqual(100)
})

it("says which config field is wrong", () => {
  const child = run("--max", "0")
  expect(child.status).toBe(1)
  expect(child.stderr).toBe("not curved: invalid curve plan: process_config.max: expected a value greater than 0\n")
})
