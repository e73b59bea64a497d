/** `batchops reject <upload id> --by <username>`: decides on an upload awaiting approval. */
import { decisionCommand } from "./UploadCommand.js"

export const rejectCommand = decisionCommand(
  "reject",
  `\`reject\` refuses the change an upload awaiting approval would publish, as the admin or
    moderator --by names (--note says why): the upload ends rejected, nothing published.`,
)
