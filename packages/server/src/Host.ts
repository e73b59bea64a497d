/**
 * The host's configuration from the environment: the database, the folders, the guard's
 * share, the limits per file. Shared by the commands (`batchops worker`, `submit`...) and the server.
 */
import { join, resolve } from "node:path"
import type { ParserLimits } from "@batchops/parsers"
import { BullWorkQueueLayer } from "@batchops/queue-bullmq"
import { backupTargetLayer, migrate } from "@batchops/store-sql"
import { Layer } from "effect"
import { backupTargetFromEnv, databaseLayer } from "./Database.js"
import { uploadLifecycleLayer } from "./Layers.js"
import { dataDirectory, type Env, fileIsolationFromEnv, readSetting } from "./Settings.js"

export { parseShare } from "./Settings.js"
export { UsageError } from "./UsageError.js"

/** How much reading one file may cost, each limit from its setting (see Settings.ts) or its default. */
export const parserLimitsFromEnv = (env: Env): ParserLimits => readSetting(env, "parserLimits")

/** Where uploads and reports go: under the data folder, reports under `EXPORT_DIR` when set. */
export const hostFolders = (env: Env) => {
  const data = dataDirectory(env)
  const exportDir = readSetting(env, "exportDir")
  return {
    uploadsDir: join(data, "uploads"),
    exportDir: exportDir ? resolve(exportDir) : join(data, "exports"),
  }
}

/**
 * Where automations work: `BATCHOPS_BACKUP_DIR` (default `<data>/backups`), `BATCHOPS_INBOX_DIR`
 * (default `<data>/inbox`), and the hosts `run_web_scrape` may fetch from,
 * `BATCHOPS_SCRAPE_ALLOWED_HOSTS` (comma-separated `host` or `host:port`; none by default).
 */
export const automationFolders = (env: Env) => {
  const data = dataDirectory(env)
  const backupDir = readSetting(env, "backupDir")
  const inboxDir = readSetting(env, "inboxDir")
  return {
    backupDir: backupDir ? resolve(backupDir) : join(data, "backups"),
    inboxDir: inboxDir ? resolve(inboxDir) : join(data, "inbox"),
    scrapeAllowedHosts: readSetting(env, "scrapeAllowedHosts"),
  }
}

/**
 * The work queue: with `REDIS_URL`, BullMQ + Redis dispatches the work while the database row
 * stays the record (`@batchops/queue-bullmq`); without it, the database alone (the default).
 */
export const workQueueLayerFromEnv = (env: Env) => {
  const url = readSetting(env, "redisUrl")
  return url ? BullWorkQueueLayer(url, { prefix: readSetting(env, "redisPrefix") }) : undefined
}

/**
 * The configured database, migrated as it opens: the layers built over it find their tables
 * (the BullMQ work queue reads `work_queue` as soon as it starts).
 */
const migratedDatabaseLayer = (env: Env) => Layer.effectDiscard(migrate()).pipe(Layer.provideMerge(databaseLayer(env)))

/**
 * The upload lifecycle over the configured database (migrated first), with its folders under
 * the data folder; `besideApi` where files run in the API's process (their threads then yield
 * the processor to it).
 */
export const lifecycleLayer = (env: Env, besideApi = false) => {
  const parserLimits = parserLimitsFromEnv(env)
  return uploadLifecycleLayer(migratedDatabaseLayer(env), {
    ...hostFolders(env),
    workQueue: workQueueLayerFromEnv(env),
    automation: automationFolders(env),
    parserLimits,
    maxChange: readSetting(env, "maxChange"),
    // the threads that read files build their own registry: with the same parser limits
    isolation: { ...fileIsolationFromEnv(env, besideApi), parserLimits },
  }).pipe(
    // which database this is, for the backups (run_daily_backup, batchops backup)
    Layer.merge(backupTargetLayer(backupTargetFromEnv(env))),
  )
}
