/**
 * `send_system_status_digest`: mails the admins what happened over the last day (or `hours`):
 * uploads published, failed and waiting, incidents opened and resolved, the open ones by
 * severity, job runs, and the work queue. One mail, counts only. With no active admin, nothing
 * is sent and the run says so.
 */
import {
  ActivityReport,
  type ActivitySummary,
  AutomationError,
  defineAutomation,
  Mailer,
  WorkQueue,
  type WorkQueueStats,
} from "@batchops/core"
import { Clock, Effect, Schema } from "effect"

const HOUR_MS = 60 * 60 * 1000

export const DigestParams = Schema.Struct({
  hours: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 168 }))
    .annotate({ description: "the period the digest covers, in hours (default 24)" })
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(24))),
})

const count = (counts: Readonly<Record<string, number>>, key: string) => counts[key] ?? 0
const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0)

/** The digest's subject and text. */
export const digestMail = (summary: ActivitySummary, queue: WorkQueueStats, hours: number) => {
  const open = total(summary.openIncidents)
  const subject =
    `[BatchOps] Status of the last ${hours === 1 ? "hour" : `${hours} hours`}: ` +
    `${count(summary.uploads, "published")} published, ` +
    `${count(summary.uploads, "failed")} failed, ${open} open incident${open === 1 ? "" : "s"}`
  const severities = ["critical", "high", "medium", "low"]
    .map((severity) => `${severity} ${count(summary.openIncidents, severity)}`)
    .join(", ")
  const lines = [
    `What happened from ${summary.since} to ${summary.until}:`,
    "",
    "Uploads",
    `  published: ${count(summary.uploads, "published")}`,
    `  failed: ${count(summary.uploads, "failed")}`,
    `  awaiting approval: ${count(summary.uploads, "awaiting_approval")}`,
    `  rejected: ${count(summary.uploads, "rejected")}`,
    `  queued or processing: ${count(summary.uploads, "queued") + count(summary.uploads, "processing")}`,
    "",
    "Incidents",
    `  opened: ${summary.incidentsOpened}`,
    `  resolved: ${summary.incidentsResolved}`,
    `  open now: ${open} (${severities})`,
    "",
    "Job runs",
    `  succeeded: ${count(summary.jobRuns, "succeeded")}`,
    `  failed: ${count(summary.jobRuns, "failed")}`,
    `  queued or running: ${count(summary.jobRuns, "queued") + count(summary.jobRuns, "running")}`,
    "",
    "Work queue now",
    `  waiting: ${queue.queued}, running: ${queue.running}, failed for good: ${queue.failed}, abandoned by a worker: ${queue.expired}`,
    "",
    "This digest goes to the site's admins.",
  ]
  return { subject, text: `${lines.join("\n")}\n` }
}

const failed = (what: string) => (error: { readonly message: string }) =>
  new AutomationError({ message: `cannot ${what}: ${error.message}`, cause: error })

export const systemStatusDigest = defineAutomation({
  key: "send_system_status_digest",
  description:
    "Mails the admins a digest of the last day: uploads published and failed, incidents opened, resolved and " +
    "open by severity, job runs, and the work queue.",
  params: DigestParams,
  // by hand: it mails every admin
  runByHand: "moderator",
  run: (params, context) =>
    Effect.gen(function* () {
      const report = yield* ActivityReport
      const queue = yield* WorkQueue
      const mailer = yield* Mailer
      const until = new Date(yield* Clock.currentTimeMillis)
      const since = new Date(until.getTime() - params.hours * HOUR_MS)
      const summary = yield* report
        .summarize(since.toISOString(), until.toISOString())
        .pipe(Effect.mapError(failed("count the activity")))
      const stats = yield* queue.stats().pipe(Effect.mapError(failed("read the work queue")))
      yield* context.step("summarize", {
        uploads: total(summary.uploads),
        open_incidents: total(summary.openIncidents),
        job_runs: total(summary.jobRuns),
      })
      const admins = yield* report.adminEmails().pipe(Effect.mapError(failed("find the admins")))
      if (admins.length === 0) {
        yield* context.log("no active admin to send the digest to")
        return { sent: 0 }
      }
      yield* mailer
        .send({ to: admins, ...digestMail(summary, stats, params.hours) })
        .pipe(Effect.mapError(failed("send the digest")))
      yield* context.step("mail", { recipients: admins.length })
      yield* context.log(`digest sent to ${admins.length} admin${admins.length === 1 ? "" : "s"}`)
      return { sent: admins.length }
    }),
})
