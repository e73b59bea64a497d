/** `batchops show <upload id>`: prints an upload, its steps, incident and timeline. */
import { defineCommand } from "./Command.js"
import { runUploadCommand, uploadArgument } from "./UploadCommand.js"

export const showCommand = defineCommand({
  name: "show",
  summary: `\`show\` prints an upload: its status, steps, what a held run would change, its incident and
    its timeline.`,
  argument: uploadArgument("show"),
  options: { json: { type: "boolean" } },
  run: ({ values, argument }, output) =>
    runUploadCommand(
      "show",
      {
        uploadId: argument,
        by: undefined,
        note: undefined,
        profile: undefined,
        plan: undefined,
        config: undefined,
        json: values.json ?? false,
      },
      output,
    ),
})
