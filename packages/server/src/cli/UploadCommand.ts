/**
 * What `show`, `retry`, `approve` and `reject` share: each acts on one upload (or only reads
 * it), then prints it; 0 done, 1 refused or the database failed.
 */
import {
  approveUpload,
  causeMessage,
  heldRequest,
  type Models,
  rejectUpload,
  retryUpload,
  UploadActionRefused,
  UploadsRepo,
  UsersRepo,
} from "@batchops/core"
import { Cause, Effect, Logger, Option } from "effect"
import { chooseDatabase } from "../Database.js"
import { lifecycleLayer, UsageError } from "../Host.js"
import { type ArgumentDeclaration, defineCommand, type Output } from "./Command.js"

export type UploadCommand = "show" | "retry" | "approve" | "reject"

export interface UploadCommandOptions {
  readonly uploadId: string
  readonly by: string | undefined
  readonly note: string | undefined
  readonly profile: string | undefined
  readonly plan: string | undefined
  readonly config: unknown
  readonly json: boolean
}

/** The upload a command acts on. */
export const uploadArgument = (command: UploadCommand): ArgumentDeclaration => ({
  name: "<upload id>",
  missing: `the upload id to ${command}`,
  one: "upload",
})

/** The user --by names, who must exist and be active. */
const operatorNamed = (username: string, uploadId: string) =>
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const found = yield* users.getByUsername(username)
    if (Option.isNone(found) || !found.value.isActive) {
      return yield* new UploadActionRefused({ uploadId, message: `no active user "${username}"` })
    }
    return found.value
  })

/** What `show` prints of an upload, as JSON. */
const uploadJson = (upload: Models.Upload, events: ReadonlyArray<Models.UploadEvent>) => ({
  id: upload.id,
  fileName: upload.fileName,
  status: upload.status,
  profile: upload.profile,
  plan: { mode: upload.processMode, config: upload.processConfig },
  progress: upload.progress,
  rows: upload.rows,
  stages: upload.steps.map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMs, log: s.log })),
  reports: upload.reportCsvPath ? { csv: upload.reportCsvPath, pdf: upload.reportPdfPath } : null,
  incidentId: upload.incidentId,
  approval: upload.approval,
  timeline: events,
})

const uploadText = (upload: Models.Upload, events: ReadonlyArray<Models.UploadEvent>): string => {
  const lines = [
    `${upload.id} ${upload.fileName}: ${upload.status.replace("_", " ")}`,
    `  plan ${upload.processMode}, profile ${upload.profile}${upload.rows === null ? "" : `, ${upload.rows} rows`}`,
  ]
  for (const step of upload.steps) lines.push(`  ${step.status.padEnd(7)} ${step.name}`)
  if (upload.reportCsvPath) lines.push(`  csv: ${upload.reportCsvPath}`, `  pdf: ${upload.reportPdfPath}`)
  if (upload.incidentId) lines.push(`  incident: ${upload.incidentId}`)
  const held = heldRequest(upload)
  if (held && upload.status === "awaiting_approval") {
    lines.push(`  waiting for approval: ${held.message}`, `  columns: ${held.columns.join(", ")}`)
    for (const row of held.preview) {
      lines.push(
        `  ${row.change === "deleted" ? "-" : "+"} row ${row.number}: ${row.cells.map((c) => c ?? "").join(", ")}`,
      )
    }
  }
  for (const event of events) lines.push(`  ${event.at} ${event.actor ?? "batchops"}: ${event.message}`)
  return `${lines.join("\n")}\n`
}

export const runUploadCommand = async (command: UploadCommand, options: UploadCommandOptions, output: Output) => {
  const database = chooseDatabase(process.env)
  const program = Effect.gen(function* () {
    const uploads = yield* UploadsRepo
    const operator = options.by === undefined ? undefined : yield* operatorNamed(options.by, options.uploadId)
    if (command === "retry") {
      const corrections = {
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.plan === undefined ? {} : { plan: { mode: options.plan, config: options.config } }),
      }
      yield* retryUpload(options.uploadId, operator?.id ?? null, corrections)
    } else if (command === "approve" || command === "reject") {
      const decide = command === "approve" ? approveUpload : rejectUpload
      yield* decide(options.uploadId, { id: operator!.id, role: operator!.role }, options.note)
    }
    const found = yield* uploads.get(options.uploadId)
    if (Option.isNone(found)) {
      return yield* new UploadActionRefused({ uploadId: options.uploadId, message: `no upload ${options.uploadId}` })
    }
    return { upload: found.value, events: yield* uploads.events(options.uploadId) }
  }).pipe(Effect.provide(lifecycleLayer(process.env)), Effect.provideService(Logger.LogToStderr, true))
  const exit = await Effect.runPromiseExit(program)
  if (exit._tag === "Success") {
    const { upload, events } = exit.value
    output.out(options.json ? `${JSON.stringify(uploadJson(upload, events))}\n` : uploadText(upload, events))
    return 0
  }
  const refused = Cause.squash(exit.cause) instanceof UploadActionRefused
  const message = causeMessage(exit.cause)
  if (options.json) output.out(`${JSON.stringify({ status: refused ? "refused" : "error", error: message })}\n`)
  else output.err(`batchops ${command}: ${refused ? "" : `${database.describe}: `}${message}\n`)
  return 1
}

/**
 * `approve` and `reject`: the same declaration but for the decision and what it leads to, so
 * the two commands cannot drift apart.
 */
export const decisionCommand = (decision: "approve" | "reject", summary: string) =>
  defineCommand({
    name: decision,
    summary,
    argument: uploadArgument(decision),
    options: {
      by: { type: "string", value: "<username>", required: true },
      note: { type: "string", value: "<text>" },
      json: { type: "boolean" },
    },
    run: async ({ values, argument }, output) => {
      if (!values.by) throw new UsageError(`${decision} needs --by <username>: the admin or moderator who decides`)
      return runUploadCommand(
        decision,
        {
          uploadId: argument,
          by: values.by,
          note: values.note,
          profile: undefined,
          plan: undefined,
          config: undefined,
          json: values.json ?? false,
        },
        output,
      )
    },
  })
