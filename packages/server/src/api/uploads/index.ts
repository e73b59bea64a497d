/** The uploads area of the API: its routes, and the layer of the services they need. */
import type { RouteDef } from "../Api.js"
import { actionRoutes } from "./Actions.js"
import { columnMappingRoutes } from "./ColumnMappings.js"
import { eventRoutes } from "./Events.js"
import { uploadLimitsLayer } from "./Limits.js"
import { previewRoutes } from "./Preview.js"
import { reportRoutes } from "./Reports.js"
import { uploadRoutes } from "./Uploads.js"

export const routes: ReadonlyArray<RouteDef> = [
  ...previewRoutes,
  ...columnMappingRoutes,
  ...uploadRoutes,
  ...actionRoutes,
  ...eventRoutes,
  ...reportRoutes,
] as ReadonlyArray<RouteDef>

/** What this area adds to the API's runtime: the upload size limit (`BATCHOPS_MAX_UPLOAD_BYTES`). */
export const layer = uploadLimitsLayer
