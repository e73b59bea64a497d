/**
 * BatchOps' campus automations and department feeds, contributed as a plugin through the same
 * API as any site's (`definePlugin({ automations })`), so a plugin's automation is a peer of these.
 */
import { definePlugin, PLUGIN_API_VERSION } from "@batchops/core"
import { attendanceReminders } from "./AttendanceReminders.js"
import { dailyBackup } from "./DailyBackup.js"
import { scheduleFileIngest } from "./FileIngest.js"
import { ingestDepartment } from "./IngestDepartment.js"
import { purgeOldRecords } from "./PurgeOldRecords.js"
import { systemStatusDigest } from "./SystemStatusDigest.js"
import { webScrape } from "./WebScrape.js"

export * from "./AttendanceRate.js"
export { attendanceReminders, REMINDER_SCOPE, ReminderParams } from "./AttendanceReminders.js"
export { BackupParams, dailyBackup } from "./DailyBackup.js"
export * from "./DirectorySettings.js"
export { ingestDirectorySource, seenScope, takenScope } from "./DirectorySource.js"
export { FileIngestParams, scheduleFileIngest } from "./FileIngest.js"
export * from "./HtmlTables.js"
export { IngestParams, ingestDepartment } from "./IngestDepartment.js"
export { PurgeParams, purgeCutoff, purgeOldRecords } from "./PurgeOldRecords.js"
export * from "./ScrapedRows.js"
export * from "./SimulatedFeed.js"
export * from "./SourceSettings.js"
export { DigestParams, digestMail, systemStatusDigest } from "./SystemStatusDigest.js"
export * from "./UrlSettings.js"
export { ingestUrlSource } from "./UrlSource.js"
export { WebScrapeParams, webScrape } from "./WebScrape.js"

export const batchopsAutomations = definePlugin({
  name: "batchops-automations",
  apiVersion: PLUGIN_API_VERSION,
  automations: [
    attendanceReminders,
    dailyBackup,
    ingestDepartment,
    purgeOldRecords,
    scheduleFileIngest,
    systemStatusDigest,
    webScrape,
  ],
})
