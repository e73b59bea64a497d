import { type Models, ProgressTracker } from "@batchops/core"
import { describe, expect, it } from "vitest"

const STAGES = ["standardize_results", "validate_results", "publish_results"]

const step = (name: string, rowsOut: number, status: Models.StepLog["status"] = "ok") =>
  ({ name, plugin: "batchops", status, durationMs: 5, log: { rowsIn: rowsOut, rowsOut } }) as Models.StepLog

const reading = (status: Models.UploadStatus, progress: number, steps: ReadonlyArray<Models.StepLog>, rows?: number) =>
  ({ id: "u1", status, progress, steps, rows: rows ?? null, incidentId: null }) as unknown as Models.Upload

const told = (events: ReadonlyArray<{ event: string; data: Record<string, unknown> }>) =>
  events.map((e) => (e.event === "stage" ? `${e.data.state} ${e.data.stage}` : `${e.event} ${e.data.status}`))

describe("a run's progress as a watcher tells it", () => {
  it("tells each stage started before finished, the next stage started, and the final status once", () => {
    const tracker = new ProgressTracker(STAGES)
    expect(told(tracker.observe(reading("queued", 0, [])))).toEqual(["progress queued"])
    // nothing changed: nothing to tell
    expect(tracker.observe(reading("queued", 0, []))).toEqual([])
    const first = tracker.observe(reading("processing", 40, [step("standardize_results", 30)]))
    expect(told(first)).toEqual([
      "started standardize_results",
      "finished standardize_results",
      "started validate_results",
      "progress processing",
    ])
    expect(first.at(-1)?.data.rows).toBe(30)
    // a fast run finished two stages between readings: each still starts before it finishes
    const last = tracker.observe(
      reading(
        "published",
        100,
        [step("standardize_results", 30), step("validate_results", 29), step("publish_results", 29)],
        29,
      ),
    )
    expect(told(last)).toEqual([
      "finished validate_results",
      "started publish_results",
      "finished publish_results",
      "status published",
    ])
    expect(last.at(-1)?.data).toMatchObject({ status: "published", progress: 100, rows: 29 })
  })

  it("starts over when a retry's run begins again, and tells no next stage after a failed one", () => {
    const tracker = new ProgressTracker(STAGES)
    tracker.observe(reading("processing", 60, [step("standardize_results", 30), step("validate_results", 30)]))
    const failed = tracker.observe(
      reading("processing", 60, [step("standardize_results", 30), step("validate_results", 0, "failed")]),
    )
    expect(told(failed)).toEqual([])
    const retried = tracker.observe(reading("processing", 10, [step("standardize_results", 30)]))
    expect(told(retried)).toEqual([
      "started standardize_results",
      "finished standardize_results",
      "started validate_results",
      "progress processing",
    ])
  })
})
