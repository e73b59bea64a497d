/**
 * A run's progress as server-sent events. The stream reads the upload from the database every
 * 300 ms (the worker may be another process), and tells what changed since as core's
 * `ProgressTracker` says (stage started and finished, progress, the final status); then it
 * ends. It ends too when the client goes away.
 */
import { isFinal, type Models, type ProgressEvent, ProgressTracker, UploadsRepo } from "@batchops/core"
import { UploadSettings } from "@batchops/runner-node"
import { Effect, Exit, Option } from "effect"
import { defineRoute } from "../Api.js"
import { loadUpload, UploadParams } from "./Uploads.js"

export const POLL_MS = 300
/** a comment line this often keeps proxies from closing a quiet stream */
const KEEP_ALIVE_MS = 15_000

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
            let upload: Models.Upload = first
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
