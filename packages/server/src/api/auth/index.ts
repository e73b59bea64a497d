/** The auth area of the API: its routes, and the layer of the services they need. */
import { AuthSettings } from "@batchops/accounts"
import { TokensRepo } from "@batchops/core"
import { AuthCodesRepoLayer, RateLimitsLayer, TokensRepoLayer } from "@batchops/store-sql"
import { Effect, Layer } from "effect"
import type { RouteDef } from "../Api.js"
import { Authenticator } from "../Services.js"
import { forgot, reset, verifyConfirm, verifySend } from "./Codes.js"
import { changePassword, login, logout, me } from "./Session.js"
import { authSettingsLayer } from "./Settings.js"
import { createUser, deactivateUser, getUser, listUsers, updateUser } from "./Users.js"

export const routes: ReadonlyArray<RouteDef> = [
  login,
  logout,
  me,
  changePassword,
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

/** Tokens are checked against the tokens repository, with the idle timeout of the settings. */
const authenticatorLayer = Layer.effect(
  Authenticator,
  Effect.gen(function* () {
    const tokens = yield* TokensRepo
    const settings = yield* AuthSettings
    return Authenticator.of({ authenticate: (token) => tokens.authenticate(token, settings.tokenIdleMs) })
  }),
)

/** What this area adds to the API's runtime (it may use the base services). */
export const layer = Layer.mergeAll(authenticatorLayer, AuthCodesRepoLayer, RateLimitsLayer).pipe(
  Layer.provideMerge(Layer.mergeAll(TokensRepoLayer, authSettingsLayer)),
)
