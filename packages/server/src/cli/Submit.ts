/** `batchops submit <file>`: stores and queues one upload; 0 queued, 1 refused or the database failed. */

import { readFile } from "node:fs/promises"
import { basename } from "node:path"
import { causeMessage, fileErrorReason, submitUpload, UploadRejected } from "@batchops/core"
import { Cause, Effect, Logger } from "effect"
import { chooseDatabase } from "../Database.js"
import { lifecycleLayer, UsageError } from "../Host.js"
import { defineCommand, type Output } from "./Command.js"
import { configOption, readConfig } from "./PlanConfig.js"

interface SubmitOptions {
  readonly file: string
  readonly plan: string
  readonly config: unknown
  readonly profile: string
  /** its remembered column mappings apply */
  readonly department: string | undefined
  readonly json: boolean
}

const runSubmit = async (options: SubmitOptions, output: Output): Promise<number> => {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(options.file))
  } catch (cause) {
    throw new UsageError(`cannot read ${options.file}: ${fileErrorReason(cause)}`)
  }
  const database = chooseDatabase(process.env)
  const program = submitUpload({
    fileName: basename(options.file),
    bytes,
    profile: options.profile,
    processMode: options.plan,
    processConfig: options.config,
    department: options.department,
  }).pipe(Effect.provide(lifecycleLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const upload = exit.value
    if (options.json) {
      output.out(
        `${JSON.stringify({ status: "queued", uploadId: upload.id, fileName: upload.fileName, sha256: upload.sha256, size: upload.size })}\n`,
      )
    } else output.out(`${upload.id}\n`)
    return 0
  }
  const refused = Cause.squash(exit.cause) instanceof UploadRejected
  const message = causeMessage(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: refused ? "rejected" : "error", error: message })}\n`)
  else output.err(`batchops submit: ${refused ? "" : `${database.describe}: `}${message}\n`)
  return 1
}

export const submitCommand = defineCommand({
  name: "submit",
  summary: `\`submit\` stores a file as an upload in that database (its original under
    <data dir>/uploads) and queues it; it prints the upload's id. It migrates first.`,
  argument: { name: "<file>", missing: "the file to submit", one: "file" },
  options: {
    plan: { type: "string", value: "<plan>" },
    config: configOption,
    profile: { type: "string", value: "<profile>" },
    department: { type: "string", value: "<name>" },
    json: { type: "boolean" },
  },
  run: async ({ values, argument }, output) =>
    runSubmit(
      {
        file: argument,
        plan: values.plan ?? "transform",
        config: await readConfig(values.config),
        profile: values.profile ?? "gradebook",
        department: values.department?.trim() || undefined,
        json: values.json ?? false,
      },
      output,
    ),
})
