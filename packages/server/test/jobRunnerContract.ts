/**
 * The job runner contract: a queued run is carried out the same way on every database backend
 * (embedded PGlite, real Postgres). A test plugin contributes automations that succeed, fail
 * and take parameters, registered through the same API as the built-ins; `purge_old_records`
 * runs for real over seeded uploads (with their files on disk), runs, records and incidents.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  AutomationError,
  type AutomationServices,
  type CurrentRegistry,
  DepartmentsRepo,
  defineAutomation,
  definePlugin,
  IncidentsRepo,
  type JobRunnerOutcome,
  type JobRunRecord,
  JobRunsRepo,
  JobsRepo,
  type KnownErrorsRepo,
  type NewJob,
  type OriginalFiles,
  processNextJobRun,
  submitUpload,
  type Transactions,
  triggerJob,
  type UploadsRepo,
  UsersRepo,
  WorkQueue,
} from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import { checkpointDir, originalPath, type UploadSettings, uploadExportDir } from "@batchops/runner-node"
import { migrate } from "@batchops/store-sql"
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startSmtpServer, type TestSmtpServer } from "../../mailer-smtp/test/smtpTestServer.js"
import { jobRunnerLayer } from "../src/JobRunner.js"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { defaultRegistry } from "../src/Registry.js"

export interface JobRunnerTarget {
  /** a new client layer over the backend's database */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

type Services =
  | AutomationServices
  | UploadsRepo
  | IncidentsRepo
  | KnownErrorsRepo
  | WorkQueue
  | UploadSettings
  | OriginalFiles
  | CurrentRegistry
  | SqlClient.SqlClient
  | Transactions
  | UsersRepo

const RUNNER = { worker: "test-runner", leaseMs: 60_000, overlapDelayMs: 60_000 }

/** Counts to `count`, one step and one log line; the default count comes from the schema. */
const countUp = defineAutomation({
  key: "test_count",
  description: "Counts (a test automation)",
  params: Schema.Struct({ count: Schema.Int.pipe(Schema.withDecodingDefaultKey(Effect.succeed(2))) }),
  run: (params, context) =>
    Effect.gen(function* () {
      yield* context.log(`counting to ${params.count}`)
      yield* Effect.sleep(5)
      yield* context.step("count", { counted: params.count })
      yield* context.log("done")
      return { counted: params.count, trigger: context.trigger }
    }),
})

const alwaysFails = defineAutomation({
  key: "test_mail_digest",
  description: "Fails the way a refused mail server does (a test automation)",
  params: Schema.Struct({}),
  run: (_params, context) =>
    Effect.gen(function* () {
      yield* context.step("connect", { attempts: 1 })
      yield* context.log("connecting to the mail server")
      return yield* new AutomationError({ message: "the mail server refused the connection" })
    }),
})

/** A bug in an automation (a defect, not an AutomationError) */
const crashes = defineAutomation({
  key: "test_crash",
  description: "Throws (a test automation)",
  params: Schema.Struct({}),
  run: () => Effect.die(new Error("undefined is not a function")),
})

const testPlugin = definePlugin({
  name: "runner-tests",
  apiVersion: 1,
  automations: [countUp, alwaysFails, crashes],
  knownErrors: [
    {
      name: "test-mail-refused",
      pattern: "refused the connection",
      severity: "high",
      rootCause: "the mail server is down",
      correctiveAction: "start the mail server, then run the job again",
    },
  ],
})

const OLD = "2000-01-01T00:00:00Z"

