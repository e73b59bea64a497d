/** BatchOps' own stages, plans, profiles and known errors, registered like any plugin's. */
import { builtinKnownErrors } from "./BuiltinKnownErrors.js"
import { builtinPlans } from "./BuiltinPlans.js"
import { builtinProfiles } from "./BuiltinProfiles.js"
import { definePlugin, PLUGIN_API_VERSION } from "./Plugin.js"
import { generateSummary } from "./stages/GenerateSummary.js"
import { publishResults } from "./stages/PublishResults.js"
import { standardizeResults } from "./stages/StandardizeResults.js"
import { transformGradebook } from "./stages/TransformGradebook.js"
import { validateResults } from "./stages/ValidateResults.js"

export const builtinStages = [standardizeResults, validateResults, transformGradebook, generateSummary, publishResults]

export const batchopsPlugin = definePlugin({
  name: "batchops",
  apiVersion: PLUGIN_API_VERSION,
  stages: builtinStages,
  plans: builtinPlans,
  profiles: builtinProfiles,
  knownErrors: builtinKnownErrors,
})
