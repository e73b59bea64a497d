/**
 * The machine's Redis for the tests (BATCHOPS_TEST_REDIS_URL, default redis://127.0.0.1:6379)
 * with a key prefix of its own per test file, whose keys are deleted afterwards (never FLUSHALL:
 * the Redis is shared).
 */
import { randomBytes } from "node:crypto"
import { Queue } from "bullmq"
import { Redis } from "ioredis"
import { afterAll } from "vitest"

export const redisUrl = process.env.BATCHOPS_TEST_REDIS_URL ?? "redis://127.0.0.1:6379"

/** deletes every key under `prefix:`; answers how many */
export const deleteKeys = async (prefix: string): Promise<number> => {
  const redis = new Redis(redisUrl)
  try {
    let deleted = 0
    let cursor = "0"
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500)
      cursor = next
      if (keys.length > 0) deleted += await redis.del(...keys)
    } while (cursor !== "0")
    return deleted
  } finally {
    redis.disconnect()
  }
}

/** a fresh key prefix for one test file, its keys deleted after the file's tests */
export const freshPrefix = (name: string): string => {
  const prefix = `batchops_test_${name}_${randomBytes(5).toString("hex")}`
  afterAll(() => deleteKeys(prefix))
  return prefix
}

/** the BullMQ jobs of `process_upload` waiting (or delayed) under `prefix`: their rows' ids */
export const waitingJobs = async (prefix: string): Promise<Array<string>> => {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue("process_upload", { connection, prefix })
  try {
    const jobs = await queue.getJobs(["waiting", "delayed", "prioritized"])
    return jobs.map((job) => String((job.data as { id: string }).id)).sort()
  } finally {
    await queue.close()
    connection.disconnect()
  }
}
