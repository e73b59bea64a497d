/**
 * The scheduler contract: jobs fire by their cron schedule, each due tick exactly once, the
 * same way on every database backend (embedded PGlite, real Postgres). Time is injected: every
 * pass is given its `now` (and the loop runs on `TestClock`), so nothing here waits.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type CurrentRegistry,
  type HeartbeatsRepo,
  JobRunsRepo,
  JobsRepo,
  type NewJob,
  type OriginalFiles,
  parseSchedule,
  registerSchedule,
  schedulerTick,
  type Transactions,
  type WorkQueue,
} from "@batchops/core"
import type { UploadSettings } from "@batchops/runner-node"
import { HeartbeatsRepoLayer, migrate } from "@batchops/store-sql"
import { Effect, Fiber, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { runScheduler, schedulerLayer } from "../src/Scheduler.js"

export interface SchedulerTarget {
  /** a new client layer over the backend's database */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

type Services =
  | JobsRepo
  | JobRunsRepo
  | WorkQueue
  | Transactions
  | SqlClient.SqlClient
  | HeartbeatsRepo
  | UploadSettings
  | OriginalFiles
  | CurrentRegistry

const at = (text: string) => new Date(text)

export const schedulerContract = (name: string, target: () => SchedulerTarget) =>
  describe(`scheduler: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-scheduler-"))
    const dirs = { uploadsDir: join(root, "uploads"), exportDir: join(root, "exports") }
    let jobs = 0

    /** Every call is a new runtime over the same database: a restarted scheduler. */
    const run = <A, E>(effect: Effect.Effect<A, E, Services>) =>
      Effect.runPromise(
        Effect.provide(
          effect,
          Layer.mergeAll(schedulerLayer, HeartbeatsRepoLayer).pipe(
            Layer.provideMerge(uploadLifecycleLayer(target().open(), dirs)),
          ),
        ),
      )

    /** a job of its own name, registered at `registeredAt` as a save through the API does */
    const newJob = (input: Partial<NewJob> & { readonly cron: string }, registeredAt?: Date) =>
      Effect.gen(function* () {
        const repo = yield* JobsRepo
        const state =
          registeredAt === undefined
            ? {}
            : registerSchedule(
                Result.getOrThrow(
                  parseSchedule({ cron: input.cron, timezone: input.timezone, skipDates: input.skipDates }),
                ),
                registeredAt,
              )
        return yield* repo.create({
          name: `sched ${++jobs} ${name}`,
          automation: "purge_old_records",
          ...input,
          ...state,
        })
      })

    const tick = (now: string) => schedulerTick({ now: at(now) })

    /** the job's runs (oldest tick first), missed ticks and queued work items */
    const state = (jobId: string) =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const runs = yield* sql<{ scheduled_for: Date | string; trigger: string; status: string }>`
          SELECT scheduled_for, trigger, status FROM job_runs WHERE job_id = ${jobId} ORDER BY scheduled_for`
        const items = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM work_queue
          WHERE kind = 'run_job' AND payload->>'jobId' = ${jobId}`
        const missed = yield* (yield* JobRunsRepo).missedTicks(jobId, 100)
        const job = Option.getOrThrow(yield* (yield* JobsRepo).get(jobId))
        return {
          runs: runs.map((r) => new Date(r.scheduled_for).toISOString()),
          triggers: [...new Set(runs.map((r) => r.trigger))],
          items: Number(items[0]?.n ?? 0),
          missed: [...missed].sort(),
          nextRunAt: job.nextRunAt,
          lastScheduledFor: job.lastScheduledFor,
        }
      })

    beforeAll(() => Effect.runPromise(Effect.provide(migrate(), target().open())))
    afterAll(() => rmSync(root, { recursive: true, force: true }))

    it("registers a job saved without a schedule state (a seeded job) on the first pass, then fires each tick once", async () => {
      // inserted as the seed migrations do: no schedule state
      const job = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ id: string }>`INSERT INTO jobs (name, automation, cron)
            VALUES (${`seeded ${name}`}, 'purge_old_records', '0 * * * *') RETURNING id`
          return Option.getOrThrow(yield* (yield* JobsRepo).get(rows[0]!.id))
        }),
      )
      expect(job.nextRunAt).toBeNull()
      await run(tick("2030-01-01T00:30:00Z"))
      let s = await run(state(job.id))
      expect(s.nextRunAt).toBe("2030-01-01T01:00:00.000Z")
      expect(s.runs).toEqual([])

      expect((await run(tick("2030-01-01T00:59:59Z"))).runs.filter((r) => r.jobId === job.id)).toEqual([])
      const first = await run(tick("2030-01-01T01:00:00Z"))
      expect(first.runs.filter((r) => r.jobId === job.id).map((r) => r.scheduledFor)).toEqual([
        "2030-01-01T01:00:00.000Z",
      ])
      // the same instant again, and a little later: nothing new
      await run(tick("2030-01-01T01:00:00Z"))
      await run(tick("2030-01-01T01:00:30Z"))
      await run(tick("2030-01-01T02:00:05Z"))
      s = await run(state(job.id))
      expect(s.runs).toEqual(["2030-01-01T01:00:00.000Z", "2030-01-01T02:00:00.000Z"])
      expect(s.triggers).toEqual(["schedule"])
      expect(s.items).toBe(2)
      expect(s.missed).toEqual([])
      expect(s.nextRunAt).toBe("2030-01-01T03:00:00.000Z")
    })

    it("two schedulers ticking at the same instant create exactly one run per tick", async () => {
      const job = await run(newJob({ cron: "*/5 * * * *" }, at("2030-02-01T00:00:00Z")))
      const results = await run(
        Effect.all([tick("2030-02-01T00:05:00Z"), tick("2030-02-01T00:05:00Z")], { concurrency: "unbounded" }),
      )
      expect(results.flatMap((r) => r.runs).filter((r) => r.jobId === job.id)).toHaveLength(1)
      const again = await run(
        Effect.all([tick("2030-02-01T00:10:00Z"), tick("2030-02-01T00:10:00Z"), tick("2030-02-01T00:10:01Z")], {
          concurrency: "unbounded",
        }),
      )
      expect(again.flatMap((r) => r.runs).filter((r) => r.jobId === job.id)).toHaveLength(1)
      const s = await run(state(job.id))
      expect(s.runs).toEqual(["2030-02-01T00:05:00.000Z", "2030-02-01T00:10:00.000Z"])
      expect(s.items).toBe(2)
    })

    it("the unique (job, tick) index makes a second insert of a tick do nothing", async () => {
      const job = await run(newJob({ cron: "0 3 * * *" }, at("2030-03-01T00:00:00Z")))
      const [a, b] = await run(
        Effect.gen(function* () {
          const runs = yield* JobRunsRepo
          const input = { jobId: job.id, automation: job.automation, scheduledFor: "2030-03-01T03:00:00.000Z" }
          return [yield* runs.createScheduled(input), yield* runs.createScheduled(input)]
        }),
      )
      expect(Option.isSome(a!)).toBe(true)
      expect(Option.isNone(b!)).toBe(true)
    })

    it("a restart does not fire the same tick again, even when the job's state was lost", async () => {
      const job = await run(newJob({ cron: "0 6 * * *" }, at("2030-04-01T00:00:00Z")))
      expect((await run(tick("2030-04-01T06:00:00Z"))).runs.filter((r) => r.jobId === job.id)).toHaveLength(1)
      // a new runtime over the same database
      expect((await run(tick("2030-04-01T06:00:10Z"))).runs.filter((r) => r.jobId === job.id)).toEqual([])
      // a scheduler that died after queuing the run but whose schedule state is older
      await run(
        Effect.gen(function* () {
          const repo = yield* JobsRepo
          yield* repo.setSchedule(job.id, {
            nextRunAt: "2030-04-01T06:00:00.000Z",
            lastScheduledFor: "2030-04-01T05:00:00.000Z",
          })
        }),
      )
      const replay = await run(tick("2030-04-01T06:00:20Z"))
      expect(replay.runs.filter((r) => r.jobId === job.id)).toEqual([])
      expect(replay.duplicates).toBeGreaterThanOrEqual(1)
      const s = await run(state(job.id))
      expect(s.runs).toEqual(["2030-04-01T06:00:00.000Z"])
      expect(s.items).toBe(1)
      expect(s.nextRunAt).toBe("2030-04-02T06:00:00.000Z")
    })

    describe("downtime across three ticks (hourly job, down 00:30 to 03:10)", () => {
      const downtime = async (input: Partial<NewJob>) => {
        const job = await run(newJob({ cron: "0 * * * *", ...input }, at("2030-05-01T00:30:00Z")))
        const result = await run(tick("2030-05-01T03:10:00Z"))
        return { result, s: await run(state(job.id)) }
      }

      it("coalesce_once (the default): one catch-up run, the other two recorded as missed", async () => {
        const { s } = await downtime({})
        expect(s.runs).toEqual(["2030-05-01T03:00:00.000Z"])
        expect(s.missed).toEqual(["2030-05-01T01:00:00.000Z", "2030-05-01T02:00:00.000Z"])
        expect(s.items).toBe(1)
        expect(s.nextRunAt).toBe("2030-05-01T04:00:00.000Z")
      })

      it("run_all: all three, oldest first, when none is later than allowed", async () => {
        const { s } = await downtime({ misfirePolicy: "run_all", maxLatenessMs: 6 * 3_600_000 })
        expect(s.runs).toEqual(["2030-05-01T01:00:00.000Z", "2030-05-01T02:00:00.000Z", "2030-05-01T03:00:00.000Z"])
        expect(s.missed).toEqual([])
        expect(s.items).toBe(3)
      })

      it("run_all with the default lateness: the late ticks are missed", async () => {
        const { s } = await downtime({ misfirePolicy: "run_all" })
        expect(s.runs).toEqual(["2030-05-01T03:00:00.000Z"])
        expect(s.missed).toEqual(["2030-05-01T01:00:00.000Z", "2030-05-01T02:00:00.000Z"])
      })

      it("skip with a small grace: nothing is caught up, all three are missed", async () => {
        const { s } = await downtime({ misfirePolicy: "skip", maxLatenessMs: 60_000 })
        expect(s.runs).toEqual([])
        expect(s.missed).toEqual(["2030-05-01T01:00:00.000Z", "2030-05-01T02:00:00.000Z", "2030-05-01T03:00:00.000Z"])
        expect(s.nextRunAt).toBe("2030-05-01T04:00:00.000Z")
      })

      it("skip within its grace runs the latest tick only", async () => {
        const { s } = await downtime({ misfirePolicy: "skip", maxLatenessMs: 15 * 60_000 })
        expect(s.runs).toEqual(["2030-05-01T03:00:00.000Z"])
        expect(s.missed).toEqual(["2030-05-01T01:00:00.000Z", "2030-05-01T02:00:00.000Z"])
      })
    })

    it("a disabled job never fires", async () => {
      const job = await run(newJob({ cron: "* * * * *", enabled: false }, at("2030-06-01T00:00:00Z")))
      for (const now of ["2030-06-01T00:01:00Z", "2030-06-01T00:02:00Z", "2030-06-01T05:00:00Z"]) {
        const result = await run(tick(now))
        expect(result.runs.filter((r) => r.jobId === job.id)).toEqual([])
      }
      const s = await run(state(job.id))
      expect(s.runs).toEqual([])
      expect(s.missed).toEqual([])
    })

    it("a job whose automation this build does not have is not run: its ticks are recorded as missed", async () => {
      const job = await run(
        newJob({ cron: "*/15 * * * *", automation: "ingest_a_future_feed" }, at("2030-07-01T00:00:00Z")),
      )
      const result = await run(tick("2030-07-01T00:15:00Z"))
      expect(result.runs.filter((r) => r.jobId === job.id)).toEqual([])
      const s = await run(state(job.id))
      expect(s.runs).toEqual([])
      expect(s.items).toBe(0)
      expect(s.missed).toEqual(["2030-07-01T00:15:00.000Z"])
      // the schedule goes on: the next tick is still planned
      expect(s.nextRunAt).toBe("2030-07-01T00:30:00.000Z")
    })

    it("a changed cron takes effect at once: the next tick is the new schedule's", async () => {
      const job = await run(newJob({ cron: "0 6 * * *" }, at("2030-07-01T00:00:00Z")))
      expect(job.nextRunAt).toBe("2030-07-01T06:00:00.000Z")
      const changed = await run(
        Effect.gen(function* () {
          const repo = yield* JobsRepo
          const schedule = Result.getOrThrow(parseSchedule({ cron: "15 1 * * *" }))
          return Option.getOrThrow(
            yield* repo.update(job.id, {
              cron: "15 1 * * *",
              ...registerSchedule(schedule, at("2030-07-01T00:10:00Z")),
            }),
          )
        }),
      )
      expect(changed.nextRunAt).toBe("2030-07-01T01:15:00.000Z")
      await run(tick("2030-07-01T01:15:00Z"))
      await run(tick("2030-07-01T06:00:00Z"))
      expect((await run(state(job.id))).runs).toEqual(["2030-07-01T01:15:00.000Z"])
    })

    it("a job saved through the library is registered at once by the repository, on its clock", async () => {
      const { created, changed } = await run(
        Effect.gen(function* () {
          const repo = yield* JobsRepo
          yield* TestClock.setTime(at("2030-07-02T00:00:00Z").getTime())
          const created = yield* newJob({ cron: "0 6 * * *", timezone: "America/Chicago" })
          yield* TestClock.setTime(at("2030-07-02T00:10:00Z").getTime())
          const changed = Option.getOrThrow(yield* repo.update(created.id, { cron: "0 9 * * *", timezone: "UTC" }))
          return { created, changed }
        }).pipe(Effect.provide(TestClock.layer())),
      )
      expect(created.nextRunAt).toBe("2030-07-02T11:00:00.000Z")
      expect(changed.nextRunAt).toBe("2030-07-02T09:00:00.000Z")
      expect(changed.lastScheduledFor).toBe("2030-07-02T00:10:00.000Z")
      await run(tick("2030-07-02T07:00:00Z"))
      await run(tick("2030-07-02T09:00:00Z"))
      const s = await run(state(changed.id))
      expect(s.runs).toEqual(["2030-07-02T09:00:00.000Z"])
      expect(s.missed).toEqual([])
    })

    it("daylight saving: a 02:30 America/Chicago job ticked across 2024-03-10 fires once, at 03:00 CDT", async () => {
      const job = await run(newJob({ cron: "30 2 * * *", timezone: "America/Chicago" }, at("2024-03-09T12:00:00Z")))
      expect(job.nextRunAt).toBe("2024-03-10T08:00:00.000Z")
      // every 15 minutes through the night of the change
      for (let ms = at("2024-03-10T06:00:00Z").getTime(); ms <= at("2024-03-10T12:00:00Z").getTime(); ms += 900_000) {
        await run(schedulerTick({ now: new Date(ms) }))
      }
      const s = await run(state(job.id))
      expect(s.runs).toEqual(["2024-03-10T08:00:00.000Z"])
      expect(s.missed).toEqual([])
      expect(s.nextRunAt).toBe("2024-03-11T07:30:00.000Z")
    })

    it("daylight saving: a 01:30 America/Chicago job ticked across 2024-11-03 fires once, at the first 01:30", async () => {
      const job = await run(newJob({ cron: "30 1 * * *", timezone: "America/Chicago" }, at("2024-11-02T12:00:00Z")))
      expect(job.nextRunAt).toBe("2024-11-03T06:30:00.000Z")
      for (let ms = at("2024-11-03T05:00:00Z").getTime(); ms <= at("2024-11-03T10:00:00Z").getTime(); ms += 900_000) {
        await run(schedulerTick({ now: new Date(ms) }))
      }
      const s = await run(state(job.id))
      expect(s.runs).toEqual(["2024-11-03T06:30:00.000Z"])
      expect(s.missed).toEqual([])
      expect(s.nextRunAt).toBe("2024-11-04T07:30:00.000Z")
    })

    it("skip dates: no run on a listed local date", async () => {
      const job = await run(newJob({ cron: "0 7 * * *", skipDates: ["2030-08-02"] }, at("2030-08-01T08:00:00Z")))
      expect(job.nextRunAt).toBe("2030-08-03T07:00:00.000Z")
      await run(tick("2030-08-02T07:00:00Z"))
      await run(tick("2030-08-03T07:00:00Z"))
      const s = await run(state(job.id))
      expect(s.runs).toEqual(["2030-08-03T07:00:00.000Z"])
      expect(s.missed).toEqual([])
    })

    it("the loop passes on its injected clock (TestClock), without waiting", async () => {
      const job = await run(newJob({ cron: "*/10 * * * *" }, at("2031-01-01T00:00:00Z")))
      const s = await run(
        Effect.gen(function* () {
          yield* TestClock.setTime(at("2031-01-01T00:05:00Z").getTime())
          let passes = 0
          const fiber = yield* Effect.forkChild(
            runScheduler({ everyMs: 60_000, heartbeat: false, onTick: () => Effect.sync(() => void passes++) }),
          )
          /** a pass talks to a real database: let it finish before time moves on */
          const passed = (count: number) =>
            Effect.gen(function* () {
              while (passes < count) yield* TestClock.withLive(Effect.sleep(2))
            })
          yield* passed(1)
          // 30 minutes of passes, one a minute
          for (let i = 0; i < 30; i++) {
            yield* TestClock.adjust("1 minute")
            yield* passed(i + 2)
          }
          yield* Fiber.interrupt(fiber)
          return yield* state(job.id)
        }).pipe(Effect.provide(TestClock.layer())),
      )
      expect(s.runs).toEqual(["2031-01-01T00:10:00.000Z", "2031-01-01T00:20:00.000Z", "2031-01-01T00:30:00.000Z"])
      expect(s.missed).toEqual([])
    })
  })
