/**
 * Every route of the API, and the services the areas add to the runtime. A route exists only
 * in this table: the app, the OpenAPI document and the role-matrix test are built from it.
 */
import type { RouteDef } from "./Api.js"
import * as auth from "./auth/index.js"
import * as incidents from "./incidents/index.js"
import * as ops from "./ops/index.js"
import * as uploads from "./uploads/index.js"

export const apiRoutes: ReadonlyArray<RouteDef> = [
  ...auth.routes,
  ...uploads.routes,
  ...incidents.routes,
  ...ops.routes,
]

export const areaLayers = { auth: auth.layer, uploads: uploads.layer, incidents: incidents.layer, ops: ops.layer }
