/** Ingesting a `url` department source: the page or file it names. */
import { AutomationError } from "@batchops/core"
import { Effect } from "effect"
import type { SourceIngester } from "./Sources.js"

export const ingestUrlSource: SourceIngester = (source) =>
  Effect.fail(new AutomationError({ message: `source ${source.code}: url sources cannot be ingested yet` }))
