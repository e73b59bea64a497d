/**
 * BatchOps' built-in automations, contributed as a plugin through the same API as any
 * site's (`definePlugin({ automations })`), so a plugin's automation is a peer of these.
 */
import { definePlugin, PLUGIN_API_VERSION } from "@batchops/core"
import { attendanceReminders } from "./AttendanceReminders.js"
import { dailyBackup } from "./DailyBackup.js"
import { scheduleFileIngest } from "./FileIngest.js"
import { ingestDepartment } from "./IngestDepartment.js"
import { purgeOldRecords } from "./PurgeOldRecords.js"
import { systemStatusDigest } from "./SystemStatusDigest.js"
import { webScrape } from "./WebScrape.js"

export { ActivityReportLayer, makeActivityReport } from "./Activity.js"
export { attendanceReminders, REMINDER_SCOPE, ReminderParams } from "./AttendanceReminders.js"
export { BackupParams, dailyBackup } from "./DailyBackup.js"
export { ingestDirectorySource, seenScope, takenScope } from "./DirectorySource.js"
export { FileIngestParams, scheduleFileIngest } from "./FileIngest.js"
export { IngestParams, ingestDepartment } from "./IngestDepartment.js"
export { PurgeParams, purgeCutoff, purgeOldRecords } from "./PurgeOldRecords.js"
export { makeRecordRetention, RecordRetentionLayer, UploadFilesLayer } from "./Retention.js"
export { DigestParams, digestMail, systemStatusDigest } from "./SystemStatusDigest.js"
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
