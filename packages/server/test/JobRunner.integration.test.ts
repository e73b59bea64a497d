import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import { type JobRunnerTarget, jobRunnerContract } from "./jobRunnerContract.js"

const { url: databaseUrl } = freshDatabase("test_jobs")

const target = (): JobRunnerTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

jobRunnerContract("Postgres", target)
