/** The incidents area of the API: its routes, and the layer of the services they need. */
import { Layer } from "effect"
import type { RouteDef } from "../Api.js"

export const routes: ReadonlyArray<RouteDef> = []

/** What this area adds to the API's runtime (it may use the base services). */
export const layer = Layer.empty
