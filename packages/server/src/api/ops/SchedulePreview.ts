/**
 * `GET /api/schedules/preview/?cron=&timezone=&skip_dates=`: what a schedule would mean before
 * it is saved, so the schedule form can say it in words and list its next runs as a person
 * types. The checks are the ones saving a job makes (the same cron field check, then the
 * scheduling rules for cron, time zone and skip dates), refused the same way: a 400 naming the
 * field. A schedule that would be saved answers its description, its next five runs, and
 * `problems`: what is accepted but probably not meant (a skip date already past, one listed
 * twice), each naming its field.
 */
import { describeSchedule, nextRuns, parseSchedule } from "@batchops/core"
import { Clock, Effect, Result, Schema } from "effect"
import { badRequest, defineRoute, type FieldProblem } from "../Api.js"
import { CronExpression } from "./Fields.js"

const PreviewQuery = Schema.Struct({
  cron: CronExpression.annotate({ description: 'a five-field cron expression, e.g. "0 7 * * 1-5"' }),
  timezone: Schema.optional(Schema.String.annotate({ description: "an IANA time zone (default UTC)" })),
  skip_dates: Schema.optional(
    Schema.String.annotate({ description: "local dates the job does not run, YYYY-MM-DD, separated by commas" }),
  ),
})

const PreviewJson = Schema.Struct({
  cron: Schema.String,
  timezone: Schema.String,
  description: Schema.String,
  /** ISO-8601 instants of the next five runs */
  next_runs: Schema.Array(Schema.String),
  problems: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String })),
})

/** The local date of `at` in `timeZone`, as YYYY-MM-DD. */
const localDate = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at)

export const schedulePreviewRoutes = [
  defineRoute({
    method: "GET",
    path: "/api/schedules/preview/",
    summary: "A schedule in words and its next five runs, checked as saving a job checks it (400 naming the field)",
    tag: "Schedules",
    access: "user",
    query: PreviewQuery,
    response: PreviewJson,
    handler: (ctx) =>
      Effect.gen(function* () {
        // the same normal form saving stores: one space between fields, a trimmed zone
        const cron = ctx.query.cron.trim().split(/\s+/).join(" ")
        const timezone = ctx.query.timezone?.trim() || undefined
        const listed = (ctx.query.skip_dates ?? "")
          .split(",")
          .map((date) => date.trim())
          .filter((date) => date !== "")
        const skipDates = [...new Set(listed)].sort()
        const parsed = parseSchedule({ cron, timezone, skipDates })
        if (Result.isFailure(parsed)) {
          const problem = parsed.failure
          return yield* badRequest(`invalid ${problem.field}: ${problem.message}`, [
            { path: problem.field, message: problem.message },
          ])
        }
        const schedule = parsed.success
        const now = new Date(yield* Clock.currentTimeMillis)
        const problems: Array<FieldProblem> = []
        const today = localDate(now, schedule.timezone)
        const past = skipDates.filter((date) => date < today)
        if (past.length > 0) {
          problems.push({
            path: "skip_dates",
            message: `${past.join(", ")} ${past.length === 1 ? "is" : "are"} already past in ${schedule.timezone}: skipping changes nothing`,
          })
        }
        if (listed.length !== skipDates.length) {
          problems.push({ path: "skip_dates", message: "a date is listed twice: it is kept once" })
        }
        return {
          json: {
            cron: schedule.cron,
            timezone: schedule.timezone,
            description: describeSchedule(schedule),
            next_runs: nextRuns(schedule, now, 5).map((at) => at.toISOString()),
            problems,
          },
        }
      }),
  }),
]
