/**
 * What an account may do, as `GET /api/auth/me/` answers it: each permission is read from the
 * access rule of the route that does it (the table the API enforces), running a job by hand from
 * core's `mayRunByHand`, and the incident moves from core's workflow. A client shows or hides an
 * action by this answer and never keeps its own copy of the rules.
 */
import { allowedTransitions, MANUAL_RUN_ACCESS, type ManualRunAccess, Models, mayRunByHand } from "@batchops/core"
import { Schema } from "effect"
import { type Access, accessAllows, type RouteDef } from "../Api.js"
import { CORRECTED_RETRY_ACCESS } from "../uploads/Actions.js"

/** Each permission, and the route whose access rule decides it. */
const PERMISSION_ROUTES = {
  /** send a file */
  upload: "POST /api/uploads/",
  /** remember a department's column mapping */
  confirm_mappings: "PUT /api/column-mappings/",
  /** change, move, assign, annotate and retry incidents */
  manage_incidents: "PATCH /api/incidents/:id/",
  delete_incidents: "DELETE /api/incidents/:id/",
  /** add, edit and remove known errors */
  manage_known_errors: "POST /api/known-errors/",
  /** approve or reject an upload the mass-change guard held */
  approve_uploads: "POST /api/uploads/:id/approve/",
  delete_uploads: "DELETE /api/uploads/:id/",
  /** create and edit schedules */
  edit_schedules: "POST /api/jobs/",
  /** create and edit department sources */
  edit_sources: "POST /api/department-sources/",
  /** list, create and change accounts */
  manage_users: "GET /api/users/",
} as const

type RoutePermission = keyof typeof PERMISSION_ROUTES

const INCIDENT_STATUSES = Models.IncidentStatus.literals

export const PermissionsJson = Schema.Struct({
  ...(Object.fromEntries(Object.keys(PERMISSION_ROUTES).map((name) => [name, Schema.Boolean])) as Record<
    RoutePermission,
    typeof Schema.Boolean
  >),
  /** retry an upload with another profile or plan (anyone who may retry retries it as it is) */
  correct_uploads: Schema.Boolean,
  /** the `run_by_hand` values of the jobs this account may run by hand */
  run_by_hand: Schema.Array(Schema.Literals(MANUAL_RUN_ACCESS)),
})

export type Permissions = typeof PermissionsJson.Type

/** Where an incident of each status may move to. */
export const IncidentTransitionsJson = Schema.Struct(
  Object.fromEntries(INCIDENT_STATUSES.map((status) => [status, Schema.Array(Models.IncidentStatus)])) as Record<
    Models.IncidentStatus,
    Schema.$Array<typeof Models.IncidentStatus>
  >,
)

/** The access rule of the route `METHOD path` in `routes`; a permission naming no route is a bug here. */
const accessOf = (routes: ReadonlyArray<RouteDef>, key: string): Access => {
  const route = routes.find((candidate) => `${candidate.method} ${candidate.path}` === key)
  if (route === undefined) throw new Error(`no route ${key} in the table: the permission names a route that is gone`)
  return route.access
}

export const permissionsOf = (routes: ReadonlyArray<RouteDef>, role: Models.Role): Permissions => ({
  ...(Object.fromEntries(
    Object.entries(PERMISSION_ROUTES).map(([name, key]) => [name, accessAllows(accessOf(routes, key), role)]),
  ) as Record<RoutePermission, boolean>),
  correct_uploads: accessAllows(CORRECTED_RETRY_ACCESS, role),
  run_by_hand: MANUAL_RUN_ACCESS.filter((access: ManualRunAccess) => mayRunByHand({ runByHand: access }, role)),
})

export const incidentTransitions = (): typeof IncidentTransitionsJson.Type =>
  Object.fromEntries(INCIDENT_STATUSES.map((status) => [status, allowedTransitions(status)])) as Record<
    Models.IncidentStatus,
    ReadonlyArray<Models.IncidentStatus>
  >
