/**
 * `schedule_file_ingest` through the job runner, on PGlite and on real Postgres: real files in
 * a temporary inbox folder, the automation's clock under the test's control (TestClock), so
 * "a file still being written" is proven without waiting, and the taken upload processed by
 * the real upload worker until it is published.
 */
import { createHash } from "node:crypto"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ingestDirectorySource } from "@batchops/automations"
import {
  type AutomationContext,
  AutomationLedger,
  type AutomationServices,
  type CurrentRegistry,
  DepartmentsRepo,
  type IncidentsRepo,
  type JobRunRecord,
  JobRunsRepo,
  JobsRepo,
  type KnownErrorsRepo,
  type OriginalFiles,
  processNextJobRun,
  processNextUpload,
  type Transactions,
  triggerJob,
  type UploadCheckpoints,
  type UploadRunner,
  UploadsRepo,
  type UsersRepo,
  type WorkQueue,
} from "@batchops/core"
import { mailerLayerFromEnv } from "@batchops/mailer-smtp"
import type { UploadSettings } from "@batchops/runner-node"
import { migrate, pgLayerFromEnv, pgliteLayer } from "@batchops/store-sql"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freshDatabase } from "../../../test/support/postgres.js"
import { jobRunnerLayer } from "../src/JobRunner.js"
import { uploadLifecycleLayer } from "../src/Layers.js"
import { defaultRegistry } from "../src/Registry.js"

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
  | UploadCheckpoints
  | UploadRunner

/** A real gradebook of the repository's examples. */
const GRADEBOOK = readFileSync(fileURLToPath(new URL("../../../examples/data/gradebook.csv", import.meta.url)))
const FIRST_STUDENT = "STU-2024-0001"

const RUNNER = { worker: "file-ingest-test", leaseMs: 60_000, overlapDelayMs: 60_000 }
const WORKER = { worker: "file-ingest-worker", leaseMs: 60_000 }

const T0 = Date.parse("2030-03-04T08:00:00Z")
const SECOND = 1000

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

interface Target {
  readonly name: string
  readonly open: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

const pgliteDir = mkdtempSync(join(tmpdir(), "batchops-pglite-file-ingest-"))
afterAll(() => rmSync(pgliteDir, { recursive: true, force: true }))
const postgres = freshDatabase("test_file_ingest")

const targets: ReadonlyArray<Target> = [
  { name: "PGlite", open: () => pgliteLayer({ dataDir: pgliteDir }) },
  { name: "Postgres", open: () => pgLayerFromEnv({ DATABASE_URL: postgres.url }) },
]

describe.each(targets)("schedule_file_ingest: $name", (target) => {
  const root = mkdtempSync(join(tmpdir(), "batchops-file-ingest-"))
  const dirs = { uploadsDir: join(root, "uploads"), exportDir: join(root, "exports") }
  const inboxDir = join(root, "inbox")
  const outside = join(root, "outside")
  let sources = 0

  const run = <A, E>(effect: Effect.Effect<A, E, Services>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        // the built-in automations, as the host has them
        const registry = yield* Effect.orDie(defaultRegistry())
        return yield* Effect.provide(
          effect,
          // no mail is sent here: a failed run's incident mail only waits in the queue
          Layer.mergeAll(jobRunnerLayer, Layer.orDie(mailerLayerFromEnv({}, join(root, "mail")))).pipe(
            Layer.provideMerge(uploadLifecycleLayer(target.open(), { ...dirs, registry, automation: { inboxDir } })),
          ),
        )
      }),
    )

