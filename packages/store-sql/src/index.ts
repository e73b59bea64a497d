/** BatchOps SQL store: plain SQL migrations and their migrator, Postgres and embedded PGlite layers, repositories, the work queue. */

export * from "./IncidentsRepo.js"
export * from "./KnownErrorsRepo.js"
export * from "./Migrations.js"
export * from "./PgLayer.js"
export * from "./PgliteLayer.js"
export * from "./StoreErrors.js"
export * from "./TokensRepo.js"
export * from "./UploadsRepo.js"
export * from "./UsersRepo.js"
export * from "./WorkQueue.js"
export * from "./AuthCodesRepo.js"
export * from "./RateLimits.js"
