/**
 * What the schedule screens read from the API (jobs, their runs, the automations), and the
 * small formatting they share: a time in the job's zone and in the reader's.
 */

export interface LastRun {
  readonly id: string
  readonly status: string
  readonly trigger: string
  readonly scheduled_for: string | null
  readonly created_at: string
  readonly started_at: string | null
  readonly finished_at: string | null
}

export type MisfirePolicy = "skip" | "coalesce_once" | "run_all"

export interface Job {
  readonly id: string
  readonly name: string
  readonly automation: string
  readonly cron: string
  readonly timezone: string
  readonly enabled: boolean
  readonly params: Readonly<Record<string, unknown>>
  /** one of MISFIRE_POLICIES (the API documents it as a string) */
  readonly misfire_policy: string
  readonly max_lateness_ms: number
  readonly skip_dates: ReadonlyArray<string>
  readonly allow_overlap: boolean
  /** who may run the job by hand: everyone, admins and moderators, or admins */
  readonly run_by_hand: "any" | "moderator" | "admin"
  readonly next_run_at: string | null
  readonly next_runs: ReadonlyArray<string>
  readonly description: string
  readonly last_run: LastRun | null
  readonly created_at: string
  readonly updated_at: string
}

export interface JobRun {
  readonly id: string
  readonly job_id: string | null
  readonly automation: string
  readonly status: "queued" | "running" | "succeeded" | "failed"
  readonly trigger: "schedule" | "manual" | "upload"
  readonly requested_by: string | null
  readonly started_at: string | null
  readonly finished_at: string | null
  readonly duration_ms: number | null
  readonly error: string | null
  readonly created_at: string
}

export interface JobRunDetail extends JobRun {
  readonly steps: ReadonlyArray<{
    readonly name: string
    readonly at: string
    readonly details: Record<string, unknown>
  }>
  readonly details: Record<string, unknown>
  readonly logs: ReadonlyArray<string>
}

/** A JSON Schema property, as far as the parameter form reads it. */
export interface ParamSchema {
  readonly type?: string | ReadonlyArray<string>
  readonly description?: string
  readonly enum?: ReadonlyArray<unknown>
  readonly items?: ParamSchema
  readonly minimum?: number
  readonly maximum?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly anyOf?: ReadonlyArray<ParamSchema>
}

export interface Automation {
  readonly key: string
  readonly description: string
  readonly plugin: string
  readonly params_schema: {
    readonly properties?: Readonly<Record<string, ParamSchema>>
    readonly required?: ReadonlyArray<string>
  }
}

export interface SchedulePreview {
  readonly cron: string
  readonly timezone: string
  readonly description: string
  readonly next_runs: ReadonlyArray<string>
  readonly problems: ReadonlyArray<{ readonly path: string; readonly message: string }>
}

export const MISFIRE_POLICIES: ReadonlyArray<{ value: MisfirePolicy; label: string }> = [
  { value: "coalesce_once", label: "Run once for all missed times" },
  { value: "run_all", label: "Run every missed time" },
  { value: "skip", label: "Skip missed times" },
]

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed"] as const

/** The reader's own time zone (the browser's). */
export const readerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"

/** `at` as a date and time in `timeZone` ("Mon, Nov 30, 2026, 07:30"). */
export const inZone = (at: string, timeZone: string): string => {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone,
      weekday: "short",
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(at))
  } catch {
    return new Date(at).toISOString()
  }
}

/** A duration in words: "850 ms", "4.2 s", "3 min 5 s". */
export const duration = (ms: number | null): string => {
  if (ms === null) return "—"
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** Every IANA zone the browser knows (UTC first), with `current` kept even when unknown. */
export const timeZones = (current: string): ReadonlyArray<string> => {
  let zones: Array<string> = []
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (key: string) => Array<string> }).supportedValuesOf?.(
      "timeZone",
    ) ?? ["UTC"]
  } catch {
    zones = ["UTC"]
  }
  const all = new Set(["UTC", ...zones])
  if (current !== "") all.add(current)
  return [...all]
}

/** A small value for a key/value list. */
export const shortValue = (value: unknown): string => {
  if (value === null || value === undefined) return "—"
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return value.map(shortValue).join(", ")
  return JSON.stringify(value)
}
