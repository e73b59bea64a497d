/** Incident groups: failures that are the same story across uploads, most recently seen first. */
import { IncidentsRepo } from "@batchops/core"
import { Effect, Schema } from "effect"
import { defineRoute, PageOf, PageQuery, pageBounds, paginated } from "../Api.js"
import { GroupJson, groupJson } from "./Json.js"

const list = defineRoute({
  method: "GET",
  path: "/api/incident-groups/",
  summary: "List incident groups (fingerprint, stage, known error, message pattern, source, count, first/last seen)",
  tag: "Incidents",
  access: "user",
  query: Schema.Struct({ ...PageQuery.fields }),
  response: PageOf(GroupJson),
  handler: (ctx) =>
    Effect.gen(function* () {
      const incidents = yield* IncidentsRepo
      const bounds = pageBounds(ctx.query)
      const page = yield* incidents.pageGroups({ limit: bounds.limit, offset: bounds.offset })
      return { json: paginated(ctx.request, bounds, page.count, page.groups.map(groupJson)) }
    }),
})

export const groupRoutes = [list]
