import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import { type WebScrapeTarget, webScrapeContract } from "./WebScrapeContract.js"

const { url: databaseUrl } = freshDatabase("test_scrape")

const target = (): WebScrapeTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

webScrapeContract("Postgres", target)
