import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import { uploadActionsContract } from "./uploadActionsContract.js"
import { type UploadTarget, uploadLifecycleContract } from "./uploadContract.js"

const { url: databaseUrl } = freshDatabase("test_uploads")

const target = (): UploadTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

uploadLifecycleContract("Postgres", target)
uploadActionsContract("Postgres", target)
