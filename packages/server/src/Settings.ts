/**
 * The host's settings, in one place: every variable the server and its commands read from the
 * environment is declared here as an Effect `Config`, read through core's `settingsProvider`
 * (values trimmed, a blank one unset), with the rule that checks it. A wrong value is a
 * `UsageError` that names the setting and what it must be. `checkHostSettings` reads them all
 * at once: `batchops serve`, `worker` and `scheduler` call it before they start anything.
 *
 * The database's settings (`DATABASE_URL`, `DB_*`) are `@batchops/store-sql`'s
 * `DatabaseSettings`, the mail's (`EMAIL_*`, `DEFAULT_FROM_EMAIL`) `@batchops/mailer-smtp`'s
 * `MailSettings`. docs/operations.md has the table of all of them.
 */
import { resolve } from "node:path"
import { settingsProvider } from "@batchops/core"
import { DEFAULT_PARSER_LIMITS, LIMIT_SETTINGS, type ParserLimits } from "@batchops/parsers"
import type { FileIsolation } from "@batchops/runner-node"
import { Config, ConfigProvider, Effect, Exit, Option } from "effect"
import { parseTrustedProxies } from "./api/ClientAddress.js"
import { UsageError } from "./UsageError.js"

export type Env = Readonly<Record<string, string | undefined>>

// --- the rules ------------------------------------------------------------------------------

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

/** the most upload claim loops one worker process runs (each holds a database connection at times) */
export const MAX_WORKER_CONCURRENCY = 64

/** How many upload claim loops a worker runs: 1 to 64. */
export const parseConcurrency = (value: string, name: string): number => {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > MAX_WORKER_CONCURRENCY) {
    throw new UsageError(`${name} must be a whole number from 1 to ${MAX_WORKER_CONCURRENCY} (got "${value}")`)
  }
  return n
}

/** A lease in milliseconds: a positive whole number. */
export const parseLeaseMs = (value: string, name: string): number => {
  const ms = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`${name} must be a positive whole number of milliseconds (got "${value}")`)
  }
  return ms
}

/** A positive number (whole with `integer`); the message names the setting. */
const positiveNumber =
  (name: string, integer: boolean) =>
  (text: string): number => {
    const value = Number(text)
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new UsageError(`${name} must be a positive ${integer ? "whole " : ""}number, got "${text}"`)
    }
    return value
  }

/** A positive decimal number of a file's limits; the message gives an example. */
const fileLimit =
  (name: string, example: string) =>
  (text: string): number => {
    const value = Number(text)
    if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value <= 0) {
      throw new UsageError(`${name} must be a positive number (e.g. ${example}), got "${text}"`)
    }
    return value
  }

/** The parser limits counted in megabytes in the environment (bytes in ParserLimits). */
const MEGABYTE_LIMITS: ReadonlySet<keyof ParserLimits> = new Set(["maxExpandedBytes", "maxPdfStreamBytes"])

/** One of the parsers' limits: a positive whole number (of megabytes for the two byte limits). */
const parserLimit =
  (limit: keyof ParserLimits) =>
  (text: string): number => {
    const megabytes = MEGABYTE_LIMITS.has(limit)
    const value = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      const fallback = DEFAULT_PARSER_LIMITS[limit] / (megabytes ? 1024 * 1024 : 1)
      throw new UsageError(
        `${LIMIT_SETTINGS[limit]} must be ${megabytes ? "a number of megabytes" : "a positive whole number"} ` +
          `(default ${fallback}), got "${text}"`,
      )
    }
    return megabytes ? value * 1024 * 1024 : value
  }

/** A port to listen on, 0 to 65535. */
const port = (text: string): number => {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value > 65535) throw new UsageError(`PORT must be a port number (0-65535), got "${text}"`)
  return value
}

/** The largest upload in bytes: a positive whole number. */
const uploadBytes = (text: string): number => {
  const bytes = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(`BATCHOPS_MAX_UPLOAD_BYTES must be a number of bytes (e.g. 52428800), got "${text}"`)
  }
  return bytes
}

