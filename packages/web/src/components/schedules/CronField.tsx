/**
 * The cron field: as a person types, the schedule in words and its next runs (in the job's
 * time zone and the reader's), asked of the server (`/api/schedules/preview/`, the same checks
 * as saving) a quarter of a second after the typing stops; a request the typing made stale is
 * cancelled. A refused schedule shows the server's words next to the field it names.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { ApiProblem, answerOf, client } from "../../api/client"
import { Field, messageOf } from "../ui"
import { inZone, readerZone, type SchedulePreview } from "./model"

/** how long the typing must pause before the preview is asked for */
export const PREVIEW_DELAY_MS = 250

export interface PreviewState {
  readonly status: "idle" | "loading" | "ok" | "refused" | "failed"
  readonly preview?: SchedulePreview
  /** the server's refusal (its fields name cron, timezone or skip_dates) */
  readonly problem?: ApiProblem
  /** why the preview could not be asked (offline, server error) */
  readonly failure?: string
}

/** The preview of a schedule, asked again (debounced, the stale request cancelled) when it changes. */
export const useSchedulePreview = (cron: string, timezone: string, skipDates: string): PreviewState => {
  const [state, setState] = useState<PreviewState>({ status: "idle" })
  useEffect(() => {
    if (cron.trim() === "") {
      setState({ status: "idle" })
      return
    }
    const controller = new AbortController()
    setState((previous) => ({ ...previous, status: "loading" }))
    const timer = setTimeout(() => {
      answerOf(
        client.GET("/api/schedules/preview/", {
          params: { query: { cron, timezone, skip_dates: skipDates } },
          signal: controller.signal,
        }),
      ).then(
        (preview: SchedulePreview) => {
          if (!controller.signal.aborted) setState({ status: "ok", preview })
        },
        (error: unknown) => {
          if (controller.signal.aborted) return
          if (error instanceof ApiProblem && error.status === 400) setState({ status: "refused", problem: error })
          else setState({ status: "failed", failure: messageOf(error) })
        },
      )
    }, PREVIEW_DELAY_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [cron, timezone, skipDates])
  return state
}

/** The problem of a refused preview with one field, in the server's words. */
export const previewProblem = (state: PreviewState, field: "cron" | "timezone" | "skip_dates"): string | undefined => {
  // while a new preview loads, the last refusal stays (it does not flicker away with each key)
  if (state.problem === undefined || (state.status !== "refused" && state.status !== "loading")) return undefined
  const named = state.problem.field(field)
  // a refusal naming no field is about the cron (the only required input)
  if (named === undefined && field === "cron" && state.problem.fields.length === 0) return state.problem.message
  return named
}

export const CronField = ({
  value,
  onInput,
  timezone,
  skipDates = "",
  saveError,
  onPreview,
}: {
  value: string
  onInput: (cron: string) => void
  timezone: string
  /** local dates YYYY-MM-DD separated by commas */
  skipDates?: string
  /** the server's refusal of the cron when the job was saved */
  saveError?: string | undefined
  /** told each new preview state (the form shows time zone and skip date problems by their fields) */
  onPreview?: (state: PreviewState) => void
}) => {
  const state = useSchedulePreview(value, timezone, skipDates)
  const told = useRef(onPreview)
  told.current = onPreview
  useEffect(() => told.current?.(state), [state])
  const zone = state.preview?.timezone ?? timezone
  const reader = readerZone()
  const error = previewProblem(state, "cron") ?? (state.status === "ok" ? undefined : saveError)
  return (
    <div class="cron-field">
      <Field
        label="Schedule (cron)"
        hint={
          <>
            Five fields: minute, hour, day of month, month, weekday. For example <code>0 7 * * 1-5</code> is 07:00 on
            weekdays.
          </>
        }
        error={error}
      >
        {(props) => (
          <input
            {...props}
            name="cron"
            class="cron-input"
            autocomplete="off"
            spellcheck={false}
            value={value}
            onInput={(event) => onInput(event.currentTarget.value)}
          />
        )}
      </Field>
      <div class="cron-preview" aria-live="polite" aria-busy={state.status === "loading"}>
        {state.status === "idle" ? (
          <p class="muted">Type a schedule to see when it runs.</p>
        ) : state.status === "failed" ? (
          <p class="error">The schedule could not be checked: {state.failure}</p>
        ) : state.status === "refused" || (state.status === "loading" && state.problem) ? (
          <p class="muted">Correct the schedule to see when it runs.</p>
        ) : state.preview ? (
          <div class={state.status === "loading" ? "cron-stale" : undefined}>
            <p class="cron-description">
              Runs <strong>{state.preview.description}</strong>
            </p>
            {state.preview.next_runs.length > 0 ? (
              <>
                <p class="cron-next-title">Next runs</p>
                <ol class="cron-next">
                  {state.preview.next_runs.map((at) => (
                    <li key={at}>
                      <time dateTime={at}>{inZone(at, zone)}</time> <span class="muted">({zone})</span>
                      {reader !== zone ? (
                        <span class="cron-reader">
                          {" "}
                          · your time {inZone(at, reader)} <span class="muted">({reader})</span>
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ol>
              </>
            ) : (
              <p class="muted">It does not run again.</p>
            )}
          </div>
        ) : (
          <p class="muted">Checking the schedule…</p>
        )}
      </div>
    </div>
  )
}
