/** The auth area of the API: its routes, and the layer of the services they need. */
import { TokensRepo } from "@batchops/core"
import { AuthCodesRepoLayer, RateLimitsLayer, TokensRepoLayer } from "@batchops/store-sql"
import { Effect, Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { Authenticator } from "../Services.js"
import { forgot, reset, verifyConfirm, verifySend } from "./Codes.js"
import { login, logout, me } from "./Session.js"
import { authSettingsLayer } from "./Settings.js"
import { createUser, deactivateUser, getUser, listUsers, updateUser } from "./Users.js"

export const routes: ReadonlyArray<RouteDef> = [
  login,
  logout,
  me,
  verifySend,
  verifyConfirm,
  forgot,
  reset,
  listUsers,
  createUser,
  getUser,
  updateUser,
  deactivateUser,
] as ReadonlyArray<RouteDef>

/** Tokens are checked against the tokens repository. */
const authenticatorLayer = Layer.effect(
  Authenticator,
  Effect.gen(function* () {
    const tokens = yield* TokensRepo
    return Authenticator.of({ authenticate: (token) => tokens.authenticate(token) })
  }),
)

/** What this area adds to the API's runtime (it may use the base services). */
export const layer = Layer.mergeAll(authenticatorLayer, AuthCodesRepoLayer, RateLimitsLayer, authSettingsLayer).pipe(
  Layer.provideMerge(TokensRepoLayer),
)
