/**
 * Retrying an incident's upload: the incident must have an upload that still exists and must
 * not be archived; the corrections the retry asks for are checked against the registry before
 * anything moves (an unknown profile or plan, or a config its plan refuses, names the field);
 * then the upload is retried as `retryUpload` does, the retry counted on the upload's incident
 * (this one, unless the upload's failure was recorded on another).
 */
import { Cause, Effect, Exit, Option, Schema } from "effect"
import { CurrentRegistry } from "../plugins/Registry.js"
import { IncidentNotFound, IncidentsRepo } from "../ports/IncidentsRepo.js"
import { UploadsRepo } from "../ports/UploadsRepo.js"
import { type FieldProblem, FieldProblems, schemaProblems } from "../runtime/FieldProblems.js"
import { type RetryCorrections, retryUpload } from "./UploadActions.js"

/** The incident's upload cannot be retried (archived, no upload, the upload gone); nothing was written. */
export class IncidentRetryRefused extends Schema.TaggedError<IncidentRetryRefused>()("IncidentRetryRefused", {
  incidentId: Schema.String,
  message: Schema.String,
}) {}

/** The retry's corrections are not valid: each field at fault in `problems`; nothing was written. */
export class RetryCorrectionsInvalid extends Schema.TaggedError<RetryCorrectionsInvalid>()("RetryCorrectionsInvalid", {
  message: Schema.String,
  problems: FieldProblems,
}) {}

/** What a retry corrects, as the operator sent it; a config without a plan is for the upload's own plan. */
export interface RetryRequest {
  readonly profile?: string | undefined
  readonly processMode?: string | undefined
  readonly processConfig?: unknown
}

/** The corrections of `request`, checked against the registry; `currentMode` is the upload's plan. */
export const checkRetryRequest = Effect.fn("IncidentRetry.checkRetryRequest")(function* (
  request: RetryRequest,
  currentMode: string,
) {
  const registry = yield* CurrentRegistry
  const problems: Array<FieldProblem> = []
  if (request.profile !== undefined && request.profile !== "auto" && !registry.profiles.has(request.profile)) {
    const known = [...registry.profiles.keys(), "auto"].join(", ")
    problems.push({ path: "profile", message: `unknown profile "${request.profile}" (known: ${known})` })
  }
  const mode = request.processMode ?? currentMode
  const plan = registry.plans.get(mode)
  if (plan === undefined) {
    const known = [...registry.plans.keys()].join(", ")
    problems.push({ path: "process_mode", message: `unknown plan "${mode}" (known: ${known})` })
  } else if (request.processConfig !== undefined) {
    const exit = Schema.decodeUnknownExit(plan.config, { errors: "all" })(request.processConfig)
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      if (error instanceof Schema.SchemaError) {
        for (const problem of schemaProblems(error, "process_config")) {
          const path = problem.path === "process_config" ? problem.path : `process_config.${problem.path}`
          problems.push({ path, message: problem.message })
        }
      } else problems.push({ path: "process_config", message: `not a valid config for the ${mode} plan` })
    }
  }
  if (problems.length > 0) {
    return yield* new RetryCorrectionsInvalid({
      message: `the retry's corrections are not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      problems,
    })
  }
  const planChanged = request.processMode !== undefined || request.processConfig !== undefined
  const corrections: RetryCorrections = {
    ...(request.profile === undefined ? {} : { profile: request.profile }),
    ...(planChanged
      ? { plan: { mode, ...(request.processConfig === undefined ? {} : { config: request.processConfig }) } }
      : {}),
  }
  return corrections
})

/** Retries the upload of incident `incidentId` with `request`'s corrections (see above). */
export const retryIncidentUpload = Effect.fn("IncidentRetry.retryIncidentUpload")(function* (
  incidentId: string,
  actor: string | null,
  request: RetryRequest,
) {
  const found = yield* (yield* IncidentsRepo).get(incidentId)
  if (Option.isNone(found)) {
    return yield* new IncidentNotFound({ id: incidentId, message: `no incident ${incidentId}` })
  }
  const incident = found.value
  const refuse = (message: string) => new IncidentRetryRefused({ incidentId, message })
  if (incident.status === "archived") {
    return yield* refuse(`incident ${incidentId} is archived; an archived incident cannot change`)
  }
  if (incident.uploadId === null) return yield* refuse(`incident ${incidentId} has no upload to retry`)
  const upload = yield* (yield* UploadsRepo).get(incident.uploadId)
  if (Option.isNone(upload)) return yield* refuse(`the upload of incident ${incidentId} no longer exists`)
  const corrections = yield* checkRetryRequest(request, upload.value.processMode)
  return yield* retryUpload(upload.value.id, actor, corrections)
})
