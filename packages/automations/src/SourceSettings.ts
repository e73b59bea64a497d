/**
 * A department source's settings by its kind: what the API checks when a source is saved and
 * what the ingest decodes before it runs, so a bad setting is refused with the field named.
 */

import type { Models } from "@batchops/core"
import { Cause, Exit, Schema, SchemaIssue } from "effect"
import { DirectorySettings } from "./DirectorySettings.js"
import { SimulatedSettings } from "./SimulatedFeed.js"
import { UrlSettings } from "./UrlSettings.js"

// biome-ignore lint/suspicious/noExplicitAny: each kind decodes its own settings type
export const sourceSettingsSchemas: Readonly<Record<Models.SourceKind, Schema.Codec<any, any>>> = {
  simulated: SimulatedSettings,
  directory: DirectorySettings,
  url: UrlSettings,
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Why `settings` do not suit a source of `kind` ("settings.path: must be relative..."), or
 * undefined when they do.
 */
export const sourceSettingsProblem = (kind: Models.SourceKind, settings: unknown): string | undefined => {
  const decoded = Schema.decodeUnknownExit(sourceSettingsSchemas[kind], {
    errors: "all",
    onExcessProperty: "error",
  })(settings)
  if (Exit.isSuccess(decoded)) return undefined
  const error = Cause.squash(decoded.cause)
  if (!(error instanceof Schema.SchemaError)) return `settings do not suit a ${kind} source`
  return formatter(error.issue)
    .issues.map((issue) => {
      const path = (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment))
      return `settings${path.length > 0 ? `.${path.join(".")}` : ""}: ${issue.message}`
    })
    .join("; ")
}
