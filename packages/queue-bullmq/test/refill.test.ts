/**
 * The re-fill's log when it fails: one line saying why (here a database without the
 * `work_queue` table, not migrated), no stack, and the re-fill tries again. Real Redis (a
 * prefix of its own) and real Postgres (a fresh database, left unmigrated).
 */
import { pgLayerFromEnv } from "@batchops/store-sql"
import { Effect, Layer, Logger } from "effect"
import { describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { BullWorkQueueLayer } from "../src/index.js"
import { freshPrefix, redisUrl } from "./redis.js"

const { url: databaseUrl } = freshDatabase("test_bull_refill")
const prefix = freshPrefix("refill")

describe("the BullMQ re-fill on a database it cannot read", () => {
  it("logs one line naming the database's error, without a stack, and tries again", async () => {
    const lines: Array<string> = []
    // the lines as the host's logger writes them (message, then the cause when there is one)
    const capture = Logger.layer([Logger.map(Logger.formatSimple, (line) => void lines.push(line))])
    const refills = () => lines.filter((line) => line.includes("re-fill failed"))
    await Effect.runPromise(
      Effect.gen(function* () {
        // the layer is built (and its re-fill runs) while this waits
        while (refills().length < 2) yield* Effect.sleep("50 millis")
      }).pipe(
        Effect.timeout("30 seconds"),
        Effect.provide(
          BullWorkQueueLayer(redisUrl, { prefix, refillMs: 100 }).pipe(
            Layer.provide(pgLayerFromEnv({ DATABASE_URL: databaseUrl })),
          ),
        ),
        Effect.provide(capture),
      ),
    )
    for (const line of refills()) {
      expect(line).not.toContain("\n")
      expect(line).toContain("re-fill failed (")
      expect(line).toContain('relation \\"work_queue\\" does not exist')
      expect(line).toContain("); trying again")
    }
  })
})
