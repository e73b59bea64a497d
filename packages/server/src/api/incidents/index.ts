/**
 * The incidents area of the API: incidents (list, detail, opening by hand, fields, actions,
 * deletion), incident groups and known errors. Viewing is for every role; changing is for
 * admins and moderators (the seed's "manage issues"); deleting an incident is for admins.
 */
import { Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { incidentActionRoutes } from "./IncidentActions.js"
import { groupRoutes } from "./IncidentGroups.js"
import { incidentRoutes } from "./Incidents.js"
import { knownErrorRoutes } from "./KnownErrors.js"

export const routes: ReadonlyArray<RouteDef> = [
  ...incidentRoutes,
  ...incidentActionRoutes,
  ...groupRoutes,
  ...knownErrorRoutes,
] as ReadonlyArray<RouteDef>

/** The routes need only the base services (repositories, queue, transactions, settings). */
export const layer = Layer.empty
