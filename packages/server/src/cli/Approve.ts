/** `batchops approve <upload id> --by <username>`: decides on an upload awaiting approval. */
import { UsageError } from "../Host.js"
import { defineCommand } from "./Command.js"
import { runUploadCommand, uploadArgument } from "./UploadCommand.js"

export const approveCommand = defineCommand({
  name: "approve",
  summary: `\`approve\` accepts the change an upload awaiting approval would publish, as the admin or
    moderator --by names (--note says why): its run goes on after the stage that asked.`,
  argument: uploadArgument("approve"),
  options: {
    by: { type: "string", value: "<username>", required: true },
    note: { type: "string", value: "<text>" },
    json: { type: "boolean" },
  },
  run: async ({ values, argument }, output) => {
    if (!values.by) throw new UsageError("approve needs --by <username>: the admin or moderator who decides")
    return runUploadCommand(
      "approve",
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
