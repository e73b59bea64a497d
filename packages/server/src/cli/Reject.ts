/** `batchops reject <upload id> --by <username>`: decides on an upload awaiting approval. */
import { UsageError } from "../Host.js"
import { defineCommand } from "./Command.js"
import { runUploadCommand, uploadArgument } from "./UploadCommand.js"

export const rejectCommand = defineCommand({
  name: "reject",
  summary: `\`reject\` refuses the change an upload awaiting approval would publish, as the admin or
    moderator --by names (--note says why): the upload ends rejected, nothing published.`,
  argument: uploadArgument("reject"),
  options: {
    by: { type: "string", value: "<username>", required: true },
    note: { type: "string", value: "<text>" },
    json: { type: "boolean" },
  },
  run: async ({ values, argument }, output) => {
    if (!values.by) throw new UsageError("reject needs --by <username>: the admin or moderator who decides")
    return runUploadCommand(
      "reject",
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
