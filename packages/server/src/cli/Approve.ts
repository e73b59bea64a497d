/** `batchops approve <upload id> --by <username>`: decides on an upload awaiting approval. */
import { decisionCommand } from "./UploadCommand.js"

export const approveCommand = decisionCommand(
  "approve",
  `\`approve\` accepts the change an upload awaiting approval would publish, as the admin or
    moderator --by names (--note says why): its run goes on after the stage that asked.`,
)
