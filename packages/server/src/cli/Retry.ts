/** `batchops retry <upload id>`: queues a failed upload again, corrected or as it was. */
import { UsageError } from "../Host.js"
import { defineCommand } from "./Command.js"
import { configOption, readConfig } from "./PlanConfig.js"
import { runUploadCommand, uploadArgument } from "./UploadCommand.js"

export const retryCommand = defineCommand({
  name: "retry",
  summary: `\`retry\` queues a failed upload again: it resumes after the last stage that finished, or
    runs from the file when --profile, --plan or --config correct it.`,
  argument: uploadArgument("retry"),
  options: {
    profile: { type: "string", value: "<profile>" },
    plan: { type: "string", value: "<plan>" },
    config: configOption,
    by: { type: "string", value: "<username>" },
    json: { type: "boolean" },
  },
  run: async ({ values, argument }, output) => {
    const config = await readConfig(values.config)
    if (config !== undefined && values.plan === undefined) {
      throw new UsageError("--config corrects a plan: give --plan too")
    }
    return runUploadCommand(
      "retry",
      {
        uploadId: argument,
        by: values.by,
        note: undefined,
        profile: values.profile,
        plan: values.plan,
        config,
        json: values.json ?? false,
      },
      output,
    )
  },
})
