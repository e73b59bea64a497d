/**
 * The services the API's middleware needs from the areas: who a token belongs to, and where
 * the audit log goes. The auth area provides `Authenticator`; the operations area `AuditLog`.
 * `RouteTable` is the table the app is built from, for the answers that describe it.
 */
import type { Models, NewAuditEntry, StoreError } from "@batchops/core"
import { Context, type Effect, type Option } from "effect"
import type { Env } from "../Database.js"
import type { RouteDef } from "./Api.js"

export interface AuthenticatorShape {
  /** the active account a token (as sent, unhashed) signs in, when the token is valid and unexpired */
  readonly authenticate: (token: string) => Effect.Effect<Option.Option<Models.User>, StoreError>
}

export class Authenticator extends Context.Service<Authenticator, AuthenticatorShape>()(
  "@batchops/server/Authenticator",
) {}

/** One state-changing request, as the audit log keeps it (core's audit port defines it). */
export type AuditEntry = NewAuditEntry

export interface AuditLogShape {
  /** keeps the entry (a refusal of someone without an account is only counted: ops/Audit.ts) */
  readonly record: (entry: AuditEntry) => Effect.Effect<void, StoreError>
}

export class AuditLog extends Context.Service<AuditLog, AuditLogShape>()("@batchops/server/AuditLog") {}

/**
 * The environment the server was started with: the areas read their settings from it (not
 * from `process.env`), so a host or a test that starts the server with its own environment
 * gets exactly those settings.
 */
export class HostEnv extends Context.Service<HostEnv, { readonly env: Env }>()("@batchops/server/HostEnv") {}

/**
 * The route table the API enforces (Routes.ts), so `GET /api/auth/me/` can say what an account
 * may do from the routes' own access rules rather than from a copy of them.
 */
export class RouteTable extends Context.Service<RouteTable, { readonly routes: ReadonlyArray<RouteDef> }>()(
  "@batchops/server/RouteTable",
) {}
