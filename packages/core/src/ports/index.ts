/** The ports: what BatchOps needs from the outside world, as Effect services adapters provide. */
export * from "./IncidentsRepo.js"
export * from "./KnownErrorsRepo.js"
export * from "./Mailer.js"
export * from "./StoreError.js"
export * from "./Transactions.js"
export * from "./UploadsRepo.js"
export * from "./UsersRepo.js"
export * from "./WorkQueue.js"
