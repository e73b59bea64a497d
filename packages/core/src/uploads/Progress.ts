/**
 * A run's progress as a watcher tells it: from successive readings of an upload (its status,
 * progress and stored step logs), the events each new reading adds: a `stage` event when a
 * stage starts and when it finishes (with the rows so far), a `progress` event when the status
 * or progress moves, and a last `status` event once the upload is published, failed, awaiting
 * approval or rejected. The API streams them as server-sent events.
 */
import type * as Models from "../models/Models.js"

type Upload = Models.Upload

/** The statuses a run ends in (for now: a retry or an approval starts another). */
const FINAL: ReadonlySet<Models.UploadStatus> = new Set(["published", "failed", "awaiting_approval", "rejected"])

export interface ProgressEvent {
  readonly event: "stage" | "progress" | "status"
  readonly data: Record<string, unknown>
}

const rowsOutOf = (step: Models.StepLog): number | null =>
  typeof step.log.rowsOut === "number" && (step.status === "ok" || step.status === "reused") ? step.log.rowsOut : null

/**
 * What a watcher has told so far, and the events a new reading of the upload adds. Stage i
 * has started once the stages before it finished while the upload is processing; a stage is
 * always told started before finished (a fast run may finish between two readings). Steps of
 * an earlier run (a queued retry still shows them) are not told.
 */
export class ProgressTracker {
  private finished = 0
  private started = -1
  private rows: number | null = null
  private last: { status: string; progress: number } | undefined

  constructor(private readonly stages: ReadonlyArray<string>) {}

  observe(upload: Upload): ReadonlyArray<ProgressEvent> {
    const events: Array<ProgressEvent> = []
    const total = this.stages.length
    const steps = upload.status === "queued" ? [] : upload.steps
    if (steps.length < this.finished) {
      // a new run started over
      this.finished = 0
      this.started = -1
      this.rows = null
    }
    const stageEvent = (state: string, index: number, extra: Record<string, unknown> = {}): ProgressEvent => ({
      event: "stage",
      data: {
        state,
        stage: this.stages[index] ?? steps[index]?.name ?? null,
        index,
        total,
        ...extra,
        rows: this.rows,
        progress: upload.progress,
      },
    })
    for (let index = this.finished; index < steps.length; index++) {
      const step = steps[index]!
      if (step.status !== "skipped" && this.started < index) events.push(stageEvent("started", index))
      this.started = Math.max(this.started, index)
      const rows = rowsOutOf(step)
      if (rows !== null) this.rows = rows
      events.push(
        stageEvent(step.status === "skipped" ? "skipped" : "finished", index, {
          stage: step.name,
          plugin: step.plugin,
          status: step.status,
          duration_ms: step.durationMs,
          rows_in: typeof step.log.rowsIn === "number" ? step.log.rowsIn : null,
          rows_out: typeof step.log.rowsOut === "number" ? step.log.rowsOut : null,
        }),
      )
      this.finished = index + 1
    }
    const lastFailed = steps.length > 0 && steps[steps.length - 1]!.status === "failed"
    if (upload.status === "processing" && !lastFailed && this.finished < total && this.started < this.finished) {
      this.started = this.finished
      events.push(stageEvent("started", this.finished))
    }
    if (this.last === undefined || this.last.status !== upload.status || this.last.progress !== upload.progress) {
      this.last = { status: upload.status, progress: upload.progress }
      if (!FINAL.has(upload.status)) {
        events.push({ event: "progress", data: { status: upload.status, progress: upload.progress, rows: this.rows } })
      }
    }
    if (FINAL.has(upload.status)) {
      events.push({
        event: "status",
        data: {
          status: upload.status,
          progress: upload.progress,
          rows: upload.rows ?? this.rows,
          incident_id: upload.incidentId,
        },
      })
    }
    return events
  }
}

export const isFinal = (status: Models.UploadStatus) => FINAL.has(status)
