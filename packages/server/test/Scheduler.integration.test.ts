import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import { type SchedulerTarget, schedulerContract } from "./schedulerContract.js"

const { url: databaseUrl } = freshDatabase("test_scheduler")

const target = (): SchedulerTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

schedulerContract("Postgres", target)
