/**
 * The automations a job can name: every plugin's (BatchOps' own included), by key, with the
 * JSON Schema of their parameters, so a person (or a form) knows what a job of each accepts
 * before saving it, and who may run their jobs by hand.
 */
import { DEFAULT_MANUAL_RUN_ACCESS } from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Effect, Schema } from "effect"
import { defineRoute } from "../Api.js"

const TAG = "Schedules"

const AutomationJson = Schema.Struct({
  key: Schema.String,
  description: Schema.String,
  plugin: Schema.String,
  /** who may run its jobs by hand: `any` signed-in person, `moderator` (admins and moderators), `admin` */
  run_by_hand: Schema.Literals(["any", "moderator", "admin"]),
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
              run_by_hand: automation.runByHand ?? DEFAULT_MANUAL_RUN_ACCESS,
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
