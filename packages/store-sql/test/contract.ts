/**
 * The store contract: every backend (real Postgres, embedded PGlite) must pass the same suite.
 * `open()` returns a fresh layer over the SAME database each call, so consecutive tests also
 * check that what one client wrote is there for the next (for PGlite: after close and reopen).
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { IncidentNotFound, IncidentsRepo, Models, UploadsRepo } from "@batchops/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import {
  defaultMigrationsDirectory,
  IncidentsRepoLayer,
  MigrationError,
  migrate,
  UploadsRepoLayer,
} from "../src/index.js"

export interface StoreTarget {
  /** a new client layer over the backend's database (a fresh connection or a reopened folder) */
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

export const run = <A, E>(target: StoreTarget, effect: Effect.Effect<A, E, SqlClient.SqlClient>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, target.open()))

/** the versions of the files in the migrations folder, in order */
export const expectedVersions = (): Array<number> =>
  readdirSync(defaultMigrationsDirectory())
    .filter((file) => file.endsWith(".sql"))
    .map((file) => Number(file.split("_")[0]))
    .sort((a, b) => a - b)

/** runs `effect` with both repositories over a fresh client layer */
export const withRepos = <A, E>(
  target: StoreTarget,
  effect: Effect.Effect<A, E, UploadsRepo | IncidentsRepo | SqlClient.SqlClient>,
): Promise<A> =>
  Effect.runPromise(
    Effect.provide(effect, Layer.provideMerge(Layer.mergeAll(UploadsRepoLayer, IncidentsRepoLayer), target.open())),
  )

