/**
 * The operations area of the API: schedules (jobs), their runs and the automations they can
 * run, department sources and their records, health, and the audit log; and the layer of the
 * services they need (its repositories, and the real `AuditLog` the middleware writes to).
 */
import {
  AuditRepoLayer,
  DepartmentsRepoLayer,
  HeartbeatsRepoLayer,
  JobRunsRepoLayer,
  JobsRepoLayer,
  RateLimitsLayer,
} from "@batchops/store-sql"
import { Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { auditLogLayer, auditRoutes } from "./Audit.js"
import { automationRoutes } from "./Automations.js"
import { departmentSourceRoutes } from "./DepartmentSources.js"
import { healthRoutes } from "./Health.js"
import { jobRunRoutes } from "./JobRuns.js"
import { jobRoutes } from "./Jobs.js"
import { manualRunSettingsLayer } from "./ManualRunSettings.js"
import { schedulePreviewRoutes } from "./SchedulePreview.js"

export const routes: ReadonlyArray<RouteDef> = [
  ...jobRoutes,
  ...schedulePreviewRoutes,
  ...jobRunRoutes,
  ...automationRoutes,
  ...departmentSourceRoutes,
  ...healthRoutes,
  ...auditRoutes,
]

const repositories = Layer.mergeAll(
  JobsRepoLayer,
  JobRunsRepoLayer,
  DepartmentsRepoLayer,
  AuditRepoLayer,
  HeartbeatsRepoLayer,
  RateLimitsLayer,
)

/** What this area adds to the API's runtime (it uses the base services' SqlClient and HostEnv). */
export const layer = Layer.merge(auditLogLayer, manualRunSettingsLayer).pipe(Layer.provideMerge(repositories))
