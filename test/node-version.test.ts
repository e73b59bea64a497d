/**
 * The `batchops` command on a Node older than its engines field (>= 22.12): one line naming
 * the Node it needs and the one it found, exit 1, instead of a SyntaxError from Node's loader.
 * It runs with an older Node found on the machine (a system's /usr/bin/node, often).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { bin, hasStackTrace, root } from "./helpers.js"

const CANDIDATES = ["/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"]

const isOlderThanRequired = (version: string) => {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number)
  return major < 22 || (major === 22 && minor < 12)
}

/** the first Node binary on the machine older than 22.12, with its version */
const olderNode = CANDIDATES.filter((path) => existsSync(path))
  .map((path) => ({ path, version: execFileSync(path, ["--version"], { encoding: "utf8" }).trim() }))
  .find(({ version }) => isOlderThanRequired(version))

describe("batchops on an older Node", () => {
  it("says which Node it needs and exits 1", (context) => {
    context.skip(
      olderNode === undefined,
      `no Node older than 22.12 on this machine (looked at ${CANDIDATES.join(", ")})`,
    )
    const result = spawnSync(olderNode!.path, [bin, "--version"], { cwd: root, encoding: "utf8" })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe(
      `batchops needs Node.js 22.12 or newer (this is ${olderNode!.version.replace(/^v/, "")})\n`,
    )
    expect(hasStackTrace(result.stderr)).toBe(false)
  })
})