export const jobRunnerContract = (name: string, target: () => JobRunnerTarget) =>
  describe(`job runner: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-jobs-"))
    const dirs = { uploadsDir: join(root, "uploads"), exportDir: join(root, "exports") }
    let jobs = 0

    let smtp: TestSmtpServer
    const run = <A, E>(effect: Effect.Effect<A, E, Services>) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const registry = yield* Effect.orDie(defaultRegistry([testPlugin]))
          const mailer = Layer.orDie(mailerLayerFromEnv({ EMAIL_HOST: "127.0.0.1", EMAIL_PORT: String(smtp.port) }))
          return yield* Effect.provide(
            effect,
            Layer.mergeAll(jobRunnerLayer, mailer).pipe(
              Layer.provideMerge(uploadLifecycleLayer(target().open(), { ...dirs, registry })),
            ),
          )
        }),
      )

    /** a job of its own name, then a manual run of it by `user-<n>` */
    const newJob = (input: Omit<NewJob, "name" | "cron">) =>
      Effect.gen(function* () {
        const repo = yield* JobsRepo
        return yield* repo.create({ name: `job ${++jobs} ${name}`, cron: "0 3 * * *", ...input })
      })
    const trigger = (jobId: string, who = "user-1") =>
      Effect.gen(function* () {
        const repo = yield* JobsRepo
        const job = Option.getOrThrow(yield* repo.get(jobId))
        return yield* triggerJob(job, who)
      })
    const getRun = (id: string) =>
      Effect.gen(function* () {
        const runs = yield* JobRunsRepo
        return Option.getOrThrow(yield* runs.get(id))
      })
    const next = Effect.map(processNextJobRun(RUNNER), (outcome) => Option.getOrThrow(outcome))

    beforeAll(async () => {
      smtp = await startSmtpServer()
      await Effect.runPromise(Effect.provide(migrate(), target().open()))
    })
    afterAll(async () => {
      await smtp?.close()
      rmSync(root, { recursive: true, force: true })
    })

    it("mails the admins a status digest of the last day: counts only, one mail, admins only", async () => {
      const { outcome, stored } = await run(
        Effect.gen(function* () {
          const db = yield* SqlClient.SqlClient
          const users = yield* UsersRepo
          const stamp = `${Date.now()}${jobs}`
          yield* users.insert({ username: `head${stamp}`, email: `head${stamp}@school.test`, role: "admin" })
          yield* users.insert({
            username: `mod${stamp}`,
            email: `mod${stamp}@school.test`,
            role: "moderator",
            emailVerified: true,
          })
          yield* db`INSERT INTO uploads (file_name, size, sha256, status, profile, process_mode)
            VALUES ('a.csv', 1, ${"a".repeat(64)}, 'published', 'gradebook', 'transform'),
                   ('b.csv', 1, ${"b".repeat(64)}, 'published', 'gradebook', 'transform'),
                   ('c.csv', 1, ${"c".repeat(64)}, 'failed', 'gradebook', 'transform')`
          const incidents = yield* IncidentsRepo
          yield* incidents.insert({ uploadId: null, stage: "validate_results", error: "x", severity: "high" })
          const job = yield* newJob({ automation: "send_system_status_digest", params: { hours: 1 } })
          const queued = yield* trigger(job.id)
          const outcome = yield* next
          return { outcome, stored: yield* getRun(queued.id), admins: stamp }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      const mail = smtp.received.at(-1)!
      expect(mail.rcptTo.filter((to) => to.startsWith("mod"))).toEqual([])
      expect(mail.rcptTo.some((to) => to.startsWith("head"))).toBe(true)
      expect(mail.headers.get("subject")).toMatch(
        /^\[BatchOps\] Status of the last hour: \d+ published, \d+ failed, \d+ open incidents?$/,
      )
      const published = Number(/(\d+) published/.exec(mail.headers.get("subject")!)![1])
      expect(published).toBeGreaterThanOrEqual(2)
      expect(mail.body).toContain("Uploads")
      expect(mail.body).toMatch(/open now: \d+ \(critical \d+, high [1-9]\d*, medium \d+, low \d+\)/)
      expect(mail.body).not.toContain("a.csv")
      expect(stored.steps.map((step) => step.name)).toEqual(["summarize", "mail"])
      expect(stored.details).toMatchObject({ result: { sent: mail.rcptTo.length } })
    })

    it("runs a triggered job: succeeded, with who asked, steps, log, duration and result", async () => {
      const { outcome, stored, item } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count", params: { count: 3 } })
          const queued = yield* trigger(job.id, "user-7")
          const outcome = yield* next
          const stored = yield* getRun(queued.id)
          const queue = yield* WorkQueue
          return { outcome, stored, item: Option.getOrThrow(yield* queue.get(outcome.workItemId)) }
        }),
      )
      expect(outcome).toMatchObject({ status: "succeeded", jobRunId: stored.id })
      expect(item.status).toBe("completed")
      expect(stored).toMatchObject({
        status: "succeeded",
        trigger: "manual",
        requestedBy: "user-7",
        error: null,
        logs: ["counting to 3", "done"],
        details: { result: { counted: 3, trigger: "manual" } },
      })
      expect(stored.steps).toEqual([{ name: "count", at: expect.any(String), details: { counted: 3 } }])
      expect(stored.startedAt).not.toBeNull()
      expect(stored.finishedAt).not.toBeNull()
      expect(Date.parse(stored.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(stored.startedAt!))
      expect(stored.durationMs).toBeGreaterThanOrEqual(0)
      // the times are shown to the millisecond, the duration rounded from microseconds
      const shown = Date.parse(stored.finishedAt!) - Date.parse(stored.startedAt!)
      expect(Math.abs(stored.durationMs! - shown)).toBeLessThanOrEqual(1)
    })

    it("does not carry out a run whose job was disabled after the run was queued", async () => {
      const { outcomes, stored, items } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count" })
          const byHand = yield* trigger(job.id)
          const runs = yield* JobRunsRepo
          const tick = Option.getOrThrow(
            yield* runs.createScheduled({ jobId: job.id, automation: job.automation, scheduledFor: OLD }),
          )
          const queue = yield* WorkQueue
          yield* queue.enqueue({ kind: "run_job", payload: { jobRunId: tick.id, jobId: job.id } })
          yield* (yield* JobsRepo).update(job.id, { enabled: false })
          const outcomes = [yield* next, yield* next]
          const stored = [yield* getRun(byHand.id), yield* getRun(tick.id)]
          const items = yield* Effect.forEach(outcomes, (outcome) =>
            Effect.map(queue.get(outcome.workItemId), Option.getOrThrow),
          )
          return { outcomes, stored, items }
        }),
      )
      for (const outcome of outcomes) expect(outcome).toMatchObject({ status: "failed", incidentId: null })
      for (const item of items) expect(item.status).toBe("completed")
      for (const run of stored) {
        expect(run.status).toBe("failed")
        expect(run.error).toMatch(/^not run: the job "job \d+ .*" was disabled before the run started/)
        // the automation never ran: no log, no steps, no incident
        expect(run.logs).toEqual([])
        expect(run.steps).toEqual([])
        expect(run.details.incident_id).toBeUndefined()
      }
    })

    it("fills the defaults of the automation's schema", async () => {
      const stored = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count" })
          const queued = yield* trigger(job.id)
          yield* next
          return yield* getRun(queued.id)
        }),
      )
      expect(stored.details).toEqual({ result: { counted: 2, trigger: "manual" } })
    })

    it("makes a failing automation's run failed and an incident, matched by known error, linked from the run", async () => {
      const { outcome, stored, incidents } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_mail_digest" })
          const queued = yield* trigger(job.id)
          const outcome = yield* next
          const stored = yield* getRun(queued.id)
          const db = yield* SqlClient.SqlClient
          const incidents = yield* db<{
            id: string
            stage: string
            error: string
            severity: string
            known_error: string | null
            status: string
            upload_id: string | null
          }>`SELECT id, stage, error, severity, known_error, status, upload_id FROM incidents
              WHERE id = ${String(stored.details.incident_id)}`
          return { outcome, stored, incidents }
        }),
      )
      expect(outcome).toMatchObject({ status: "failed", error: "the mail server refused the connection" })
      expect(stored).toMatchObject({
        status: "failed",
        error: "the mail server refused the connection",
        logs: ["connecting to the mail server"],
        steps: [{ name: "connect", details: { attempts: 1 } }],
      })
      expect(stored.finishedAt).not.toBeNull()
      expect(stored.durationMs).toBeGreaterThanOrEqual(0)
      expect(outcome.status === "failed" && outcome.incidentId).toBe(stored.details.incident_id)
      expect(incidents).toEqual([
        {
          id: stored.details.incident_id,
          stage: "automation:test_mail_digest",
          error: "the mail server refused the connection",
          severity: "high",
          known_error: "test-mail-refused",
          status: "open",
          upload_id: null,
        },
      ])

      // the same failure again joins the open incident instead of opening another
      const again = await run(
        Effect.gen(function* () {
          const repo = yield* JobsRepo
          const job = Option.getOrThrow(yield* repo.get(stored.jobId!))
          const queued = yield* triggerJob(job, null)
          yield* next
          return yield* getRun(queued.id)
        }),
      )
      expect(again.details.incident_id).toBe(stored.details.incident_id)
      expect(again.requestedBy).toBeNull()
    })

    it("fails the run of an automation that crashes (no retry), with an incident", async () => {
      const { outcome, stored } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_crash" })
          const queued = yield* trigger(job.id)
          const outcome = yield* next
          return { outcome, stored: yield* getRun(queued.id) }
        }),
      )
      expect(outcome.status).toBe("failed")
      expect(stored.status).toBe("failed")
      expect(stored.error).toBe("undefined is not a function")
      expect(stored.details.incident_id).toEqual(expect.any(String))
    })

    it("does not overlap a running run of the same job: the run waits, then runs", async () => {
      const { first, waiting, item } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count" })
          const db = yield* SqlClient.SqlClient
          // a run of the job still going (another runner's)
          yield* db`INSERT INTO job_runs (id, job_id, automation, status, trigger, started_at)
            VALUES (${`running-${job.id}`}, ${job.id}, 'test_count', 'running', 'schedule', now())`
          const queued = yield* trigger(job.id)
          const first = yield* next
          const waiting = yield* getRun(queued.id)
          const queue = yield* WorkQueue
          const item = Option.getOrThrow(yield* queue.get(first.workItemId))
          return { job, first, waiting, item }
        }),
      )
      expect(first.status).toBe("postponed")
      expect(waiting.status).toBe("queued")
      expect(waiting.startedAt).toBeNull()
      expect(item.status).toBe("queued")
      expect(Date.parse(item.runAfter)).toBeGreaterThan(Date.now() + 30_000)
      expect(item.lastError).toContain("waiting for the previous run")

      // nothing else is due meanwhile
      expect(Option.isNone(await run(processNextJobRun(RUNNER)))).toBe(true)

      // the other run ends, the item's time comes: the run runs
      const later = await run(
        Effect.gen(function* () {
          const db = yield* SqlClient.SqlClient
          yield* db`UPDATE job_runs SET status = 'succeeded', finished_at = now() WHERE id = ${`running-${waiting.jobId}`}`
          yield* db`UPDATE work_queue SET run_after = now() WHERE id = ${first.workItemId}::bigint`
          const outcome = yield* next
          return { outcome, stored: yield* getRun(waiting.id) }
        }),
      )
      expect(later.outcome.status).toBe("succeeded")
      expect(later.stored.status).toBe("succeeded")
    })

    it("starts a run exclusively only when no other run of its job is going", async () => {
      const { busy, started, again } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count" })
          const runs = yield* JobRunsRepo
          const first = yield* runs.create({ jobId: job.id, automation: "test_count", trigger: "schedule" })
          const second = yield* runs.create({ jobId: job.id, automation: "test_count", trigger: "schedule" })
          const started = yield* runs.start(first.id, { exclusive: true })
          const busy = yield* runs.start(second.id, { exclusive: true })
          // a runner that died during the first run: the run starts again
          const again = yield* runs.start(first.id, { exclusive: true })
          return { busy, started, again }
        }),
      )
      expect(started._tag).toBe("started")
      expect(busy._tag).toBe("busy")
      expect(again._tag).toBe("started")
      const gone = await run(
        Effect.gen(function* () {
          return yield* (yield* JobRunsRepo).start("no-such-run")
        }),
      )
      expect(gone._tag).toBe("gone")
    })

    it("lets a job that allows overlap run beside its running run", async () => {
      const { outcome, stored } = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count", allowOverlap: true })
          const db = yield* SqlClient.SqlClient
          yield* db`INSERT INTO job_runs (job_id, automation, status, trigger, started_at)
            VALUES (${job.id}, 'test_count', 'running', 'schedule', now())`
          const queued = yield* trigger(job.id)
          const outcome = yield* next
          return { outcome, stored: yield* getRun(queued.id) }
        }),
      )
      expect(outcome.status).toBe("succeeded")
      expect(stored.status).toBe("succeeded")
    })

    it("fails a run whose parameters the schema refuses, naming the field", async () => {
      const stored = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count", params: { count: "many" } })
          const queued = yield* trigger(job.id)
          const outcome = yield* next
          expect(outcome.status).toBe("failed")
          return yield* getRun(queued.id)
        }),
      )
      expect(stored.status).toBe("failed")
      expect(stored.error).toContain("params.count")
      expect(stored.error).toContain("test_count")
      expect(stored.startedAt).not.toBeNull()
      expect(stored.details.incident_id).toEqual(expect.any(String))

      const typo = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "test_count", params: { cuont: 3 } })
          const queued = yield* trigger(job.id)
          yield* next
          return yield* getRun(queued.id)
        }),
      )
      expect(typo.status).toBe("failed")
      expect(typo.error).toContain("params.cuont")
    })

    it("fails a run of an automation no plugin contributes, naming the known ones", async () => {
      const stored = await run(
        Effect.gen(function* () {
          const job = yield* newJob({ automation: "run_a_future_chore" })
          const queued = yield* trigger(job.id)
          yield* next
          return yield* getRun(queued.id)
        }),
      )
      expect(stored.status).toBe("failed")
      expect(stored.error).toContain('"run_a_future_chore"')
      expect(stored.error).toContain("purge_old_records")
    })

    it("discards an item whose run does not exist", async () => {
      const outcome = await run(
        Effect.gen(function* () {
          const queue = yield* WorkQueue
          yield* queue.enqueue({ kind: "run_job", payload: { jobRunId: "no-such-run", jobId: "x" } })
          return yield* next
        }),
      )
      expect(outcome).toMatchObject({ status: "discarded", jobRunId: "no-such-run" })
    })

    describe("purge_old_records", () => {
      const seeded = {
        oldUpload: "",
        protectedUpload: "",
        resolvedUpload: "",
        newUpload: "",
      }
      const filesOf = (id: string, sha256: string, fileName: string) => [
        originalPath(dirs.uploadsDir, { id, sha256, fileName }),
        join(uploadExportDir(dirs.exportDir, id), "report.csv"),
        join(uploadExportDir(dirs.exportDir, id), "report.pdf"),
        join(checkpointDir(dirs.uploadsDir, id), "000-standardize_results.json"),
      ]
      const uploadFiles = new Map<string, ReadonlyArray<string>>()

      const state = () =>
        run(
          Effect.gen(function* () {
            const db = yield* SqlClient.SqlClient
            const uploads = yield* db<{ id: string }>`SELECT id FROM uploads ORDER BY id`
            const runs = yield* db<{ id: string }>`SELECT id FROM job_runs WHERE id LIKE 'purge-%' ORDER BY id`
            const records = yield* db<{ id: string }>`SELECT id FROM department_records ORDER BY id`
            const incidents = yield* db<{ id: string }>`SELECT id FROM incidents WHERE id LIKE 'purge-%' ORDER BY id`
            const audit = yield* db<{ request_id: string }>`SELECT request_id FROM audit_log ORDER BY request_id`
            const refused = yield* db<{ route: string }>`SELECT route FROM refused_requests ORDER BY route`
            return {
              uploads: uploads.map((row) => row.id),
              runs: runs.map((row) => row.id),
              records: records.map((row) => row.id),
              incidents: incidents.map((row) => row.id),
              audit: audit.map((row) => row.request_id),
              refused: refused.map((row) => row.route),
            }
          }),
        )

      beforeAll(async () => {
        const ids = await run(
          Effect.gen(function* () {
            const db = yield* SqlClient.SqlClient
            const made: Array<{ id: string; sha256: string; fileName: string }> = []
            for (const label of ["old", "protected", "resolved", "new"]) {
              const upload = yield* submitUpload({
                fileName: `${label} grades.csv`,
                bytes: new TextEncoder().encode(`Student ID,Score\nS-${label},90\n`),
                profile: "gradebook",
                processMode: "transform",
              })
              made.push({ id: upload.id, sha256: upload.sha256, fileName: upload.fileName })
            }
            const [old, kept, resolved, fresh] = made.map((upload) => upload.id) as [string, string, string, string]
            // long finished; all but the new one from 2000
            yield* db`UPDATE uploads SET status = 'published' WHERE id IN (${old}, ${kept}, ${fresh})`
            yield* db`UPDATE uploads SET status = 'failed' WHERE id = ${resolved}`
            yield* db`UPDATE uploads SET created_at = ${OLD}::timestamptz WHERE id IN (${old}, ${kept}, ${resolved})`
            yield* db`INSERT INTO incidents (id, upload_id, stage, error, status, severity) VALUES
              ('purge-open', ${kept}, 'pipeline', 'validate_results: 3 rows have no score', 'in_progress', 'medium'),
              ('purge-resolved', NULL, 'pipeline', 'parse: not a CSV', 'resolved', 'low')`
            yield* db`UPDATE incidents SET created_at = ${OLD}::timestamptz WHERE id LIKE 'purge-%'`
            yield* db`UPDATE uploads SET incident_id = 'purge-resolved' WHERE id = ${resolved}`
            yield* db`INSERT INTO job_runs (id, automation, status, trigger, created_at, started_at, finished_at) VALUES
              ('purge-run-old', 'test_count', 'succeeded', 'schedule', ${OLD}::timestamptz, ${OLD}::timestamptz, ${OLD}::timestamptz),
              ('purge-run-old-running', 'test_count', 'running', 'schedule', ${OLD}::timestamptz, ${OLD}::timestamptz, NULL),
              ('purge-run-new', 'test_count', 'succeeded', 'schedule', now(), now(), now())`
            yield* db`INSERT INTO department_records (id, source_id, kind, key, payload, recorded_at) VALUES
              ('purge-record-old', 'src_library', 'loan', 'purge-old', '{"loans": 3}', ${OLD}::timestamptz),
              ('purge-record-new', 'src_library', 'loan', 'purge-new', '{"loans": 4}', now())`
            // the audit log's own retention (default 730 days): one entry and one count from 2000,
            // one of each from 100 days ago, one of each from now
            yield* db`INSERT INTO audit_log (at, actor_id, method, route, status, ip, request_id) VALUES
              (${OLD}::timestamptz, 'u-1', 'POST', '/api/jobs/', 201, '10.0.0.1', 'audit-old'),
              (now() - interval '100 days', 'u-1', 'POST', '/api/jobs/', 201, '10.0.0.1', 'audit-100-days'),
              (now(), 'u-1', 'POST', '/api/jobs/', 201, '10.0.0.1', 'audit-new')`
            yield* db`INSERT INTO refused_requests (hour, method, route, status, count, last_at) VALUES
              (${OLD}::timestamptz, 'POST', '/old/', 401, 7, ${OLD}::timestamptz),
              (date_trunc('hour', now() - interval '100 days'), 'POST', '/100-days/', 401, 3, now() - interval '100 days'),
              (date_trunc('hour', now()), 'POST', '/new/', 401, 2, now())`
            return made
          }),
        )
        for (const upload of ids) {
          const files = filesOf(upload.id, upload.sha256, upload.fileName)
          for (const file of files.slice(1)) {
            mkdirSync(join(file, ".."), { recursive: true })
            writeFileSync(file, "report")
          }
          uploadFiles.set(upload.id, files)
        }
        seeded.oldUpload = ids[0]!.id
        seeded.protectedUpload = ids[1]!.id
        seeded.resolvedUpload = ids[2]!.id
        seeded.newUpload = ids[3]!.id
      })

      const purge = (params: Record<string, unknown>) =>
        run(
          Effect.gen(function* () {
            const job = yield* newJob({ automation: "purge_old_records", params })
            const queued = yield* trigger(job.id)
            const outcome: JobRunnerOutcome = yield* next
            return { outcome, stored: yield* getRun(queued.id) }
          }),
        )

      const expectSteps = (stored: JobRunRecord) => {
        // counts only: no file names, no record contents
        const text = JSON.stringify([stored.steps, stored.logs])
        expect(text).not.toContain("grades.csv")
        expect(text).not.toContain("loans")
        expect(text).not.toContain("S-old")
      }

      it("a dry run counts what it would delete and deletes nothing", async () => {
        const before = await state()
        const { outcome, stored } = await purge({ older_than_days: 3650, dry_run: true })
        expect(outcome.status).toBe("succeeded")
        expect(stored.details.result).toEqual({
          dry_run: true,
          older_than_days: 3650,
          cutoff: expect.any(String),
          audit_older_than_days: 730,
          audit_cutoff: expect.any(String),
          kept_uploads: 1,
          uploads: 2,
          files: 8,
          job_runs: 1,
          department_records: 1,
          audit_entries: 1,
          refused_counts: 1,
        })
        expect(stored.steps.map((step) => step.name)).toEqual(["survey"])
        expect(stored.logs.join("\n")).toContain("nothing deleted")
        expectSteps(stored)
        expect(await state()).toEqual(before)
        for (const files of uploadFiles.values()) for (const file of files) expect(existsSync(file)).toBe(true)
      })

      it("deletes exactly the old records no open incident points to, and their files", async () => {
        const before = await state()
        // the seeded job's own parameter name is understood too
        const { outcome, stored } = await purge({ olderThanDays: 3650 })
        expect(outcome.status).toBe("succeeded")
        expect(stored.details.result).toEqual({
          dry_run: false,
          older_than_days: 3650,
          cutoff: expect.any(String),
          audit_older_than_days: 730,
          audit_cutoff: expect.any(String),
          kept_uploads: 1,
          uploads: 2,
          files: 8,
          job_runs: 1,
          department_records: 1,
          audit_entries: 1,
          refused_counts: 1,
        })
        expect(stored.steps.map((step) => [step.name, step.details])).toEqual([
          [
            "survey",
            {
              cutoff: expect.any(String),
              uploads: 2,
              kept_uploads: 1,
              job_runs: 1,
              department_records: 1,
              audit_cutoff: expect.any(String),
              audit_entries: 1,
              refused_counts: 1,
            },
          ],
          ["uploads", { deleted: 2, files: 8 }],
          ["job_runs", { deleted: 1 }],
          ["department_records", { deleted: 1 }],
          ["audit_log", { entries: 1, refused_counts: 1 }],
        ])
        expectSteps(stored)

        const after = await state()
        expect(after.uploads).toEqual(
          before.uploads.filter((id) => id !== seeded.oldUpload && id !== seeded.resolvedUpload),
        )
        expect(after.uploads).toContain(seeded.protectedUpload)
        expect(after.uploads).toContain(seeded.newUpload)
        expect(after.runs).toEqual(["purge-run-new", "purge-run-old-running"])
        expect(after.records).toEqual(before.records.filter((id) => id !== "purge-record-old"))
        expect(after.records).toContain("purge-record-new")
        // incidents are never the purge's, open or not
        expect(after.incidents).toEqual(["purge-open", "purge-resolved"])
        expect(after.audit).toEqual(["audit-100-days", "audit-new"])
        expect(after.refused).toEqual(["/100-days/", "/new/"])

        for (const id of [seeded.oldUpload, seeded.resolvedUpload]) {
          for (const file of uploadFiles.get(id)!) expect(existsSync(file)).toBe(false)
          expect(existsSync(uploadExportDir(dirs.exportDir, id))).toBe(false)
          expect(existsSync(checkpointDir(dirs.uploadsDir, id))).toBe(false)
        }
        for (const id of [seeded.protectedUpload, seeded.newUpload]) {
          for (const file of uploadFiles.get(id)!) expect(existsSync(file)).toBe(true)
        }

        // a second run finds nothing more to delete
        const again = await purge({ older_than_days: 3650 })
        expect(again.stored.details.result).toMatchObject({
          uploads: 0,
          files: 0,
          job_runs: 0,
          department_records: 0,
          audit_entries: 0,
          refused_counts: 0,
        })
      })

      it("keeps the audit log for its own setting, audit_older_than_days", async () => {
        const { stored } = await purge({ older_than_days: 3650, audit_older_than_days: 30 })
        expect(stored.details.result).toMatchObject({ audit_older_than_days: 30, audit_entries: 1, refused_counts: 1 })
        const after = await state()
        expect(after.audit).toEqual(["audit-new"])
        expect(after.refused).toEqual(["/new/"])
      })

      it("refuses an older_than_days below 1, naming the field", async () => {
        const { stored } = await purge({ older_than_days: 0 })
        expect(stored.status).toBe("failed")
        expect(stored.error).toContain("params.older_than_days")
      })
    })

    describe("ingest_department", () => {
      // a Tuesday morning: the simulated feeds' records are those of 2026-03-10
      const AT = Date.parse("2026-03-10T07:00:00Z")
      const ingest = (params: Record<string, unknown>) =>
        run(
          Effect.gen(function* () {
            const job = yield* newJob({ automation: "ingest_department", params })
            const queued = yield* trigger(job.id)
            yield* TestClock.setTime(AT)
            const outcome = yield* next
            return { outcome, stored: yield* getRun(queued.id) }
          }).pipe(Effect.provide(TestClock.layer())),
        )
      const countOf = (sourceId: string, kind: string) =>
        run(
          Effect.gen(function* () {
            const db = yield* SqlClient.SqlClient
            const rows = yield* db<{ n: number }>`SELECT count(*)::int AS n FROM department_records
              WHERE source_id = ${sourceId} AND kind = ${kind}`
            return rows[0]!.n
          }),
        )

      it("ingests the seeded simulated sources by code; the same day again changes nothing", async () => {
        const first = await ingest({ codes: ["ATT", "ADM"] })
        expect(first.outcome.status).toBe("succeeded")
        expect(first.stored.steps.map((step) => step.name)).toEqual(["ingest ATT", "ingest ADM"])
        // 40 students and a mark each for the ten school days up to the day (no weekend)
        expect(await countOf("src_attendance", "student")).toBe(40)
        expect(await countOf("src_attendance", "attendance")).toBe(400)
        expect(first.stored.details).toMatchObject({
          result: {
            sources: 2,
            results: {
              ATT: { feed: "attendance", records: 440, inserted: 440, updated: 0 },
              ADM: { feed: "admissions", records: 5, inserted: 5 },
            },
          },
        })
        const days = await run(
          Effect.gen(function* () {
            const db = yield* SqlClient.SqlClient
            return yield* db<{ day: string }>`SELECT DISTINCT payload->>'date' AS day FROM department_records
              WHERE source_id = 'src_attendance' AND kind = 'attendance' ORDER BY day`
          }),
        )
        expect(days.map((row) => row.day)).toEqual([
          "2026-02-25",
          "2026-02-26",
          "2026-02-27",
          "2026-03-02",
          "2026-03-03",
          "2026-03-04",
          "2026-03-05",
          "2026-03-06",
          "2026-03-09",
          "2026-03-10",
        ])
        const applications = await run(
          Effect.gen(function* () {
            const departments = yield* DepartmentsRepo
            return yield* departments.listRecords("src_admissions", { limit: 50, offset: 0 }, "application")
          }),
        )
        expect(applications.items.map((record) => record.key)).toEqual(
          expect.arrayContaining(["A-20260310-001", "A-20260310-005"]),
        )
        expect(applications.items.find((record) => record.key === "A-20260310-001")?.payload).toMatchObject({
          applicant: "A-20260310-001",
          submitted: "2026-03-10",
        })

        const again = await ingest({ codes: ["ATT", "ADM"] })
        expect(again.stored.details).toMatchObject({
          result: { results: { ATT: { inserted: 0, updated: 0, unchanged: 440 }, ADM: { inserted: 0, unchanged: 5 } } },
        })
        expect(await countOf("src_attendance", "attendance")).toBe(400)
      })

      it("ingests the sources that work and fails naming the one whose settings are wrong", async () => {
        const broken = await run(
          Effect.gen(function* () {
            const departments = yield* DepartmentsRepo
            return yield* departments.createSource({
              name: `Canteen ${name}`,
              code: "CANTEEN",
              department: "canteen",
              kind: "simulated",
              settings: { feed: "canteen" },
            })
          }),
        )
        const { outcome, stored } = await ingest({ sourceIds: [broken.id, "src_library"] })
        expect(outcome.status).toBe("failed")
        expect(stored.error).toContain("1 of 2 sources failed: source CANTEEN")
        expect(stored.error).toContain("settings.feed")
        expect(stored.steps.map((step) => [step.name, step.details.error === undefined])).toEqual([
          ["ingest CANTEEN", false],
          ["ingest LIB", true],
        ])
        expect(await countOf("src_library", "loan")).toBeGreaterThanOrEqual(5)
      })

      it("fails naming a source that does not exist", async () => {
        const { stored } = await ingest({ codes: ["NOPE"] })
        expect(stored.status).toBe("failed")
        expect(stored.error).toContain("no department source with code NOPE")
      })
    })
  })
