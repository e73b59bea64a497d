/** BatchOps' own stages, plans, profiles and known errors, registered like any plugin's. */
import { builtinKnownErrors } from "../known-errors/BuiltinKnownErrors.js"
import { builtinPlans } from "../pipeline/BuiltinPlans.js"
import { builtinProfiles } from "../pipeline/BuiltinProfiles.js"
import { generateSummary } from "../pipeline/stages/GenerateSummary.js"
import { publishResults } from "../pipeline/stages/PublishResults.js"
import { standardizeResults } from "../pipeline/stages/StandardizeResults.js"
import { transformGradebook } from "../pipeline/stages/TransformGradebook.js"
import { validateResults } from "../pipeline/stages/ValidateResults.js"
import { definePlugin, PLUGIN_API_VERSION } from "./Plugin.js"

export const builtinStages = [standardizeResults, validateResults, transformGradebook, generateSummary, publishResults]

export const batchopsPlugin = definePlugin({
  name: "batchops",
  apiVersion: PLUGIN_API_VERSION,
  stages: builtinStages,
  plans: builtinPlans,
  profiles: builtinProfiles,
  knownErrors: builtinKnownErrors,
})
