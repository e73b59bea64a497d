/** Ingesting a `directory` department source: the files dropped into its inbox folder. */
import { AutomationError } from "@batchops/core"
import { Effect } from "effect"
import type { SourceIngester } from "./Sources.js"

export const ingestDirectorySource: SourceIngester = (source) =>
  Effect.fail(new AutomationError({ message: `source ${source.code}: directory sources cannot be ingested yet` }))
