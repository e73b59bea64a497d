/**
 * `run_daily_backup`'s rotation rule, run with the plugin author's kit over a backup folder
 * kept in memory (each backup a name, a time and an origin): runs by hand rotate only backups by
 * hand, so an admin's scheduled backup outlives any number of them, and a scheduled run
 * rotates only scheduled backups. The real files are the backups contract's
 * (backupsContract.ts).
 */
import { AutomationSettings, type BackupInfo, type BackupOrigin, Backups } from "@batchops/core"
import { runAutomation } from "@batchops/core/testing"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { dailyBackup } from "../src/index.js"

const DIR = "/srv/batchops/backups"

/** A backup folder in memory: each new backup a millisecond after the one before. */
const memoryBackups = () => {
  const files: Array<BackupInfo> = []
  let clock = Date.parse("2026-03-01T02:00:00Z")
  const take = (origin: BackupOrigin): BackupInfo => {
    const createdAt = new Date(clock++).toISOString()
    const backup = {
      path: `${DIR}/batchops-pglite-${createdAt}.backup`,
      bytes: 100,
      sha256: "0".repeat(64),
      createdAt,
      database: "pglite",
      origin,
    }
    files.push(backup)
    return backup
  }
  const layer = Layer.mergeAll(
    Layer.succeed(
      Backups,
      Backups.of({
        create: (_dir, origin) => Effect.sync(() => take(origin)),
        list: () => Effect.sync(() => [...files].sort((a, b) => b.createdAt.localeCompare(a.createdAt))),
        remove: (path) =>
          Effect.sync(() => {
            files.splice(
              files.findIndex((file) => file.path === path),
              1,
            )
          }),
      }),
    ),
    Layer.succeed(AutomationSettings, { backupDir: DIR, inboxDir: "/srv/batchops/inbox", scrapeAllowedHosts: [] }),
  )
  return { files, take, layer }
}

describe("run_daily_backup's rotation", () => {
  it("never deletes the admin's scheduled backup, however often someone runs the job by hand", async () => {
    const folder = memoryBackups()
    const scheduled = await runAutomation(dailyBackup, {}, { services: folder.layer, trigger: "schedule" })
    expect(scheduled.result).toMatchObject({ origin: "schedule", kept: 1, deleted: [] })
    const scheduledPath = String(scheduled.result?.path)

    const byHand = []
    for (let i = 0; i < 8; i++) {
      byHand.push(await runAutomation(dailyBackup, {}, { services: folder.layer, trigger: "manual" }))
    }
    for (const run of byHand) expect(run.error).toBeUndefined()
    // the eighth run by hand deleted the first run by hand, never the scheduled backup
    expect(byHand.at(-1)?.result).toMatchObject({ origin: "manual", kept: 7 })
    expect(byHand.at(-1)?.result?.deleted).toEqual([String(byHand[0]!.result?.path).split("/").at(-1)])
    expect(folder.files.map((file) => file.path)).toContain(scheduledPath)
    expect(folder.files.filter((file) => file.origin === "manual")).toHaveLength(7)
    expect(byHand.at(-1)?.steps.find((step) => step.name === "rotate")?.details).toEqual({
      origin: "manual",
      keep: 7,
      kept: 7,
      deleted: 1,
    })
  })

  it("rotates scheduled backups by the schedule's runs alone, leaving those by hand", async () => {
    const folder = memoryBackups()
    const manual = folder.take("manual")
    const older = folder.take("schedule")
    folder.take("schedule")
    const run = await runAutomation(dailyBackup, { keep: 2 }, { services: folder.layer, trigger: "schedule" })
    expect(run.result).toMatchObject({ origin: "schedule", kept: 2, deleted: [older.path.split("/").at(-1)] })
    expect(folder.files.map((file) => file.path)).toContain(manual.path)
    expect(folder.files.filter((file) => file.origin === "schedule")).toHaveLength(2)
  })
})