  /** a directory source of its own code and folder */
  const newSource = (settings: Record<string, unknown> = {}, enabled = true) =>
    run(
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        const n = ++sources
        return yield* departments.createSource({
          name: `Registrar inbox ${n}`,
          code: `REG-${n}`,
          department: "registrar",
          kind: "directory",
          settings: { path: `registrar-${n}`, ...settings },
          enabled,
        })
      }),
    )

  /** runs `schedule_file_ingest` with `params` through the runner, its clock at `now` */
  const ingestAt = (now: number, params: Record<string, unknown>, seededJob?: string) =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(now)
        const jobs = yield* JobsRepo
        const job =
          seededJob === undefined
            ? yield* jobs.create({
                name: `file ingest ${now} ${JSON.stringify(params)} ${Math.random()}`,
                cron: "*/5 * * * *",
                automation: "schedule_file_ingest",
                params,
              })
            : Option.getOrThrow(yield* jobs.get(seededJob))
        const queued = yield* triggerJob(job, "user-1")
        const outcome = Option.getOrThrow(yield* processNextJobRun(RUNNER))
        const runs = yield* JobRunsRepo
        const stored: JobRunRecord = Option.getOrThrow(yield* runs.get(queued.id))
        return { outcome, stored }
      }).pipe(Effect.provide(TestClock.layer())),
    )

  /** writes a file into `folder` of the inbox with its modification time at `mtime` */
  const drop = (folder: string, name: string, bytes: Uint8Array | string, mtime: number) => {
    const dir = join(inboxDir, folder)
    mkdirSync(dir, { recursive: true })
    const file = join(dir, name)
    writeFileSync(file, bytes)
    utimesSync(file, new Date(mtime), new Date(mtime))
    return file
  }
  const list = (folder: string) => (existsSync(folder) ? readdirSync(folder).sort() : [])

  const uploadsWithSha = (sha: string) =>
    run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ id: string; file_name: string }>`SELECT id, file_name FROM uploads WHERE sha256 = ${sha}`
      }),
    )
  const ledgerEntry = (scope: string, key: string) =>
    run(
      Effect.gen(function* () {
        const ledger = yield* AutomationLedger
        return yield* ledger.get(scope, key)
      }),
    )

  /** what the run did for one source */
  const resultOf = (stored: JobRunRecord, code: string) =>
    (stored.details.result as { results: Record<string, unknown> }).results[code]

  /** steps and log lines name files and count, never show what is in them */
  const expectNoContents = (stored: JobRunRecord) => {
    const text = JSON.stringify([stored.steps, stored.logs, stored.details])
    expect(text).not.toContain(FIRST_STUDENT)
    expect(text).not.toContain("Chloé")
  }

  beforeAll(async () => {
    await Effect.runPromise(Effect.provide(migrate(), target.open()))
    mkdirSync(outside, { recursive: true })
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it("with no directory sources, the seeded job succeeds saying there is nothing to do", async () => {
    const { outcome, stored } = await ingestAt(T0, {}, "job_schedule_file_ingest")
    expect(outcome.status).toBe("succeeded")
    expect(stored.logs).toEqual(["no enabled directory sources: nothing to do"])
    expect(stored.details.result).toMatchObject({ sources: 0, submitted: 0 })
    expect(existsSync(inboxDir)).toBe(false)
  })

  it("takes a stable gradebook as a queued upload, moves it to processed/, and the worker publishes it", async () => {
    const source = await newSource()
    const folder = join(inboxDir, source.settings.path as string)
    drop(source.settings.path as string, "Term 1 gradebook.csv", GRADEBOOK, T0 - 120 * SECOND)

    // without parameters: every enabled directory source (this is the only one)
    const { outcome, stored } = await ingestAt(T0, {})
    expect(outcome.status).toBe("succeeded")
    expect(stored.details.result).toMatchObject({ sources: 1, submitted: 1, duplicates: 0, failed: 0, waiting: 0 })
    expect(list(folder)).toEqual(["duplicates", "failed", "processed"])
    expect(list(join(folder, "processed"))).toEqual(["Term 1 gradebook.csv"])
    expect(readFileSync(join(folder, "processed", "Term 1 gradebook.csv")).equals(GRADEBOOK)).toBe(true)

    const uploads = await uploadsWithSha(sha256(GRADEBOOK))
    expect(uploads).toEqual([{ id: expect.any(String), file_name: "Term 1 gradebook.csv" }])
    const uploadId = uploads[0]!.id
    const upload = Option.getOrThrow(
      await run(
        Effect.gen(function* () {
          const repo = yield* UploadsRepo
          return yield* repo.get(uploadId)
        }),
      ),
    )
    expect(upload).toMatchObject({ status: "queued", profile: "auto", processMode: "transform", uploadedBy: null })
    expect(stored.steps).toEqual([
      {
        name: `ingest ${source.code}`,
        at: new Date(T0).toISOString(),
        details: expect.objectContaining({ source_id: source.id, submitted: 1, uploads: [uploadId] }),
      },
    ])
    expect(stored.logs).toContain(
      `${source.code}: Term 1 gradebook.csv submitted as upload ${uploadId}, moved to processed/Term 1 gradebook.csv`,
    )
    expectNoContents(stored)
    const entry = Option.getOrThrow(await ledgerEntry(`file_ingest:${source.id}`, sha256(GRADEBOOK)))
    expect(entry).toMatchObject({
      jobRunId: stored.id,
      data: { file: "Term 1 gradebook.csv", upload_id: uploadId, moved: true },
    })

    // the normal pipeline: the upload worker takes it to published
    const processed = await run(processNextUpload(WORKER))
    expect(Option.getOrThrow(processed)).toMatchObject({ uploadId, status: "published" })
    const published = Option.getOrThrow(
      await run(
        Effect.gen(function* () {
          const repo = yield* UploadsRepo
          return yield* repo.get(uploadId)
        }),
      ),
    )
    expect(published.status).toBe("published")
    expect(published.rows).toBeGreaterThan(0)
    expect(published.reportCsvPath).not.toBeNull()
  })

  it("never submits the same content twice: another name goes to duplicates/ with a note", async () => {
    const source = await newSource()
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const bytes = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Ada,91\n`)
    drop(path, "grades.csv", bytes, T0 - 60 * SECOND)
    const first = await ingestAt(T0, { codes: [source.code] })
    expect(first.stored.details.result).toMatchObject({ submitted: 1, duplicates: 0 })
    const [upload] = await uploadsWithSha(sha256(bytes))

    drop(path, "grades (copy).csv", bytes, T0)
    drop(path, "grades.csv", bytes, T0)
    const again = await ingestAt(T0 + 120 * SECOND, { sourceIds: [source.id] })
    expect(again.outcome.status).toBe("succeeded")
    expect(again.stored.details.result).toMatchObject({ sources: 1, submitted: 0, duplicates: 2 })
    expect(await uploadsWithSha(sha256(bytes))).toEqual([upload])
    expect(list(folder)).toEqual(["duplicates", "failed", "processed"])
    expect(list(join(folder, "processed"))).toEqual(["grades.csv"])
    expect(list(join(folder, "duplicates"))).toEqual([
      "grades (copy).csv",
      "grades (copy).csv.duplicate.txt",
      "grades.csv",
      "grades.csv.duplicate.txt",
    ])
    const note = readFileSync(join(folder, "duplicates", "grades (copy).csv.duplicate.txt"), "utf8")
    expect(note).toContain(`upload ${upload!.id}`)
    expect(note).toContain(sha256(bytes))
    expect(note).not.toContain(`S-${source.code}`)
    expect(again.stored.logs).toContain(
      `${source.code}: grades (copy).csv has the same content as a file taken before (upload ${upload!.id}): ` +
        "not submitted, moved to duplicates/grades (copy).csv",
    )

    // other content under a name processed/ holds already: submitted, and nothing overwritten
    const changed = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Ada,95\n`)
    drop(path, "grades.csv", changed, T0)
    const third = await ingestAt(T0 + 240 * SECOND, { codes: [source.code] })
    expect(third.stored.details.result).toMatchObject({ submitted: 1, duplicates: 0 })
    expect(list(join(folder, "processed"))).toEqual(["grades-2.csv", "grades.csv"])
    expect(readFileSync(join(folder, "processed", "grades.csv")).equals(Buffer.from(bytes))).toBe(true)
    expect(readFileSync(join(folder, "processed", "grades-2.csv")).equals(Buffer.from(changed))).toBe(true)

    // the same content in another department's inbox is that department's to take
    const other = await newSource()
    drop(other.settings.path as string, "grades.csv", bytes, T0)
    const elsewhere = await ingestAt(T0 + 240 * SECOND, { codes: [other.code] })
    expect(elsewhere.stored.details.result).toMatchObject({ submitted: 1, duplicates: 0 })
    expect(await uploadsWithSha(sha256(bytes))).toHaveLength(2)
  })

  it("leaves a file still being written alone, and takes it on a later run once stable", async () => {
    const source = await newSource({ stable_seconds: 30 })
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const partial = "Student ID,Name,Score\nS-1,Ada,91\n"
    const file = drop(path, "attendance.csv", partial, T0)

    const seen = await ingestAt(T0, { codes: [source.code] })
    expect(seen.outcome.status).toBe("succeeded")
    expect(resultOf(seen.stored, source.code)).toMatchObject({ files: 1, submitted: 0, waiting: 1 })
    expect(seen.stored.logs).toContain(
      `${source.code}: attendance.csv is still changing or not yet stable: left for a later run`,
    )
    expect(list(folder)).toEqual(["attendance.csv", "duplicates", "failed", "processed"])

    // it grew meanwhile: its wait starts again
    const complete = `${partial}S-2,Alan,78\n`
    writeFileSync(file, complete)
    utimesSync(file, new Date(T0 + 20 * SECOND), new Date(T0 + 20 * SECOND))
    const grew = await ingestAt(T0 + 25 * SECOND, { codes: [source.code] })
    expect(grew.stored.details.result).toMatchObject({ submitted: 0, waiting: 1 })
    const stillQuiet = await ingestAt(T0 + 45 * SECOND, { codes: [source.code] })
    expect(stillQuiet.stored.details.result).toMatchObject({ submitted: 0, waiting: 1 })
    expect(await uploadsWithSha(sha256(Buffer.from(partial)))).toEqual([])
    expect(await uploadsWithSha(sha256(Buffer.from(complete)))).toEqual([])

    // unchanged for 30 seconds now: taken, whole
    const taken = await ingestAt(T0 + 50 * SECOND, { codes: [source.code] })
    expect(taken.stored.details.result).toMatchObject({ submitted: 1, waiting: 0 })
    expect(await uploadsWithSha(sha256(Buffer.from(complete)))).toHaveLength(1)
    expect(list(folder)).toEqual(["duplicates", "failed", "processed"])
    // what the runs saw of it is forgotten with it
    expect(Option.isNone(await ledgerEntry(`file_seen:${source.id}`, "attendance.csv"))).toBe(true)
  })

  it("takes a file whose time is ahead of the clock once runs saw it unchanged for stable_seconds", async () => {
    const source = await newSource({ stable_seconds: 60 })
    const path = source.settings.path as string
    // written on a share whose clock runs an hour fast
    const bytes = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Grace,85\n`)
    drop(path, "grades.csv", bytes, T0 + 3600 * SECOND)

    const first = await ingestAt(T0, { codes: [source.code] })
    expect(first.stored.details.result).toMatchObject({ waiting: 1 })
    const soon = await ingestAt(T0 + 59 * SECOND, { codes: [source.code] })
    expect(soon.stored.details.result).toMatchObject({ waiting: 1 })
    expect(await uploadsWithSha(sha256(bytes))).toEqual([])
    const later = await ingestAt(T0 + 60 * SECOND, { codes: [source.code] })
    expect(later.stored.details.result).toMatchObject({ submitted: 1, waiting: 0 })
    expect(await uploadsWithSha(sha256(bytes))).toHaveLength(1)
  })

  it("moves a refused file to failed/ with the reason, and leaves hidden, temporary and nested files alone", async () => {
    const source = await newSource({ extensions: ["csv", ".XLSX"] })
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const old = T0 - 600 * SECOND
    drop(path, "notes.docx", "not a gradebook", old)
    drop(path, "empty.csv", "", old)
    drop(path, "README", "read me", old)
    drop(path, ".hidden.csv", "a,b\n1,2\n", old)
    drop(path, "copying.csv.part", "a,b\n1,2\n", old)
    drop(path, "~$grades.xlsx", "lock", old)
    drop(join(path, "archive"), "old.csv", "a,b\n1,2\n", old)
    // a link to a file outside the inbox is not a file of the inbox
    const elsewhere = mkdtempSync(join(root, "elsewhere-"))
    writeFileSync(join(elsewhere, "secret.csv"), "a,b\n1,2\n")
    symlinkSync(join(elsewhere, "secret.csv"), join(folder, "secret.csv"))

    const { outcome, stored } = await ingestAt(T0, { codes: [source.code] })
    expect(outcome.status).toBe("succeeded")
    expect(resultOf(stored, source.code)).toMatchObject({ files: 3, submitted: 0, failed: 3, waiting: 0 })
    expect(list(folder)).toEqual([
      ".hidden.csv",
      "archive",
      "copying.csv.part",
      "duplicates",
      "failed",
      "processed",
      "secret.csv",
      "~$grades.xlsx",
    ])
    expect(list(join(folder, "archive"))).toEqual(["old.csv"])
    expect(list(join(folder, "failed"))).toEqual([
      "README",
      "README.error.txt",
      "empty.csv",
      "empty.csv.error.txt",
      "notes.docx",
      "notes.docx.error.txt",
    ])
    const reason = (name: string) => readFileSync(join(folder, "failed", `${name}.error.txt`), "utf8")
    expect(reason("notes.docx")).toContain("Why: this inbox does not take .docx files (it takes .csv, .xlsx)")
    expect(reason("empty.csv")).toContain("Why: the file is empty (0 bytes)")
    expect(reason("README")).toContain("Why: the file has no extension")
    expect(reason("notes.docx")).toContain(`the inbox of ${source.code}`)
    expect(stored.logs).toContain(
      `${source.code}: empty.csv refused (the file is empty (0 bytes)): moved to failed/empty.csv`,
    )

    // the same name refused again: a numbered name, nothing overwritten
    drop(path, "empty.csv", "", old)
    await ingestAt(T0 + 60 * SECOND, { codes: [source.code] })
    expect(list(join(folder, "failed"))).toContain("empty-2.csv")
    expect(list(join(folder, "failed"))).toContain("empty-2.csv.error.txt")
    expect(list(join(folder, "failed"))).toContain("empty.csv.error.txt")
  })

  it("moves a file the intake refuses to failed/, and takes its content when it comes again", async () => {
    const source = await newSource({ profile: "no-such-profile" })
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const bytes = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Ada,91\n`)
    drop(path, "grades.csv", bytes, T0 - 60 * SECOND)
    const { outcome, stored } = await ingestAt(T0, { codes: [source.code] })
    expect(outcome.status).toBe("succeeded")
    expect(stored.details.result).toMatchObject({ submitted: 0, failed: 1 })
    expect(readFileSync(join(folder, "failed", "grades.csv.error.txt"), "utf8")).toContain(
      'Why: unknown profile "no-such-profile"',
    )
    // refused content is not claimed: once the source is put right, the same file is taken
    expect(Option.isNone(await ledgerEntry(`file_ingest:${source.id}`, sha256(bytes)))).toBe(true)
    await run(
      Effect.gen(function* () {
        const departments = yield* DepartmentsRepo
        yield* departments.updateSource(source.id, { settings: { path, profile: "gradebook" } })
      }),
    )
    drop(path, "grades.csv", bytes, T0)
    const again = await ingestAt(T0 + 60 * SECOND, { codes: [source.code] })
    expect(again.stored.details.result).toMatchObject({ submitted: 1, failed: 0 })
    expect(await uploadsWithSha(sha256(bytes))).toHaveLength(1)
  })

  it("finishes the move of a file submitted by a run that could not move it, without submitting it again", async () => {
    const source = await newSource()
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const bytes = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Ada,99\n`)
    // what a run leaves when the move after its submission fails
    await run(
      Effect.gen(function* () {
        const ledger = yield* AutomationLedger
        yield* ledger.claim({
          scope: `file_ingest:${source.id}`,
          key: sha256(bytes),
          data: { file: "grades.csv", upload_id: "upload-submitted-before", moved: false },
        })
      }),
    )
    drop(path, "grades.csv", bytes, T0 - 60 * SECOND)
    const { stored } = await ingestAt(T0, { codes: [source.code] })
    expect(resultOf(stored, source.code)).toMatchObject({
      submitted: 1,
      duplicates: 0,
      uploads: ["upload-submitted-before"],
    })
    expect(list(join(folder, "processed"))).toEqual(["grades.csv"])
    expect(await uploadsWithSha(sha256(bytes))).toEqual([])
    const entry = Option.getOrThrow(await ledgerEntry(`file_ingest:${source.id}`, sha256(bytes)))
    expect(entry.data).toMatchObject({ upload_id: "upload-submitted-before", moved: true })
  })

  it("submits a file two runs meet at the same moment once", async () => {
    const source = await newSource()
    const path = source.settings.path as string
    const folder = join(inboxDir, path)
    const bytes = new TextEncoder().encode(`Student ID,Name,Score\nS-${source.code},Ada,88\n`)
    drop(path, "grades.csv", bytes, T0 - 60 * SECOND)
    const context = (runId: string): AutomationContext => ({
      runId,
      jobId: null,
      trigger: "schedule",
      log: () => Effect.void,
      step: () => Effect.void,
    })
    const results = await run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        return yield* Effect.all(
          [ingestDirectorySource(source, context("run-a")), ingestDirectorySource(source, context("run-b"))],
          { concurrency: 2 },
        )
      }).pipe(Effect.provide(TestClock.layer())),
    )
    const total = (key: string) => results.reduce((sum, result) => sum + Number(result[key]), 0)
    expect(total("submitted")).toBe(1)
    expect(total("duplicates") + total("gone")).toBe(1)
    expect(await uploadsWithSha(sha256(bytes))).toHaveLength(1)
    expect(list(folder)).not.toContain("grades.csv")
    expect(list(join(folder, "processed"))).toEqual(["grades.csv"])
  })

  it("refuses a folder outside the inbox, through .. or a link, and still takes the other sources' files", async () => {
    const escaping = await newSource({ path: "../outside" })
    mkdirSync(inboxDir, { recursive: true })
    symlinkSync(outside, join(inboxDir, "linked"))
    const linked = await newSource({ path: "linked" })
    const below = await newSource({ path: "linked/deeper" })
    const good = await newSource()
    drop(good.settings.path as string, "grades.csv", `Student ID,Name,Score\nS-${good.code},Ada,70\n`, T0 - 60 * SECOND)

    const { outcome, stored } = await ingestAt(T0, { codes: [escaping.code, linked.code, below.code, good.code] })
    expect(outcome.status).toBe("failed")
    expect(stored.error).toContain("3 of 4 sources failed")
    expect(stored.error).toContain(
      `source ${escaping.code} (${escaping.name}): settings.path: must not leave the inbox folder`,
    )
    expect(stored.error).toContain(`source ${linked.code}: the folder "linked" leads outside the inbox folder`)
    expect(stored.error).toContain(`source ${below.code}: the folder "linked/deeper" leads outside the inbox folder`)
    expect(stored.details.incident_id).toEqual(expect.any(String))
    // nothing was made or moved outside the inbox
    expect(list(outside)).toEqual([])
    // the good source's file was taken all the same
    expect(list(join(inboxDir, good.settings.path as string, "processed"))).toEqual(["grades.csv"])
    expect(stored.steps.find((step) => step.name === `ingest ${good.code}`)?.details).toMatchObject({ submitted: 1 })
  })

  it("fails a named source that is not a directory source, and skips a disabled one", async () => {
    const disabled = await newSource({}, false)
    drop(disabled.settings.path as string, "grades.csv", "a,b\n1,2\n", T0 - 60 * SECOND)
    const { outcome, stored } = await ingestAt(T0, { codes: ["ADM", disabled.code] })
    expect(outcome.status).toBe("failed")
    expect(stored.error).toBe("1 of 2 sources failed: source ADM is a simulated source, not a directory source")
    expect(stored.steps.find((step) => step.name === `ingest ${disabled.code}`)?.details).toEqual({
      source_id: disabled.id,
      skipped: "disabled",
    })
    expect(list(join(inboxDir, disabled.settings.path as string))).toEqual(["grades.csv"])

    const missing = await ingestAt(T0, { codes: ["NOPE"] })
    expect(missing.stored.error).toBe("no department source with code NOPE")
  })
})
