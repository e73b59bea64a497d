/**
 * The backups contract, for each database backend (embedded PGlite, real Postgres): a backup
 * of seeded data (uploads with report bytes and events, jobs, incidents, department records),
 * the database wiped, the backup restored, and every table found equal, identity counters
 * included; an older backup migrated up after restoring; files that are not this database's
 * backups refused; and `run_daily_backup` through the job runner over the host's own layer,
 * with rotation (runs by hand rotate only the backups by hand).
 */
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import {
  Backups,
  IncidentsRepo,
  JobRunsRepo,
  JobsRepo,
  processNextJobRun,
  RUN_JOB,
  triggerJob,
  WorkQueue,
} from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import {
  BackupsLayer,
  type BackupTargetShape,
  backupTargetLayer,
  isBackupName,
  migrate,
  RestoreRefused,
  readBackupHeader,
  restoreBackup,
  targetHasData,
} from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { backupTargetFromEnv, databaseLayer, type Env } from "../src/Database.js"
import { lifecycleLayer } from "../src/Host.js"
import { jobRunnerLayer } from "../src/JobRunner.js"

export interface BackupsDatabase {
  /** the host's environment for this database (DATABASE_URL, or BATCHOPS_DATA_DIR for PGlite) */
  readonly env: Env
  /** drops everything: the Postgres database made again empty, or the PGlite folder deleted */
  readonly wipe: () => Promise<void>
}

export interface BackupsBackend {
  readonly kind: "postgres" | "pglite"
  /** a new, empty database of the backend */
  readonly fresh: () => Promise<BackupsDatabase>
}

const inDatabase = <A, E>(env: Env, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, databaseLayer(env)))

/** The host's own services over the database (as `batchops worker` has them). */
const hostLayer = (env: Env) =>
  Layer.mergeAll(jobRunnerLayer, Layer.orDie(mailerLayerFromEnv({}))).pipe(Layer.provideMerge(lifecycleLayer(env)))

/** Every table's rows (as text, sorted) and every sequence's position. */
const snapshot = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql<{ tablename: string }>`SELECT tablename FROM pg_catalog.pg_tables
    WHERE schemaname = 'public' ORDER BY tablename`
  const rows: Record<string, ReadonlyArray<string>> = {}
  for (const { tablename } of tables) {
    // the names come from the catalog, quoted as identifiers
    const found = yield* sql.unsafe<{ row: string }>(
      `SELECT t::text AS row FROM "${tablename.replaceAll('"', '""')}" t ORDER BY 1`,
    )
    rows[tablename] = found.map((r) => r.row)
  }
  const sequences = yield* sql<{ sequencename: string; last_value: string | null }>`
    SELECT sequencename, last_value::text FROM pg_catalog.pg_sequences WHERE schemaname = 'public'
    ORDER BY sequencename`
  return { rows, sequences: sequences.map((s) => `${s.sequencename}=${s.last_value}`) }
})

