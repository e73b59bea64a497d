/** The auth area of the API: its routes, and the layer of the services they need. */
import { TokensRepo } from "@batchops/core"
import { TokensRepoLayer } from "@batchops/store-sql"
import { Effect, Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { Authenticator } from "../Services.js"

export const routes: ReadonlyArray<RouteDef> = []

/** Tokens are checked against the tokens repository. */
const authenticatorLayer = Layer.effect(
  Authenticator,
  Effect.gen(function* () {
    const tokens = yield* TokensRepo
    return Authenticator.of({ authenticate: (token) => tokens.authenticate(token) })
  }),
)

/** What this area adds to the API's runtime (it may use the base services). */
export const layer = authenticatorLayer.pipe(Layer.provideMerge(TokensRepoLayer))
