/** Helpers for tests that run the real `batchops` command. */
import { spawn } from "node:child_process"
import { mkdtemp } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("..", import.meta.url))
export const bin = join(root, "packages", "server", "bin", "batchops.js")

export interface CommandResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run `batchops <args>` in `cwd` and collect its output. */
export const batchops = (args: ReadonlyArray<string>, cwd: string = root): Promise<CommandResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

export const tempDir = (prefix = "batchops-test-") => mkdtemp(join(tmpdir(), prefix))

/** True when the text shows a JavaScript stack trace. */
export const hasStackTrace = (text: string) => /^\s+at .+(\(|:\d+:\d+)/m.test(text)