const count = (table: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`
    return rows[0]!.n
  })

const TABLES = [
  "users",
  "uploads",
  "jobs",
  "job_runs",
  "known_errors",
  "incidents",
  "incident_events",
  "incident_groups",
  "tickets",
  "department_sources",
  "department_records",
  "email_verification_requests",
  "password_reset_requests",
  "work_queue",
  "upload_events",
]

export const storeContract = (name: string, target: () => StoreTarget) =>
  describe(`store contract: ${name}`, () => {
    it("applies every migration file to an empty database", async () => {
      const applied = await run(target(), migrate())
      expect(applied).toEqual(expectedVersions())
      const tables = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ table_name: string }>`
            SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
          return rows.map((r) => r.table_name)
        }),
      )
      expect(tables).toEqual(expect.arrayContaining([...TABLES, "batchops_migrations"]))
    })

    it("applies nothing on a second run", async () => {
      expect(await run(target(), migrate())).toEqual([])
      const versions = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ version: number; checksum: string }>`
            SELECT version, checksum FROM batchops_migrations ORDER BY version`
        }),
      )
      expect(versions.map((v) => v.version)).toEqual(expectedVersions())
      expect(versions.every((v) => /^[0-9a-f]{64}$/.test(v.checksum))).toBe(true)
    })

    it("has the seeds, and seeding again duplicates nothing", async () => {
      const counts = () =>
        run(
          target(),
          Effect.all({
            jobs: count("jobs"),
            sources: count("department_sources"),
            records: count("department_records"),
          }),
        )
      const before = await counts()
      expect(before).toEqual({ jobs: 11, sources: 4, records: 5 })
      // the seeds are migrations: migrating again applies none of them twice
      await run(target(), migrate())
      expect(await counts()).toEqual(before)
      const automations = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ automation: string; cron: string }>`SELECT automation, cron FROM jobs ORDER BY id`
        }),
      )
      expect(automations.map((j) => j.automation)).toEqual(
        expect.arrayContaining([
          "send_attendance_reminders",
          "send_system_status_digest",
          "run_web_scrape",
          "schedule_file_ingest",
          "purge_old_records",
          "run_daily_backup",
          "ingest_department",
        ]),
      )
      expect(automations.every((j) => j.cron.trim().split(/\s+/).length === 5)).toBe(true)
    })

    it("refuses to migrate when the database has a version it does not know", async () => {
      const error = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO batchops_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')`
          const failure = yield* Effect.flip(migrate())
          yield* sql`DELETE FROM batchops_migrations WHERE version = 9999`
          return failure
        }),
      )
      expect(error).toBeInstanceOf(MigrationError)
      expect((error as MigrationError).reason).toBe("UnknownVersion")
      expect(error.message).toContain("migration 9999 (from_the_future) that this build does not know")
      expect(await run(target(), migrate())).toEqual([])
    })

    it("refuses to migrate when an applied file changed", async () => {
      const error = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const [row] = yield* sql<{ checksum: string }>`SELECT checksum FROM batchops_migrations WHERE version = 1`
          yield* sql`UPDATE batchops_migrations SET checksum = ${"0".repeat(64)} WHERE version = 1`
          const failure = yield* Effect.flip(migrate())
          yield* sql`UPDATE batchops_migrations SET checksum = ${row!.checksum} WHERE version = 1`
          return failure
        }),
      )
      expect(error).toBeInstanceOf(MigrationError)
      expect((error as MigrationError).reason).toBe("ChecksumMismatch")
      expect(error.message).toContain("migration 1 (initial) changed after it was applied")
      expect(await run(target(), migrate())).toEqual([])
    })

    it("rolls back a failing migration file and records nothing of it", async () => {
      const dir = mkdtempSync(join(tmpdir(), "batchops-migrations-"))
      try {
        cpSync(defaultMigrationsDirectory(), dir, { recursive: true })
        const next = Math.max(...expectedVersions()) + 1
        writeFileSync(
          join(dir, `${String(next).padStart(4, "0")}_broken.sql`),
          "CREATE TABLE half_done (a int);\nSELECT no_such_column FROM half_done;\n",
        )
        const outcome = await run(
          target(),
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const failure = yield* Effect.flip(migrate({ directory: dir }))
            const tables = yield* sql<{ n: number }>`
              SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'half_done'`
            const recorded = yield* sql<{ n: number }>`
              SELECT count(*)::int AS n FROM batchops_migrations WHERE version = ${next}`
            return { failure, tables: tables[0]!.n, recorded: recorded[0]!.n }
          }),
        )
        expect(outcome.failure).toBeInstanceOf(MigrationError)
        expect((outcome.failure as MigrationError).reason).toBe("StatementFailed")
        expect(outcome.failure.message).toContain(`migration ${next} (broken) failed`)
        expect({ tables: outcome.tables, recorded: outcome.recorded }).toEqual({ tables: 0, recorded: 0 })
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it("enforces the enumerations with CHECK constraints", async () => {
      const exit = await run(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* Effect.exit(
            sql`INSERT INTO users (username, email, role) VALUES ('mallory', 'm@example.org', 'root')`,
          )
        }),
      )
      expect(exit._tag).toBe("Failure")
    })

    it("round-trips an upload through UploadsRepo", async () => {
      const id = await withRepos(
        target(),
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const created = yield* uploads.insert({
            fileName: "grades.csv",
            format: "csv",
            size: 1234,
            sha256: "a".repeat(64),
            profile: "gradebook",
            processMode: "standard",
            processConfig: { delimiter: ";" },
          })
          expect(created).toMatchObject({ status: "queued", progress: 0, steps: [], size: 1234, rows: null })
          expect(created.processConfig).toEqual({ delimiter: ";" })
          expect(Number.isNaN(Date.parse(created.createdAt))).toBe(false)
          const queued = yield* uploads.listByStatus("queued")
          expect(queued.map((u) => u.id)).toContain(created.id)
          const processing = yield* uploads.updateStatus(created.id, "processing", 40)
          expect(Option.getOrThrow(processing)).toMatchObject({ status: "processing", progress: 40 })
          const step = new Models.StepLog({
            name: "parse",
            plugin: "csv",
            status: "ok",
            durationMs: 12,
            log: { rows: 3 },
          })
          yield* uploads.updateSteps(created.id, [step])
          yield* uploads.updateReports(created.id, {
            csv: new Uint8Array([104, 105]),
            csvPath: "exports/grades.csv",
            rows: 3,
          })
          expect(Option.isNone(yield* uploads.get("missing"))).toBe(true)
          expect(Option.isNone(yield* uploads.updateStatus("missing", "failed"))).toBe(true)
          return created.id
        }),
      )
      const reread = await withRepos(
        target(),
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          return {
            upload: Option.getOrThrow(yield* uploads.get(id)),
            csv: yield* uploads.getReport(id, "csv"),
            pdf: yield* uploads.getReport(id, "pdf"),
          }
        }),
      )
      expect(reread.upload).toMatchObject({
        status: "processing",
        progress: 40,
        reportCsvPath: "exports/grades.csv",
        reportPdfPath: null,
        rows: 3,
      })
      expect(reread.upload.steps).toEqual([
        new Models.StepLog({ name: "parse", plugin: "csv", status: "ok", durationMs: 12, log: { rows: 3 } }),
      ])
      expect(Array.from(Option.getOrThrow(reread.csv))).toEqual([104, 105])
      expect(Option.isNone(reread.pdf)).toBe(true)
    })

    it("moves an upload only from the statuses given, and keeps its plan, approval, incident and timeline", async () => {
      const outcome = await withRepos(
        target(),
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const upload = yield* uploads.insert({
            fileName: "held.csv",
            format: "csv",
            size: 10,
            sha256: "b".repeat(64),
            profile: "gradebook",
            processMode: "delete",
            processConfig: { rules: [{ column: "class", value: "9A" }] },
          })
          const notFailed = yield* uploads.moveStatus(upload.id, ["failed"], "queued")
          const held = yield* uploads.moveStatus(upload.id, ["queued", "processing"], "awaiting_approval")
          const rejected = yield* uploads.moveStatus(upload.id, ["awaiting_approval"], "rejected")
          yield* uploads.setApproval(upload.id, { request: { deleted: 5, message: "too many" } })
          yield* uploads.setPlan(upload.id, { profile: "auto", processMode: "transform", processConfig: {} })
          const { incident } = yield* incidents.insert({
            uploadId: upload.id,
            stage: "transform_gradebook",
            error: "boom",
            severity: "medium",
          })
          yield* uploads.setIncident(upload.id, incident.id)
          yield* uploads.appendEvent(upload.id, { actor: null, kind: "held", message: "waiting" })
          yield* uploads.appendEvent(upload.id, {
            actor: "u-1",
            kind: "rejected",
            message: "rejected",
            data: { note: "wrong rule" },
          })
          return {
            notFailed,
            held,
            rejected,
            after: Option.getOrThrow(yield* uploads.get(upload.id)),
            events: yield* uploads.events(upload.id),
            none: yield* uploads.events("missing"),
            incidentId: incident.id,
          }
        }),
      )
      expect(Option.isNone(outcome.notFailed)).toBe(true)
      expect(Option.getOrThrow(outcome.held).status).toBe("awaiting_approval")
      expect(Option.getOrThrow(outcome.rejected).status).toBe("rejected")
      expect(outcome.after).toMatchObject({
        status: "rejected",
        profile: "auto",
        processMode: "transform",
        processConfig: {},
        incidentId: outcome.incidentId,
        approval: { request: { deleted: 5, message: "too many" } },
      })
      expect(outcome.events.map((e) => [e.kind, e.actor, e.message, e.data])).toEqual([
        ["held", null, "waiting", {}],
        ["rejected", "u-1", "rejected", { note: "wrong rule" }],
      ])
      expect(Number.isNaN(Date.parse(outcome.events[0]!.at))).toBe(false)
      expect(outcome.none).toEqual([])
    })

    it("keeps the list's counts right through inserts, status changes and deletes", async () => {
      const outcome = await withRepos(
        target(),
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const sql = yield* SqlClient.SqlClient
          const made = []
          for (let i = 0; i < 5; i++) {
            made.push(
              yield* uploads.insert({
                fileName: `count-${i}.csv`,
                format: "csv",
                size: 1,
                sha256: "c".repeat(64),
                profile: "gradebook",
                processMode: "transform",
              }),
            )
          }
          yield* uploads.updateStatus(made[0]!.id, "published", 100)
          yield* uploads.updateStatus(made[1]!.id, "failed")
          yield* uploads.updateStatus(made[1]!.id, "failed") // no change of status: counted once
          yield* uploads.remove(made[2]!.id, [])
          // a bulk statement, as a migration or an operator's SQL would do
          yield* sql`UPDATE uploads SET status = 'queued' WHERE id IN ${sql.in([made[3]!.id, made[4]!.id])}`
          const counted = (status?: Models.UploadStatus) =>
            Effect.map(uploads.list({ ...(status ? { status } : {}), limit: 2, offset: 0 }), (page) => page.count)
          const actual = (status?: string) =>
            Effect.map(
              status === undefined
                ? sql<{ n: number }>`SELECT count(*)::int AS n FROM uploads`
                : sql<{ n: number }>`SELECT count(*)::int AS n FROM uploads WHERE status = ${status}`,
              (rows) => rows[0]!.n,
            )
          const statuses = ["queued", "published", "failed", "processing"] as const
          return {
            all: [yield* counted(), yield* actual()],
            byStatus: yield* Effect.all(statuses.map((status) => Effect.all([counted(status), actual(status)]))),
          }
        }),
      )
      expect(outcome.all[0]).toBe(outcome.all[1])
      for (const [listed, actual] of outcome.byStatus) expect(listed).toBe(actual)
    })

    it("opens an incident with its ticket and first event, and appends to its timeline", async () => {
      const result = await withRepos(
        target(),
        Effect.gen(function* () {
          const uploads = yield* UploadsRepo
          const incidents = yield* IncidentsRepo
          const upload = yield* uploads.insert({
            fileName: "roster.xlsx",
            format: "xlsx",
            size: 10,
            sha256: "b".repeat(64),
            profile: "roster",
            processMode: "standard",
          })
          const { incident, ticket } = yield* incidents.insert({
            uploadId: upload.id,
            stage: "parse",
            error: "sheet is encrypted",
            severity: "high",
            fingerprint: "parse:encrypted",
          })
          expect(incident).toMatchObject({ status: "open", severity: "high", retryCount: 0, uploadId: upload.id })
          expect(incident.timeline.map((e) => e.kind)).toEqual(["opened"])
          expect(ticket).toMatchObject({ incidentId: incident.id, status: "open", title: "parse: sheet is encrypted" })
          const event = yield* incidents.appendEvent(incident.id, {
            actor: "ada",
            kind: "comment",
            message: "asked the registrar for the password",
            data: { channel: "email" },
          })
          expect(event).toMatchObject({ actor: "ada", kind: "comment", data: { channel: "email" } })
          const missing = yield* Effect.flip(incidents.appendEvent("nope", { actor: null, kind: "x", message: "x" }))
          expect(missing).toBeInstanceOf(IncidentNotFound)
          return { id: incident.id }
        }),
      )
      const reread = await withRepos(
        target(),
        Effect.gen(function* () {
          const incidents = yield* IncidentsRepo
          return {
            incident: Option.getOrThrow(yield* incidents.get(result.id)),
            tickets: yield* incidents.tickets(result.id),
            open: yield* incidents.listByStatus("open"),
          }
        }),
      )
      expect(reread.incident.timeline.map((e) => [e.kind, e.actor])).toEqual([
        ["opened", null],
        ["comment", "ada"],
      ])
      expect(reread.tickets).toHaveLength(1)
      expect(reread.open.map((i) => i.id)).toContain(result.id)
    })

    it("writes nothing of an incident when any of its three rows fails", async () => {
      const outcome = await withRepos(
        target(),
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const incidents = yield* IncidentsRepo
          const exit = yield* Effect.exit(
            incidents.insert({
              id: "atomic-1",
              uploadId: null,
              stage: "validate",
              error: "boom",
              severity: "low",
              ticketTitle: "   ",
            }),
          )
          const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM incidents WHERE id = 'atomic-1'`
          const events = yield* sql<{ n: number }>`
            SELECT count(*)::int AS n FROM incident_events WHERE incident_id = 'atomic-1'`
          return { failed: exit._tag === "Failure", incidents: rows[0]!.n, events: events[0]!.n }
        }),
      )
      expect(outcome).toEqual({ failed: true, incidents: 0, events: 0 })
    })
  })
