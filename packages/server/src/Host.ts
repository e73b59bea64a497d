/**
 * The host's configuration from the environment: the database, the folders, the guard's
 * share, the limits per file. Shared by the commands (`batchops worker`, `submit`...) and the server.
 */
import { join, resolve } from "node:path"
import { DEFAULT_PARSER_LIMITS, LIMIT_SETTINGS, type ParserLimits } from "@batchops/parsers"
import { BullWorkQueueLayer } from "@batchops/queue-bullmq"
import { migrate } from "@batchops/store-sql"
import { Layer } from "effect"
import { backupTargetFromEnv, backupTargetLayer } from "./Backups.js"
import { databaseLayer, dataDirectory, type Env } from "./Database.js"
import { fileIsolationFromEnv } from "./IsolatedPipeline.js"
import { uploadLifecycleLayer } from "./Layers.js"
import { UsageError } from "./UsageError.js"

export { UsageError } from "./UsageError.js"

/** A share of rows: "0.2", "20%"; between 0 and 1 (0% and 100%). */
export const parseShare = (value: string, name: string): number => {
  const text = value.trim()
  const percent = text.endsWith("%")
  const number = Number(percent ? text.slice(0, -1) : text)
  const share = percent ? number / 100 : number
  if (text === "" || text === "%" || !Number.isFinite(share) || share < 0 || share > 1) {
    throw new UsageError(`${name} must be a share of the rows between 0 and 1 (or 0% and 100%), got "${value}"`)
  }
  return share
}

/** The parser limits counted in megabytes in the environment (bytes in ParserLimits). */
const MEGABYTE_LIMITS: ReadonlySet<keyof ParserLimits> = new Set(["maxExpandedBytes", "maxPdfStreamBytes"])

/**
 * How much reading one file may cost, each limit from its setting (`BATCHOPS_MAX_EXPANDED_MB`,
 * `BATCHOPS_MAX_EXPANSION_RATIO`, `BATCHOPS_MAX_ZIP_ENTRIES`, `BATCHOPS_MAX_PDF_PAGES`,
 * `BATCHOPS_MAX_PDF_TEXT_ITEMS`, `BATCHOPS_MAX_PDF_STREAM_MB`: positive whole numbers) or its
 * default. A wrong value stops the command with a message naming it.
 */
export const parserLimitsFromEnv = (env: Env): ParserLimits => {
  const read = (limit: keyof ParserLimits): number => {
    const setting = LIMIT_SETTINGS[limit]
    const megabytes = MEGABYTE_LIMITS.has(limit)
    const text = env[setting]?.trim()
    if (text === undefined || text === "") return DEFAULT_PARSER_LIMITS[limit]
    const value = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      const fallback = DEFAULT_PARSER_LIMITS[limit] / (megabytes ? 1024 * 1024 : 1)
      throw new UsageError(
        `${setting} must be ${megabytes ? "a number of megabytes" : "a positive whole number"} ` +
          `(default ${fallback}), got "${text}"`,
      )
    }
    return megabytes ? value * 1024 * 1024 : value
  }
  return {
    maxExpandedBytes: read("maxExpandedBytes"),
    maxExpansionRatio: read("maxExpansionRatio"),
    maxZipEntries: read("maxZipEntries"),
    maxPdfPages: read("maxPdfPages"),
    maxPdfTextItems: read("maxPdfTextItems"),
    maxPdfStreamBytes: read("maxPdfStreamBytes"),
  }
}

/** Where uploads and reports go: under the data folder, reports under `EXPORT_DIR` when set. */
export const hostFolders = (env: Env) => {
  const data = dataDirectory(env)
  return {
    uploadsDir: join(data, "uploads"),
    exportDir: env.EXPORT_DIR ? resolve(env.EXPORT_DIR) : join(data, "exports"),
  }
}

/**
 * Where automations work: `BATCHOPS_BACKUP_DIR` (default `<data>/backups`), `BATCHOPS_INBOX_DIR`
 * (default `<data>/inbox`), and the hosts `run_web_scrape` may fetch from,
 * `BATCHOPS_SCRAPE_ALLOWED_HOSTS` (comma-separated `host` or `host:port`; none by default).
 */
export const automationFolders = (env: Env) => {
  const data = dataDirectory(env)
  return {
    backupDir: env.BATCHOPS_BACKUP_DIR ? resolve(env.BATCHOPS_BACKUP_DIR) : join(data, "backups"),
    inboxDir: env.BATCHOPS_INBOX_DIR ? resolve(env.BATCHOPS_INBOX_DIR) : join(data, "inbox"),
    scrapeAllowedHosts: (env.BATCHOPS_SCRAPE_ALLOWED_HOSTS ?? "")
      .split(",")
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ""),
  }
}

/**
 * The work queue: with `REDIS_URL`, BullMQ + Redis dispatches the work while the database row
 * stays the record (`@batchops/queue-bullmq`); without it, the database alone (the default).
 */
export const workQueueLayerFromEnv = (env: Env) =>
  env.REDIS_URL ? BullWorkQueueLayer(env.REDIS_URL, { prefix: env.BATCHOPS_REDIS_PREFIX || undefined }) : undefined

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
    maxChange: env.BATCHOPS_MAX_CHANGE ? parseShare(env.BATCHOPS_MAX_CHANGE, "BATCHOPS_MAX_CHANGE") : undefined,
    // the threads that read files build their own registry: with the same parser limits
    isolation: { ...fileIsolationFromEnv(env, besideApi), parserLimits },
  }).pipe(
    // which database this is, for the backups (run_daily_backup, batchops backup)
    Layer.merge(backupTargetLayer(backupTargetFromEnv(env))),
  )
}
