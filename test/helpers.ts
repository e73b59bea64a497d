/** Helpers for tests that run the real `batchops` command. */
import { type ChildProcess, spawn } from "node:child_process"
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

/** Variables that say where BatchOps' data is: a test sets them itself, or they are absent. */
const DATA_VARIABLES = [
  "DATABASE_URL",
  "DB_NAME",
  "DB_USER",
  "DB_PASSWORD",
  "DB_HOST",
  "DB_PORT",
  "BATCHOPS_DATA_DIR",
  "EXPORT_DIR",
  "BATCHOPS_WORKER_LEASE_MS",
]

/** `env` without the variables that say where BatchOps' data is. */
export const withoutDataVariables = (env: NodeJS.ProcessEnv): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !DATA_VARIABLES.includes(key)) kept[key] = value
  }
  return kept
}

export interface RunningCommand {
  readonly child: ChildProcess
  readonly done: Promise<CommandResult & { readonly signal: NodeJS.Signals | null }>
}

/** Start `batchops <args>` in `cwd`, with only `env` saying where the data is. */
export const startBatchops = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> } = {},
): RunningCommand => {
  const env = withoutDataVariables(process.env)
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? root,
    env: { ...env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.setEncoding("utf8").on("data", (d) => (stdout += d))
  child.stderr!.setEncoding("utf8").on("data", (d) => (stderr += d))
  const done = new Promise<CommandResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Run `batchops <args>` in `cwd` and collect its output. */
export const batchops = (args: ReadonlyArray<string>, cwd: string = root): Promise<CommandResult> =>
  startBatchops(args, { cwd }).done

export const tempDir = (prefix = "batchops-test-") => mkdtemp(join(tmpdir(), prefix))

/** True when the text shows a JavaScript stack trace. */
export const hasStackTrace = (text: string) => /^\s+at .+(\(|:\d+:\d+)/m.test(text)
