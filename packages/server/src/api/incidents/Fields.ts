/** Request fields the incident area's schemas share. */
import { Models } from "@batchops/core"
import { Schema } from "effect"

/** The severities and statuses of the model (one home: core's). */
export const Severity = Models.Severity
export const IncidentStatus = Models.IncidentStatus

/** The longest free text an operator writes in one field (a root cause, a note). */
export const MAX_TEXT = 10_000

/** Text with something in it: a blank value would read as written but say nothing. */
export const NonBlank = (maxLength: number) =>
  Schema.String.check(
    Schema.makeFilter((text: string) => (text.trim() === "" ? "must not be blank" : undefined)),
    Schema.isMaxLength(maxLength),
  )

/** Free text an operator may also clear with null (or a blank string). */
export const OptionalText = Schema.optional(Schema.NullOr(Schema.String.check(Schema.isMaxLength(MAX_TEXT))))

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
export const instant = (text: string): string => new Date(Date.parse(text)).toISOString()

/** The `updated_at` the caller loaded: the change is refused (409) if the incident moved since. */
export const ExpectedUpdatedAt = Schema.optional(IsoDateTime)

export const changeOptions = (expected: string | undefined) =>
  expected === undefined ? {} : { expectedUpdatedAt: instant(expected) }
