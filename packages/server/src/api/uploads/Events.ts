/**
 * A run's progress as server-sent events. The stream reads the upload from the database every
 * 300 ms (the worker may be another process), and tells what changed since: a `stage` event
 * when a stage starts and when it finishes (from the stored step logs and progress, with the
 * rows so far), a `progress` event when the status or progress moves, and a last `status`
 * event once the upload is published, failed, awaiting approval or rejected; then it ends.
 * It ends too when the client goes away.
 */
import { type Models, UploadsRepo } from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Effect, Exit, Option } from "effect"
import { defineRoute } from "../Api.js"
import { loadUpload, UploadParams } from "./Uploads.js"

type Upload = Models.Upload

export const POLL_MS = 300
/** a comment line this often keeps proxies from closing a quiet stream */
const KEEP_ALIVE_MS = 15_000

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

const encoder = new TextEncoder()
const frame = (event: ProgressEvent) => encoder.encode(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`)

const events = defineRoute({
  method: "GET",
  path: "/api/uploads/:id/events/",
  summary: "Server-sent events of a run's progress: stage started/finished, progress, then the final status",
  tag: "Uploads",
  access: "user",
  params: UploadParams,
  produces: ["text/event-stream"],
  handler: (ctx) =>
    Effect.gen(function* () {
      const uploads = yield* UploadsRepo
      const { registry } = yield* UploadSettings
      const first = yield* loadUpload(ctx.params.id)
      const tracker = new ProgressTracker(registry.stages.map((stage) => stage.name))
      const signal = ctx.request.signal
      let closed = false
      let wake: (() => void) | undefined
      const stop = () => {
        closed = true
        wake?.()
      }
      const pause = (ms: number) =>
        new Promise<void>((resume) => {
          const timer = setTimeout(resume, ms)
          wake = () => {
            clearTimeout(timer)
            resume()
          }
        })
      signal.addEventListener("abort", stop, { once: true })

      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (event: ProgressEvent) => {
            if (!closed) controller.enqueue(frame(event))
          }
          const watch = async () => {
            let upload: Upload = first
            let quiet = 0
            for (;;) {
              const told = tracker.observe(upload)
              for (const event of told) send(event)
              if (isFinal(upload.status) || closed) break
              await pause(POLL_MS)
              if (closed) break
              quiet = told.length > 0 ? 0 : quiet + POLL_MS
              if (quiet >= KEEP_ALIVE_MS) {
                quiet = 0
                if (!closed) controller.enqueue(encoder.encode(": still running\n\n"))
              }
              const read = await Effect.runPromiseExit(uploads.get(upload.id))
              if (Exit.isFailure(read)) {
                send({ event: "status", data: { status: "unknown", error: "the database could not be reached" } })
                break
              }
              if (Option.isNone(read.value)) {
                send({ event: "status", data: { status: "deleted" } })
                break
              }
              upload = read.value.value
            }
          }
          watch().then(
            () => {
              signal.removeEventListener("abort", stop)
              if (!closed) {
                closed = true
                controller.close()
              }
            },
            (error) => {
              closed = true
              controller.error(error)
            },
          )
        },
        cancel() {
          stop()
        },
      })
      return new Response(body, {
        status: 200,
        headers: {
          "Content-Type": "text/event-stream; charset=utf-8",
          "Cache-Control": "no-store, no-transform",
          "X-Accel-Buffering": "no",
        },
      })
    }),
})

export const eventRoutes = [events]
