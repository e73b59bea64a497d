/** The --config of a plan: JSON given inline, or `@<path>` of a file that holds it. */

import { readFile } from "node:fs/promises"
import { fileErrorReason } from "@batchops/core"
import { UsageError } from "../Host.js"

/** The option as the usage shows it. */
export const configOption = { type: "string", value: "<json>|@<path>" } as const

/** The config's value (undefined without --config); a UsageError when it cannot be read. */
export const readConfig = async (value: string | undefined): Promise<unknown> => {
  if (value === undefined) return undefined
  let text = value
  if (value.startsWith("@")) {
    const path = value.slice(1)
    try {
      text = await readFile(path, "utf8")
    } catch (cause) {
      throw new UsageError(`cannot read the config file ${path}: ${fileErrorReason(cause)}`)
    }
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new UsageError(`--config is not valid JSON: ${fileErrorReason(cause)}`)
  }
}