/** A comma-separated list, each entry trimmed, the empty ones left out. */
const list =
  (lowerCase = false) =>
  (text: string): ReadonlyArray<string> =>
    text
      .split(",")
      .map((entry) => (lowerCase ? entry.trim().toLowerCase() : entry.trim()))
      .filter((entry) => entry !== "")

/** What a server process runs beside the API: everything, or the API alone. */
const role = (text: string): "all" | "api" => {
  const value = text.toLowerCase()
  if (value !== "all" && value !== "api") throw new UsageError(`BATCHOPS_ROLE must be "all" or "api" (got "${text}")`)
  return value
}

// --- the declarations -----------------------------------------------------------------------

const problem = (cause: unknown) =>
  new Config.ConfigError(
    new ConfigProvider.SourceError({ message: cause instanceof Error ? cause.message : String(cause) }),
  )

/** A setting's text (unset: `fallback`) turned into its value by `rule`, which names what is wrong. */
const setting = <A>(name: string, rule: (text: string) => A, fallback: A): Config.Config<A> =>
  Config.option(Config.String(name)).pipe(
    Config.mapEffect((text) =>
      Option.isNone(text) ? Effect.succeed(fallback) : Effect.try({ try: () => rule(text.value), catch: problem }),
    ),
  )

const text = (text: string) => text
const optionalText = (name: string) => setting<string | undefined>(name, text, undefined)

export const DEFAULT_DATA_DIR = ".batchops"
export const DEFAULT_MAX_UPLOAD_BYTES = 52_428_800
export const DEFAULT_PARSE_MEMORY_MB = 512
export const DEFAULT_FILE_TIMEOUT_SECONDS = 600
export const DEFAULT_FILE_CPU_SECONDS = 300
export const DEFAULT_WORKER_LEASE_MS = 60_000

