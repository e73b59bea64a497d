/**
 * The automations a job can name: every plugin's (BatchOps' own included), by key, with the
 * JSON Schema of their parameters, so a person (or a form) knows what a job of each accepts
 * before saving it.
 */
import { Effect, Schema } from "effect"
import { UploadSettings } from "../../UploadSettings.js"
import { defineRoute } from "../Api.js"

const TAG = "Schedules"

const AutomationJson = Schema.Struct({
  key: Schema.String,
  description: Schema.String,
  plugin: Schema.String,
  /** JSON Schema (draft 2020-12) of the job's `params` */
  params_schema: Schema.Record(Schema.String, Schema.Unknown),
})

export const automationRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/automations/",
    summary: "List the automations jobs can run, with their parameter schemas (by key)",
    tag: TAG,
    access: "user",
    response: Schema.Array(AutomationJson),
    handler: () =>
      Effect.gen(function* () {
        const { registry } = yield* UploadSettings
        const automations = [...registry.automations.values()].sort((a, b) => a.key.localeCompare(b.key))
        return {
          json: automations.map((automation) => {
            // unknown fields are refused when a job is saved and when it runs: the schema says so
            const document = Schema.toJsonSchemaDocument(automation.params, { onExcessProperty: "error" })
            const definitions = Object.keys(document.definitions ?? {}).length > 0 ? document.definitions : undefined
            return {
              key: automation.key,
              description: automation.description,
              plugin: automation.plugin,
              params_schema: {
                $schema: "https://json-schema.org/draft/2020-12/schema",
                ...(document.schema as Record<string, unknown>),
                ...(definitions === undefined ? {} : { $defs: definitions }),
              },
            }
          }),
        }
      }),
  }),
]
