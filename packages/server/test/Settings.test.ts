/**
 * The host's settings are read in one place (src/Settings.ts): blank values are unset, values
 * are trimmed, defaults are the documented ones, and every wrong value stops a command at
 * start with a message naming the setting, before anything opens.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { hasStackTrace, startBatchops } from "../../../test/helpers.js"
import { checkHostSettings, readSetting } from "../src/Settings.js"
import { UsageError } from "../src/UsageError.js"

describe("the host's settings", () => {
  it("has the documented defaults when nothing is set, and a blank value is unset", () => {
    for (const env of [{}, { PORT: "  ", BATCHOPS_MAX_UPLOAD_BYTES: "", BATCHOPS_ROLE: " ", BATCHOPS_DATA_DIR: "" }]) {
      expect(() => checkHostSettings(env)).not.toThrow()
      expect(readSetting(env, "dataDir")).toBe(".batchops")
      expect(readSetting(env, "maxUploadBytes")).toBe(52_428_800)
      expect(readSetting(env, "role")).toBe("all")
      expect(readSetting(env, "listen")).toEqual({
        port: undefined,
        host: undefined,
        corsOrigins: [],
        trustedProxies: undefined,
      })
      expect(readSetting(env, "worker")).toEqual({ concurrency: 1, leaseMs: 60_000 })
      expect(readSetting(env, "auth")).toEqual({
        tokenTtlHours: 168,
        tokenIdleHours: 12,
        freeFailures: 5,
        maxDelaySeconds: 900,
      })
      expect(readSetting(env, "fileLimits")).toEqual({ memoryMb: 512, wallClockSeconds: 600, cpuSeconds: 300 })
      expect(readSetting(env, "maxChange")).toBeUndefined()
    }
  })

  it("trims values and reads lists, shares and numbers", () => {
    const env = {
      BATCHOPS_CORS_ORIGINS: " https://a.example , ,https://b.example ",
      BATCHOPS_SCRAPE_ALLOWED_HOSTS: "Intranet.School.Example:8080, ",
      BATCHOPS_MAX_CHANGE: " 35% ",
      PORT: " 8080 ",
      BATCHOPS_ROLE: " API ",
      BATCHOPS_WORKER_LEASE_MS: "90000",
      BATCHOPS_TOKEN_IDLE_HOURS: "0.5",
      BATCHOPS_MAX_EXPANDED_MB: "16",
    }
    expect(readSetting(env, "listen").corsOrigins).toEqual(["https://a.example", "https://b.example"])
    expect(readSetting(env, "listen").port).toBe(8080)
    expect(readSetting(env, "scrapeAllowedHosts")).toEqual(["intranet.school.example:8080"])
    expect(readSetting(env, "maxChange")).toBeCloseTo(0.35, 12)
    expect(readSetting(env, "role")).toBe("api")
    expect(readSetting(env, "worker").leaseMs).toBe(90_000)
    expect(readSetting(env, "auth").tokenIdleHours).toBe(0.5)
    expect(readSetting(env, "parserLimits").maxExpandedBytes).toBe(16 * 1024 * 1024)
    expect(resolve(readSetting({ BATCHOPS_DATA_DIR: " /srv/batchops " }, "dataDir"))).toBe("/srv/batchops")
  })

  it("refuses every wrong value with a message naming the setting", () => {
    const wrong: ReadonlyArray<readonly [string, string, string]> = [
      ["PORT", "80a", 'PORT must be a port number (0-65535), got "80a"'],
      ["PORT", "70000", 'PORT must be a port number (0-65535), got "70000"'],
      ["BATCHOPS_MAX_UPLOAD_BYTES", "50MB", "BATCHOPS_MAX_UPLOAD_BYTES must be a number of bytes"],
      ["BATCHOPS_MAX_CHANGE", "120%", "BATCHOPS_MAX_CHANGE must be a share of the rows between 0 and 1"],
      ["BATCHOPS_ROLE", "everything", 'BATCHOPS_ROLE must be "all" or "api" (got "everything")'],
      ["BATCHOPS_WORKER_CONCURRENCY", "65", "BATCHOPS_WORKER_CONCURRENCY must be a whole number from 1 to 64"],
      ["BATCHOPS_WORKER_LEASE_MS", "soon", "BATCHOPS_WORKER_LEASE_MS must be a positive whole number of milliseconds"],
      ["BATCHOPS_TOKEN_TTL_HOURS", "0", 'BATCHOPS_TOKEN_TTL_HOURS must be a positive number, got "0"'],
      ["BATCHOPS_AUTH_FREE_FAILURES", "2.5", 'BATCHOPS_AUTH_FREE_FAILURES must be a positive whole number, got "2.5"'],
      ["BATCHOPS_MANUAL_RUNS_PER_MINUTE", "lots", "BATCHOPS_MANUAL_RUNS_PER_MINUTE must be a positive whole number"],
      ["BATCHOPS_PARSE_MEMORY_MB", "-1", 'BATCHOPS_PARSE_MEMORY_MB must be a positive number (e.g. 512), got "-1"'],
      ["BATCHOPS_MAX_ZIP_ENTRIES", "0", "BATCHOPS_MAX_ZIP_ENTRIES must be a positive whole number (default 10000)"],
      ["BATCHOPS_TRUSTED_PROXIES", "10.0.0.0/33", 'BATCHOPS_TRUSTED_PROXIES: "10.0.0.0/33" is not an address'],
    ]
    for (const [name, value, message] of wrong) {
      let thrown: unknown
      try {
        checkHostSettings({ [name]: value })
      } catch (error) {
        thrown = error
      }
      expect(thrown, name).toBeInstanceOf(UsageError)
      expect((thrown as Error).message, name).toContain(message)
    }
  })
})

describe("a command with a wrong setting", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "batchops-settings-"))
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("stops at start, naming it, before it opens the database", async () => {
    for (const command of ["serve", "worker", "scheduler"]) {
      const result = await startBatchops([command], {
        env: { BATCHOPS_DATA_DIR: dataDir, BATCHOPS_TOKEN_IDLE_HOURS: "half a day" },
      }).done
      expect(result.code, command).toBe(2)
      expect(result.stderr).toContain('BATCHOPS_TOKEN_IDLE_HOURS must be a positive number, got "half a day"')
      expect(hasStackTrace(result.stderr)).toBe(false)
      expect(existsSync(join(dataDir, "pgdata")), command).toBe(false)
    }
  })
})
