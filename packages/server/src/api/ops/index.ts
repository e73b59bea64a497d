/** The operations area of the API: its routes, and the layer of the services they need. */
import { Effect, Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { AuditLog } from "../Services.js"

export const routes: ReadonlyArray<RouteDef> = []

/** What this area adds to the API's runtime (it may use the base services). */
export const layer = Layer.succeed(AuditLog, {
  record: (entry) => Effect.logInfo(`audit: ${entry.method} ${entry.route} ${entry.status}`),
})
