import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { expect, it } from "vitest"
import { root } from "./helpers.js"

it("the plugin example runs its stage right after validate_results, against the built packages", () => {
  const child = spawnSync(process.execPath, [join(root, "examples", "honor-roll", "honor-roll-plugin.mjs")], {
    cwd: root,
    encoding: "utf8",
  })
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  const lines = child.stdout.trim().split("\n")
  expect(lines.map((line) => line.split(/\s+/)[0])).toEqual([
    "standardize_results",
    "validate_results",
    "flag_honor_roll",
    "transform_gradebook",
    "generate_summary",
    "publish_results",
    "reports:",
  ])
  expect(lines[2]).toMatch(/ok honor-roll honor roll: \d+/)
})
