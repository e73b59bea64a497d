/** Request fields the operations area's schemas share. */
import { Cron, Result, Schema } from "effect"

export const IdParams = Schema.Struct({ id: Schema.String })

/** A name or label with something in it, without stray spaces (people pick records by it). */
export const Label = (maxLength: number) =>
  Schema.String.check(
    Schema.makeFilter((text: string) =>
      text.trim() === ""
        ? "must not be blank"
        : text !== text.trim()
          ? "must not start or end with spaces"
          : text.length > maxLength
            ? `must be at most ${maxLength} characters`
            : undefined,
    ),
  )

/** A machine name: `send_attendance_reminders`, `csv`, `web_scrape`. */
export const Slug = Schema.String.check(
  Schema.makeFilter((text: string) =>
    /^[a-z][a-z0-9_]{0,99}$/.test(text)
      ? undefined
      : "must be lower-case letters, digits and _ (starting with a letter, at most 100 characters)",
  ),
)

/**
 * Why `cron` is not a five-field cron expression (minute hour day month weekday), or undefined
 * when it is. Effect's parser also takes a six-field form with seconds; the schedules of the
 * site are minute-grained, so that form is refused here.
 */
export const cronProblem = (cron: string): string | undefined => {
  const fields = cron
    .trim()
    .split(/\s+/)
    .filter((field) => field !== "")
  if (fields.length !== 5) {
    return `cron must have five fields (minute hour day month weekday, e.g. "0 7 * * 1-5"), got ${fields.length}`
  }
  const parsed = Cron.parse(fields.join(" "))
  return Result.isSuccess(parsed) ? undefined : `cron is not a valid schedule: ${parsed.failure.message}`
}

export const CronExpression = Schema.String.check(Schema.makeFilter((text: string) => cronProblem(text)))

/** Parameters of a job: a JSON object, kept with its own keys. */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

/** A date (`2026-09-01`, read as UTC midnight) or a date-time (`2026-09-01T08:00:00Z`). */
export const IsoDateTime = Schema.String.check(
  Schema.makeFilter((text: string) =>
    ISO_DATE.test(text) && !Number.isNaN(Date.parse(text))
      ? undefined
      : "must be an ISO 8601 date or date-time, e.g. 2026-09-01 or 2026-09-01T08:00:00Z",
  ),
)

/** The instant an `IsoDateTime` names, as the database compares it. */
export const instant = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : new Date(Date.parse(text)).toISOString()
