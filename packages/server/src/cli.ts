/**
 * The `batchops` command: finds the command named first and runs it. Each command is one
 * module under `cli/` that declares its name, summary, argument and options once; the usage
 * text is built from those declarations. Exit status: 0 done, 1 failed or refused, 2 a usage
 * error, 3 held for approval (`process --max-change`). With --json, standard output holds one
 * JSON object per answer and nothing else.
 */
import { readFile } from "node:fs/promises"
import { approveCommand } from "./cli/Approve.js"
import { backupCommand } from "./cli/Backup.js"
import { type Command, type Output, parseCommandArgs, stdio, usageText } from "./cli/Command.js"
import { createAdminCommand } from "./cli/CreateAdmin.js"
import { migrateCommand } from "./cli/Migrate.js"
import { processCommand } from "./cli/Process.js"
import { rejectCommand } from "./cli/Reject.js"
import { restoreCommand } from "./cli/Restore.js"
import { retryCommand } from "./cli/Retry.js"
import { schedulerCommand } from "./cli/Scheduler.js"
import { serveCommand } from "./cli/Serve.js"
import { showCommand } from "./cli/Show.js"
import { submitCommand } from "./cli/Submit.js"
import { workerCommand } from "./cli/Worker.js"
import { UsageError } from "./Host.js"

/** Every command, in the order the usage text shows them. */
export const commands: ReadonlyArray<Command> = [
  serveCommand,
  processCommand,
  migrateCommand,
  submitCommand,
  workerCommand,
  schedulerCommand,
  showCommand,
  retryCommand,
  approveCommand,
  rejectCommand,
  createAdminCommand,
  backupCommand,
  restoreCommand,
]

const USAGE = usageText(
  commands,
  `Exit status: 0 published (or migrated, submitted, worked, backed up, restored), 1 the
  pipeline failed (an incident), the migration, the upload or the restore was refused or the
  database failed, 2 a usage error, 3 held for approval (process --max-change).`,
)

/**
 * The version of @batchops/server, from its package.json: this file and the bundled command
 * (dist/batchops-cli.js) both sit one folder below it.
 */
const packageVersion = async (): Promise<string> => {
  const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"))
  return manifest.version
}

/** Effect.runPromise rejects with the failure itself for typed failures; keep the original error. */
const unwrap = (cause: unknown): unknown => {
  if (cause instanceof UsageError) return cause
  const inner = (cause as { cause?: unknown })?.cause
  return inner instanceof UsageError ? inner : cause
}

/** Run the command with `argv` (without node and the script); resolves to the exit status. */
export const run = async (argv: ReadonlyArray<string>, output: Output = stdio): Promise<number> => {
  const json = argv.includes("--json")
  const usageError = (message: string) => {
    if (json) output.out(`${JSON.stringify({ status: "error", error: message })}\n`)
    else output.err(`batchops: ${message}\n\n${USAGE}\n`)
    return 2
  }
  const [name, ...rest] = argv
  if (name === "--version" || name === "-v") {
    output.out(`${await packageVersion()}\n`)
    return 0
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    output.out(`${USAGE}\n`)
    return name === undefined ? 2 : 0
  }
  // `batchops <command> --help` shows the usage of every command
  if (rest.includes("--help") || rest.includes("-h")) {
    output.out(`${USAGE}\n`)
    return 0
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (command === undefined) return usageError(`unknown command "${name}"`)
  try {
    return await command.run(parseCommandArgs(command, rest), output)
  } catch (cause) {
    const error = unwrap(cause)
    if (error instanceof UsageError) return usageError(error.message)
    if (command.failed === undefined) throw error
    return command.failed(error, output, json)
  }
}

/** Entry point of the `batchops` binary. */
export const main = async (argv: ReadonlyArray<string>): Promise<void> => {
  process.exitCode = await run(argv)
}