/** Every setting of the host, by what it is for. */
export const HostSettings = {
  /** where the embedded database, uploads, reports, backups and the inbox live by default */
  dataDir: setting("BATCHOPS_DATA_DIR", text, DEFAULT_DATA_DIR),
  /** the folders of the reports, backups and the department inbox, when not under the data folder */
  exportDir: optionalText("EXPORT_DIR"),
  backupDir: optionalText("BATCHOPS_BACKUP_DIR"),
  inboxDir: optionalText("BATCHOPS_INBOX_DIR"),
  /** the hosts `run_web_scrape` may fetch from (`host` or `host:port`) */
  scrapeAllowedHosts: setting("BATCHOPS_SCRAPE_ALLOWED_HOSTS", list(true), []),
  /** the work queue on BullMQ + Redis when set, and its key prefix */
  redisUrl: optionalText("REDIS_URL"),
  redisPrefix: optionalText("BATCHOPS_REDIS_PREFIX"),
  /** the share of rows a plan may change before the upload waits for approval */
  maxChange: setting<number | undefined>(
    "BATCHOPS_MAX_CHANGE",
    (value) => parseShare(value, "BATCHOPS_MAX_CHANGE"),
    undefined,
  ),
  /** what reading one file may cost */
  parserLimits: Config.all(
    Object.fromEntries(
      (Object.keys(LIMIT_SETTINGS) as Array<keyof ParserLimits>).map((limit) => [
        limit,
        setting(LIMIT_SETTINGS[limit], parserLimit(limit), DEFAULT_PARSER_LIMITS[limit]),
      ]),
    ) as { readonly [K in keyof ParserLimits]: Config.Config<number> },
  ),
  /** the limits of the thread a file runs in */
  fileLimits: Config.all({
    memoryMb: setting(
      "BATCHOPS_PARSE_MEMORY_MB",
      fileLimit("BATCHOPS_PARSE_MEMORY_MB", "512"),
      DEFAULT_PARSE_MEMORY_MB,
    ),
    wallClockSeconds: setting(
      "BATCHOPS_FILE_TIMEOUT_SECONDS",
      fileLimit("BATCHOPS_FILE_TIMEOUT_SECONDS", "600"),
      DEFAULT_FILE_TIMEOUT_SECONDS,
    ),
    cpuSeconds: setting(
      "BATCHOPS_FILE_CPU_SECONDS",
      fileLimit("BATCHOPS_FILE_CPU_SECONDS", "300"),
      DEFAULT_FILE_CPU_SECONDS,
    ),
  }),
  /** signing in */
  auth: Config.all({
    tokenTtlHours: setting("BATCHOPS_TOKEN_TTL_HOURS", positiveNumber("BATCHOPS_TOKEN_TTL_HOURS", false), 168),
    tokenIdleHours: setting("BATCHOPS_TOKEN_IDLE_HOURS", positiveNumber("BATCHOPS_TOKEN_IDLE_HOURS", false), 12),
    freeFailures: setting("BATCHOPS_AUTH_FREE_FAILURES", positiveNumber("BATCHOPS_AUTH_FREE_FAILURES", true), 5),
    maxDelaySeconds: setting(
      "BATCHOPS_AUTH_MAX_DELAY_SECONDS",
      positiveNumber("BATCHOPS_AUTH_MAX_DELAY_SECONDS", false),
      900,
    ),
  }),
  /** jobs one account may run by hand in a minute */
  manualRunsPerMinute: setting(
    "BATCHOPS_MANUAL_RUNS_PER_MINUTE",
    positiveNumber("BATCHOPS_MANUAL_RUNS_PER_MINUTE", true),
    5,
  ),
  /** the largest upload the API accepts, in bytes */
  maxUploadBytes: setting("BATCHOPS_MAX_UPLOAD_BYTES", uploadBytes, DEFAULT_MAX_UPLOAD_BYTES),
  /** where the API listens, and who may call it */
  listen: Config.all({
    port: setting<number | undefined>("PORT", port, undefined),
    host: optionalText("HOST"),
    corsOrigins: setting("BATCHOPS_CORS_ORIGINS", list(), []),
    trustedProxies: setting("BATCHOPS_TRUSTED_PROXIES", parseTrustedProxies, undefined),
  }),
  /** the built web app to serve, when not the installed one */
  webDir: optionalText("BATCHOPS_WEB_DIR"),
  /** what `batchops serve` runs beside the API */
  role: setting("BATCHOPS_ROLE", role, "all"),
  /** a worker's claim loops and lease */
  worker: Config.all({
    concurrency: setting(
      "BATCHOPS_WORKER_CONCURRENCY",
      (value) => parseConcurrency(value, "BATCHOPS_WORKER_CONCURRENCY"),
      1,
    ),
    leaseMs: setting(
      "BATCHOPS_WORKER_LEASE_MS",
      (value) => parseLeaseMs(value, "BATCHOPS_WORKER_LEASE_MS"),
      DEFAULT_WORKER_LEASE_MS,
    ),
  }),
} as const

type Settings = typeof HostSettings

/** The value of one group of settings in `env`; a wrong value is a UsageError naming it. */
export const readSetting = <K extends keyof Settings>(env: Env, key: K): Config.Success<Settings[K]> => {
  const exit = Effect.runSyncExit(
    (HostSettings[key] as Config.Config<Config.Success<Settings[K]>>).parse(settingsProvider(env)),
  )
  if (Exit.isSuccess(exit)) return exit.value
  const error = exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error
  throw new UsageError(error?.cause.message ?? `the settings cannot be read`)
}

/** The limits per file from the environment; a wrong value stops the command with a message naming it. */
export const fileIsolationFromEnv = (env: Env, besideApi = false): FileIsolation => {
  const limits = readSetting(env, "fileLimits")
  return {
    besideApi,
    limits: {
      memoryMb: limits.memoryMb,
      wallClockMs: limits.wallClockSeconds * 1000,
      cpuMs: limits.cpuSeconds * 1000,
    },
  }
}

/** Reads every setting of the host, so a wrong one stops a command before it starts anything. */
export const checkHostSettings = (env: Env): void => {
  for (const key of Object.keys(HostSettings) as Array<keyof Settings>) readSetting(env, key)
}

/** The data folder: `BATCHOPS_DATA_DIR`, default `./.batchops`. */
export const dataDirectory = (env: Env): string => resolve(readSetting(env, "dataDir"))
