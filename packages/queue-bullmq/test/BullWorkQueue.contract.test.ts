/** The work queue contract on BullMQ: real Redis (a prefix of its own) and real Postgres (a fresh database). */
import { pgLayerFromEnv } from "@batchops/store-sql"
import { freshDatabase } from "../../../test/support/postgres.js"
import type { StoreTarget } from "../../store-sql/test/contract.js"
import { workQueueContract } from "../../store-sql/test/workQueueContract.js"
import { BullWorkQueueLayer } from "../src/index.js"
import { freshPrefix, redisUrl } from "./redis.js"

const { url: databaseUrl } = freshDatabase("test_bull_contract")
const prefix = freshPrefix("contract")

const target = (): StoreTarget => ({ open: () => pgLayerFromEnv({ DATABASE_URL: databaseUrl }) })

workQueueContract("BullMQ + Postgres", target, BullWorkQueueLayer(redisUrl, { prefix }))