/** Uploads (one with report bytes) and their events, a job, an incident, department records. */
const seed = (tag: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO uploads (file_name, size, sha256, status, profile, process_mode, report_csv, rows)
      VALUES (${`${tag}-a.csv`}, 10, ${"a".repeat(64)}, 'published', 'gradebook', 'transform',
              decode('00ff10e2809c', 'hex'), 3),
             (${`${tag}-b.csv`}, 20, ${"b".repeat(64)}, 'failed', 'roster', 'append', NULL, NULL)`
    yield* sql`INSERT INTO upload_events (upload_id, kind, message, data)
      SELECT id, 'note', 'seeded for the backup test', '{"n": 1}'::jsonb FROM uploads
      WHERE file_name LIKE ${`${tag}-%`}`
    const jobs = yield* JobsRepo
    yield* jobs.create({
      name: `${tag} purge`,
      cron: "0 4 * * *",
      automation: "purge_old_records",
      params: { older_than_days: 30 },
    })
    const incidents = yield* IncidentsRepo
    yield* incidents.insert({ uploadId: null, stage: "validate_results", error: `${tag} broke`, severity: "high" })
    yield* sql`INSERT INTO department_records (source_id, kind, key, payload)
      VALUES ('src_library', 'loan', ${`${tag}-1`}, '{"item": "atlas", "due": "2026-12-01"}'::jsonb),
             ('src_library', 'loan', ${`${tag}-2`}, '{"item": "dictionary"}'::jsonb)`
  })

const EMPTY_SHA = createHash("sha256").update("").digest("hex")

export const backupsContract = (name: string, backend: BackupsBackend) =>
  describe(`backups: ${name}`, () => {
    const root = mkdtempSync(join(tmpdir(), "batchops-backups-"))
    afterAll(() => rmSync(root, { recursive: true, force: true }))
    let folders = 0
    const folder = () => join(root, `backups-${++folders}`)

    /** takes a backup with the adapter over the database's own layer */
    const backUp = (env: Env, dir: string) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const backups = yield* Backups
          return yield* backups.create(dir, "manual")
        }).pipe(
          Effect.provide(
            BackupsLayer.pipe(
              Layer.provide(Layer.merge(databaseLayer(env), backupTargetLayer(backupTargetFromEnv(env)))),
            ),
          ),
        ),
      )

    it("backs up, wipes, restores and finds every table equal (identity counters too)", async () => {
      const db = await backend.fresh()
      const before = await Effect.runPromise(
        Effect.gen(function* () {
          yield* migrate()
          yield* seed("first")
          yield* seed("second")
          return yield* snapshot
        }).pipe(Effect.provide(hostLayer(db.env))),
      )
      expect(before.rows.uploads!.length).toBeGreaterThanOrEqual(4)
      expect(before.rows.upload_events!.length).toBeGreaterThanOrEqual(4)
      expect(before.rows.department_records!.some((row) => row.includes("atlas"))).toBe(true)
      expect(before.rows.incidents!.some((row) => row.includes("first broke"))).toBe(true)
      expect(before.rows.jobs!.some((row) => row.includes("second purge"))).toBe(true)

      const dir = folder()
      const backup = await backUp(db.env, dir)
      expect(backup.database).toBe(backend.kind)
      expect(isBackupName(basename(backup.path))).toBe(true)
      expect(backup.path.startsWith(dir)).toBe(true)
      const bytes = readFileSync(backup.path)
      expect(backup.bytes).toBe(bytes.length)
      expect(backup.sha256).toBe(createHash("sha256").update(bytes).digest("hex"))
      expect(readFileSync(`${backup.path}.sha256`, "utf8")).toBe(`${backup.sha256}  ${basename(backup.path)}\n`)
      // it holds every account and record: its owner alone may read it
      expect(statSync(backup.path).mode & 0o077).toBe(0)
      // nothing half-written is left behind
      expect(readdirSync(dir).sort()).toEqual([basename(backup.path), `${basename(backup.path)}.sha256`])
      const { header } = await readBackupHeader(backup.path)
      expect(header).toMatchObject({ database: backend.kind, createdAt: backup.createdAt })
      expect(header.migrations.length).toBeGreaterThanOrEqual(13)

      await db.wipe()
      const target = backupTargetFromEnv(db.env)
      expect(await targetHasData(target)).toBe(false)
      const restored = await restoreBackup(target, backup.path)
      expect(restored.migrated).toEqual([])

      const after = await inDatabase(
        db.env,
        Effect.gen(function* () {
          const state = yield* snapshot
          // the identity counters were restored: new rows follow the old ones
          const sql = yield* SqlClient.SqlClient
          const [event] = yield* sql<{ id: string }>`INSERT INTO upload_events (upload_id, kind, message)
            SELECT id, 'note', 'after the restore' FROM uploads LIMIT 1 RETURNING id::text`
          return { state, eventId: Number(event!.id) }
        }),
      )
      expect(after.state).toEqual(before)
      expect(after.eventId).toBeGreaterThan(before.rows.upload_events!.length)
    }, 120_000)

    it("restores an older backup and applies the migrations it lacks", async () => {
      const db = await backend.fresh()
      // a database of an older build: all migrations but the last
      const older = join(root, `older-migrations-${folders}`)
      mkdirSync(older, { recursive: true })
      const migrations = join(import.meta.dirname, "..", "..", "..", "migrations")
      const files = readdirSync(migrations)
        .filter((file) => /^\d{4}_.*\.sql$/.test(file))
        .sort()
      for (const file of files.slice(0, -1)) writeFileSync(join(older, file), readFileSync(join(migrations, file)))
      const last = Number(files.at(-1)!.slice(0, 4))
      await inDatabase(db.env, migrate({ directory: older }))

      const backup = await backUp(db.env, folder())
      expect((await readBackupHeader(backup.path)).header.migrations).not.toContain(last)
      await db.wipe()
      const restored = await restoreBackup(backupTargetFromEnv(db.env), backup.path)
      expect(restored.migrated).toEqual([last])
      const versions = await inDatabase(
        db.env,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return (yield* sql<{ version: number }>`SELECT version FROM batchops_migrations ORDER BY version`).map(
            (row) => Number(row.version),
          )
        }),
      )
      expect(versions.at(-1)).toBe(last)
      expect(versions.length).toBe(files.length)
    }, 120_000)

    it("refuses a file that is not a backup, a damaged one and one of the other database kind, changing nothing", async () => {
      const db = await backend.fresh()
      await Effect.runPromise(Effect.andThen(migrate(), seed("kept")).pipe(Effect.provide(hostLayer(db.env))))
      const target: BackupTargetShape = backupTargetFromEnv(db.env)
      const backup = await backUp(db.env, folder())
      const before = await inDatabase(db.env, snapshot)

      const notOurs = join(root, "notes.backup")
      writeFileSync(notOurs, "SELECT 1;\n")
      await expect(restoreBackup(target, notOurs)).rejects.toThrow(/is not a BatchOps backup/)

      const damaged = join(root, `damaged-${folders}.backup`)
      const bytes = readFileSync(backup.path)
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
      writeFileSync(damaged, bytes)
      await expect(restoreBackup(target, damaged)).rejects.toThrow(/is damaged or incomplete/)

      const cut = join(root, `cut-${folders}.backup`)
      writeFileSync(cut, readFileSync(backup.path).subarray(0, Math.floor(bytes.length / 2)))
      await expect(restoreBackup(target, cut)).rejects.toThrow(/is damaged or incomplete/)

      // a sound backup of the other kind: its header says so, its data matches its checksum
      const other = backend.kind === "pglite" ? "postgres" : "pglite"
      const otherFile = join(root, `other-${folders}.backup`)
      writeFileSync(
        otherFile,
        `BATCHOPS-BACKUP 1\n${JSON.stringify({
          format: "batchops-backup",
          version: 1,
          database: other,
          createdAt: "2026-01-01T00:00:00.000Z",
          migrations: [1],
          serverVersion: "15",
          payloadBytes: 0,
          payloadSha256: EMPTY_SHA,
        })}\n`,
      )
      const refusal = await restoreBackup(target, otherFile).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(refusal).toBeInstanceOf(RestoreRefused)
      expect((refusal as RestoreRefused).message).toMatch(
        backend.kind === "pglite" ? /a backup of a Postgres database/ : /a backup of an embedded \(PGlite\) database/,
      )

      expect(await inDatabase(db.env, snapshot)).toEqual(before)
    }, 120_000)

    it("run_daily_backup through the job runner: a backup per run, the newest `keep` by hand kept, the scheduled one and nothing else touched", async () => {
      const db = await backend.fresh()
      const backupDir = folder()
      const env = { ...db.env, BATCHOPS_BACKUP_DIR: backupDir }
      mkdirSync(backupDir, { recursive: true })
      const other = backend.kind === "pglite" ? "postgres" : "pglite"
      // what rotation must leave alone: a note, a file named like a backup that is not one, and
      // a backup of the other database kind (older than all)
      writeFileSync(join(backupDir, "notes.txt"), "keep me")
      const impostor = `batchops-${backend.kind}-20000101T000000000Z.backup`
      writeFileSync(join(backupDir, impostor), "not a backup at all")
      const otherKind = `batchops-${other}-20000101T000000000Z.backup`
      writeFileSync(
        join(backupDir, otherKind),
        `BATCHOPS-BACKUP 1\n${JSON.stringify({
          format: "batchops-backup",
          version: 1,
          database: other,
          createdAt: "2000-01-01T00:00:00.000Z",
          migrations: [],
          serverVersion: "",
          payloadBytes: 0,
          payloadSha256: EMPTY_SHA,
        })}\n`,
      )

      const { scheduled, results } = await Effect.runPromise(
        Effect.gen(function* () {
          yield* migrate()
          yield* seed("daily")
          const jobs = yield* JobsRepo
          const job = yield* jobs.create({
            name: `backup keep 2 ${name}`,
            cron: "0 2 * * *",
            automation: "run_daily_backup",
            params: { keep: 2 },
          })
          const runs = yield* JobRunsRepo
          // the night's backup by the schedule first: the runs by hand after it must not delete it
          const tick = Option.getOrThrow(
            yield* runs.createScheduled({
              jobId: job.id,
              automation: job.automation,
              scheduledFor: "2026-03-01T02:00:00.000Z",
            }),
          )
          yield* (yield* WorkQueue).enqueue({ kind: RUN_JOB, payload: { jobRunId: tick.id, jobId: job.id } })
          yield* processNextJobRun({ worker: "backup-test", leaseMs: 60_000, overlapDelayMs: 60_000 })
          const scheduled = Option.getOrThrow(yield* runs.get(tick.id))
          const results = []
          for (let i = 0; i < 3; i++) {
            const queued = yield* triggerJob(job, "admin")
            const outcome = Option.getOrThrow(
              yield* processNextJobRun({ worker: "backup-test", leaseMs: 60_000, overlapDelayMs: 60_000 }),
            )
            results.push({ outcome, run: Option.getOrThrow(yield* runs.get(queued.id)) })
          }
          return { scheduled, results }
        }).pipe(Effect.provide(hostLayer(env))),
      )
      expect(scheduled.status, scheduled.error ?? "").toBe("succeeded")
      const nightly = scheduled.details.result as Record<string, unknown>
      expect(nightly).toMatchObject({ origin: "schedule", kept: 1, deleted: [] })
      const nightlyFile = basename(String(nightly.path))
      expect((await readBackupHeader(String(nightly.path))).header.origin).toBe("schedule")
      for (const { outcome, run } of results) {
        expect(outcome.status, run.error ?? "").toBe("succeeded")
        expect(run.steps.map((step) => step.name)).toEqual(["backup", "rotate"])
      }
      const made = results.map(({ run }) => run.details.result as Record<string, unknown>)
      for (const result of made) {
        expect(String(result.path).startsWith(backupDir)).toBe(true)
        expect(result.database).toBe(backend.kind)
        expect(result.origin).toBe("manual")
        expect(result.sha256).toMatch(/^[0-9a-f]{64}$/)
        expect(result.bytes).toBeGreaterThan(0)
      }
      expect(made.map((result) => result.kept)).toEqual([1, 2, 2])
      expect(made.map((result) => result.deleted)).toEqual([[], [], [basename(String(made[0]!.path))]])
      expect(results[2]!.run.logs.at(-1)).toContain(`deleted ${basename(String(made[0]!.path))}`)

      const left = readdirSync(backupDir).sort()
      const newest = made.slice(1).flatMap((result) => {
        const file = basename(String(result.path))
        return [file, `${file}.sha256`]
      })
      expect(left).toEqual([...newest, nightlyFile, `${nightlyFile}.sha256`, impostor, otherKind, "notes.txt"].sort())
      expect(existsSync(String(made[0]!.path))).toBe(false)
      // the kept backups are whole: each restores-checks against its own checksum
      for (const result of made.slice(1)) {
        const bytes = readFileSync(String(result.path))
        expect(createHash("sha256").update(bytes).digest("hex")).toBe(result.sha256)
      }
    }, 180_000)

    it("run_daily_backup fails its run, saying why, when the backup folder cannot be made", async () => {
      const db = await backend.fresh()
      const blocked = join(root, `a-file-${++folders}`)
      writeFileSync(blocked, "in the way")
      const env = { ...db.env, BATCHOPS_BACKUP_DIR: join(blocked, "backups") }
      const { outcome, run } = await Effect.runPromise(
        Effect.gen(function* () {
          yield* migrate()
          const jobs = yield* JobsRepo
          const job = Option.getOrThrow(yield* jobs.get("job_run_daily_backup"))
          const queued = yield* triggerJob(job, "admin")
          const outcome = Option.getOrThrow(
            yield* processNextJobRun({ worker: "backup-test", leaseMs: 60_000, overlapDelayMs: 60_000 }),
          )
          const runs = yield* JobRunsRepo
          return { outcome, run: Option.getOrThrow(yield* runs.get(queued.id)) }
        }).pipe(Effect.provide(hostLayer(env))),
      )
      expect(outcome.status).toBe("failed")
      expect(run.error).toContain("cannot back up the database: cannot use the backup folder")
      expect(run.details.incident_id).toEqual(expect.any(String))
    }, 120_000)
  })
