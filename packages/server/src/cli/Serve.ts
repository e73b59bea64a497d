/** `batchops serve`: the control room (the API, and the worker and the scheduler beside it). */
import { errorChainMessage } from "@batchops/core"
import { startServer } from "../api/Server.js"
import { chooseDatabase, type Env } from "../Database.js"
import { checkHostSettings, readSetting } from "../Settings.js"
import { type CommandInput, defineCommand, type Output, parseCommandArgs } from "./Command.js"

const options = {
  worker: { type: "boolean", negated: true },
  scheduler: { type: "boolean", negated: true },
} as const

/** The roles BATCHOPS_ROLE and the flags ask for. */
const rolesOf = (values: CommandInput<typeof options>["values"], env: Env) => {
  const embedded = readSetting(env, "role") === "all"
  return { worker: values.worker ?? embedded, scheduler: values.scheduler ?? embedded }
}

const runServe = async (roles: { worker: boolean; scheduler: boolean }, output: Output): Promise<number> => {
  const running = await startServer({ env: process.env, worker: roles.worker, scheduler: roles.scheduler })
  output.err(`BatchOps is running at ${running.url} (${running.database})\n`)
  if (!roles.worker || !roles.scheduler) {
    const apart = [roles.worker ? undefined : "worker", roles.scheduler ? undefined : "scheduler"].filter(Boolean)
    output.err(`  without the ${apart.join(" and ")}: run \`batchops ${apart.join("` and `batchops ")}\` beside it\n`)
  }
  output.err(`  API reference: ${running.url}/api/docs/\n`)
  if (!running.hasAdmin) {
    const embedded = chooseDatabase(process.env).kind === "pglite"
    output.err(
      "  No admin yet. Create the first one (it signs in at POST /api/auth/login):\n" +
        (embedded
          ? "    stop BatchOps (Ctrl+C; the embedded database takes one process at a time), then run\n" +
            "    npx batchops create-admin --email you@school.example\n    and npm start again\n"
          : "    npx batchops create-admin --email you@school.example\n"),
    )
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop)
      process.off("SIGTERM", stop)
      output.err("BatchOps: stopping\n")
      resolve()
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
  })
  await running.close()
  return 0
}

/** Runs until SIGINT or SIGTERM (0); a server that cannot start is one line (1). */
export const serveCommand = defineCommand({
  name: "serve",
  summary: `\`serve\` starts the control room: the API on http://127.0.0.1:8000 (PORT, HOST), the upload
    worker, the incident mail and the scheduler, over the database below; it migrates first.
    --no-worker and --no-scheduler (or BATCHOPS_ROLE=api for both) leave those to separate
    \`batchops worker\` and \`batchops scheduler\` processes (BATCHOPS_ROLE=all is the default).`,
  options,
  run: ({ values }, output) => {
    // every setting, before anything opens: a wrong one stops the command here
    checkHostSettings(process.env)
    return runServe(rolesOf(values, process.env), output)
  },
  failed: (error, output) => {
    output.err(`batchops serve: ${errorChainMessage(error)}\n`)
    return 1
  },
})

/**
 * Which roles `serve` runs beside the API: BATCHOPS_ROLE `all` (the default: the worker and
 * the scheduler in this process) or `api` (neither); --no-worker and --no-scheduler say so
 * one at a time and win over BATCHOPS_ROLE (--worker, --scheduler turn one back on).
 */
export const serveRoles = (args: ReadonlyArray<string>, env: Env): { worker: boolean; scheduler: boolean } =>
  rolesOf(parseCommandArgs(serveCommand, args).values, env)
