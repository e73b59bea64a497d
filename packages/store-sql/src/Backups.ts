/**
 * Backups of a BatchOps database, Postgres or PGlite: core's `Backups` port (`BackupsLayer`, which
 * the `run_daily_backup` automation uses) and bringing one back (`restoreBackup`, behind
 * `batchops restore`).
 *
 * A backup is one file, `batchops-<database>-<UTC time>.backup`: a first line naming the
 * format, a JSON line saying what it holds (the database kind, when it was taken, the
 * migrations it has, the payload's size and sha256), then the payload. Beside it,
 * `<file>.sha256` holds the whole file's sha256 the way `sha256sum` prints it.
 *
 * - Postgres: the payload is `pg_dump -Fc` (one snapshot by pg_dump's own transaction). It is
 *   brought back by emptying the `public` schema and replaying the dump in ONE transaction
 *   (`pg_restore -f - | psql --single-transaction`), so a failed restore changes nothing and a
 *   restored database holds exactly what was backed up (tables of later migrations included:
 *   they are dropped, then migrated again empty).
 * - PGlite: pg_dump cannot talk to it (PGlite's server is Postgres 18, newer than the
 *   machine's pg_dump). PGlite runs one session at a time and BatchOps reaches it through one
 *   connection, so while the backup holds that connection nothing else runs: it checkpoints,
 *   then copies the data folder's files (gzip) — a snapshot of one instant, which PGlite
 *   opens as it would after a crash (what was not committed is not there).
 *
 * A backup is written under a hidden temporary name and renamed when complete, so the folder
 * never shows half a backup. Restoring checks the file (format, database kind, payload sha256)
 * before touching anything.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { basename, dirname, join, relative } from "node:path"
import { Readable, Transform, Writable } from "node:stream"
import { pipeline } from "node:stream/promises"
import { createGunzip, createGzip } from "node:zlib"
import { type BackupInfo, type BackupOrigin, Backups, errorCode, fileErrorReason, StoreError } from "@batchops/core"
import { Cause, Clock, Context, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { migrate } from "./Migrations.js"
import { type Env, pgConfigFromEnv, pgLayerFromEnv } from "./PgLayer.js"
import { pgliteInUseBy, pgliteLayer } from "./PgliteLayer.js"

/** Which database BatchOps runs on and how a backup reaches it. */
export type BackupTargetShape =
  | {
      readonly kind: "postgres"
      /** `DATABASE_URL`, or `DB_NAME` with `DB_USER`, `DB_PASSWORD`, `DB_HOST`, `DB_PORT` */
      readonly env: Env
    }
  | {
      readonly kind: "pglite"
      /** the PGlite data folder (`<BATCHOPS_DATA_DIR>/pgdata`) */
      readonly dataDir: string
    }

export class BackupTarget extends Context.Service<BackupTarget, BackupTargetShape>()(
  "@batchops/store-sql/BackupTarget",
) {}

export const backupTargetLayer = (target: BackupTargetShape) => Layer.succeed(BackupTarget, BackupTarget.of(target))

/** A backup that cannot be restored here, or a restore that must not go ahead; `message` is for people. */
export class RestoreRefused extends Schema.TaggedError<RestoreRefused>()("RestoreRefused", {
  message: Schema.String,
}) {}

/** The first line of every backup file. */
export const BACKUP_MAGIC = "BATCHOPS-BACKUP 1"

/** What a backup file says about itself (its second line). */
export interface BackupHeader {
  readonly format: "batchops-backup"
  readonly version: 1
  readonly database: "postgres" | "pglite"
  readonly createdAt: string
  /** the migration versions the backed-up database had */
  readonly migrations: ReadonlyArray<number>
  readonly serverVersion: string
  readonly payloadBytes: number
  readonly payloadSha256: string
  /** by the schedule or by hand (absent in backups from before it was recorded: scheduled) */
  readonly origin?: BackupOrigin | undefined
}

const NAME = /^batchops-(postgres|pglite)-(\d{8}T\d{9}Z)(?:-(\d+))?\.backup$/

/** `20261129T012400123Z`: the UTC time to the millisecond, sortable as text. */
const stampOf = (millis: number) =>
  new Date(millis)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z")

/** Is this file name one of ours (the header is checked too before a file counts as a backup)? */
export const isBackupName = (name: string): boolean => NAME.test(name)

/** How backups word the file system errors that read differently here than in general. */
const WORDING: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  ENOSPC: "no space left on the disk",
}

/** The reason in words; a missing or forbidden path is named. */
const message = (cause: unknown): string => {
  const reason = fileErrorReason(cause, WORDING)
  const code = errorCode(cause)
  const path = (cause as NodeJS.ErrnoException | null)?.path
  return (code === "ENOENT" || code === "EACCES") && path ? `${reason} (${path})` : reason
}

const storeError = (what: string) => (cause: unknown) =>
  cause instanceof StoreError ? cause : new StoreError({ message: `${what}: ${message(cause)}`, cause })

/** Passes bytes through, counting and hashing them. */
class Tap extends Transform {
  readonly hash = createHash("sha256")
  bytes = 0
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null, data?: Buffer) => void) {
    this.hash.update(chunk)
    this.bytes += chunk.length
    done(null, chunk)
  }
}

/**
 * A new file, readable by its owner only (a backup holds every account and student record),
 * flushed to the disk before the stream reports being finished.
 */
const durableFile = async (path: string): Promise<Writable> => {
  const handle = await open(path, "wx", 0o600)
  const stream = createWriteStream("", { fd: handle.fd, autoClose: false })
  const final = stream._final?.bind(stream)
  stream._final = (callback) => {
    const finish = (error?: Error | null) => {
      if (error) return callback(error)
      handle
        .sync()
        .then(() => handle.close())
        .then(() => callback(), callback)
    }
    if (final) final(finish)
    else finish()
  }
  stream.on("error", () => handle.close().catch(() => undefined))
  return stream
}

// --- the PGlite payload: the data folder's files, framed and gzipped -------------------------

/** Files in a PGlite folder that belong to the running process, not to the data. */
const NOT_DATA = new Set(["batchops.pid", "postmaster.pid"])

async function* dataFolderFrames(dataDir: string): AsyncGenerator<Buffer> {
  let files = 0
  const walk = async function* (folder: string): AsyncGenerator<Buffer> {
    const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))
    for (const entry of entries) {
      const path = join(folder, entry.name)
      const name = relative(dataDir, path).split("\\").join("/")
      if (entry.isDirectory()) {
        yield Buffer.from(`${JSON.stringify({ dir: name })}\n`)
        yield* walk(path)
      } else if (entry.isFile() && !(folder === dataDir && NOT_DATA.has(entry.name))) {
        const size = (await stat(path)).size
        yield Buffer.from(`${JSON.stringify({ file: name, size })}\n`)
        let read = 0
        if (size > 0) {
          for await (const chunk of createReadStream(path, { end: size - 1 })) {
            read += (chunk as Buffer).length
            yield chunk as Buffer
          }
        }
        // nothing writes while the backup holds the only connection; a change means something did
        if (read !== size) throw new Error(`${name} changed while it was copied`)
        files++
      }
    }
  }
  yield* walk(dataDir)
  yield Buffer.from(`${JSON.stringify({ end: true, files })}\n`)
}

/** Reads lines and byte runs from a stream of chunks. */
class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0)
  private readonly chunks: AsyncIterator<Buffer>
  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]()
  }
  private async more(): Promise<boolean> {
    const next = await this.chunks.next()
    if (next.done) return false
    this.buffer = this.buffer.length === 0 ? next.value : Buffer.concat([this.buffer, next.value])
    return true
  }
  async line(): Promise<string | undefined> {
    for (;;) {
      const end = this.buffer.indexOf(0x0a)
      if (end >= 0) {
        const text = this.buffer.subarray(0, end).toString("utf8")
        this.buffer = this.buffer.subarray(end + 1)
        return text
      }
      if (this.buffer.length > 64 * 1024 || !(await this.more())) return undefined
    }
  }
  async *bytes(count: number): AsyncGenerator<Buffer> {
    let left = count
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.more())) throw new Error("the backup ends in the middle of a file")
      const take = this.buffer.subarray(0, Math.min(left, this.buffer.length))
      this.buffer = this.buffer.subarray(take.length)
      left -= take.length
      yield take
    }
  }
}

/** Writes the framed files of a PGlite payload into `into` (which must not exist yet). */
const unpackDataFolder = async (payload: AsyncIterable<Buffer>, into: string): Promise<number> => {
  await mkdir(into, { recursive: false })
  const reader = new ChunkReader(payload)
  const inside = (name: string) => {
    const path = join(into, name)
    if (name === "" || relative(into, path).startsWith("..") || name.startsWith("/")) {
      throw new Error(`the backup names a file outside the data folder (${name})`)
    }
    return path
  }
  for (;;) {
    const line = await reader.line()
    if (line === undefined) throw new Error("the backup's data ends too early")
    const entry = JSON.parse(line) as { dir?: string; file?: string; size?: number; end?: boolean; files?: number }
    if (entry.end) return entry.files ?? 0
    if (typeof entry.dir === "string") await mkdir(inside(entry.dir), { recursive: true })
    else if (typeof entry.file === "string" && Number.isSafeInteger(entry.size) && entry.size! >= 0) {
      const path = inside(entry.file)
      await mkdir(dirname(path), { recursive: true })
      await pipeline(Readable.from(reader.bytes(entry.size!)), createWriteStream(path, { flags: "wx" }))
    } else throw new Error("the backup's data is damaged")
  }
}

// --- Postgres through pg_dump, pg_restore and psql -------------------------------------------

/**
 * The client programs' connection for the environment: the password goes in PGPASSWORD (never
 * on a command line, which `ps` shows), the rest as a URL without it, or as PG* variables.
 */
export const pgClientConnection = (env: Env): { readonly args: Array<string>; readonly env: NodeJS.ProcessEnv } => {
  // the same settings the database layer reads (store-sql's DatabaseSettings)
  const exit = Effect.runSyncExit(pgConfigFromEnv(env))
  if (Exit.isFailure(exit)) {
    const error = Cause.findErrorOption(exit.cause)
    throw new StoreError({ message: Option.isSome(error) ? error.value.message : "the database is not configured" })
  }
  const config = exit.value
  if (config.url !== undefined) {
    const text = Redacted.value(config.url)
    if (!URL.canParse(text)) throw new StoreError({ message: "DATABASE_URL is not a URL" })
    const parsed = new URL(text)
    const password = decodeURIComponent(parsed.password)
    parsed.password = ""
    return { args: [`--dbname=${parsed.toString()}`], env: password === "" ? {} : { PGPASSWORD: password } }
  }
  const variables: NodeJS.ProcessEnv = {
    PGHOST: config.host ?? "127.0.0.1",
    PGPORT: String(config.port ?? 5432),
    PGUSER: config.username ?? "postgres",
    PGDATABASE: config.database ?? "",
  }
  if (config.password !== undefined && Redacted.isRedacted(config.password)) {
    variables.PGPASSWORD = Redacted.value(config.password)
  }
  return { args: [], env: variables }
}

interface Finished {
  readonly code: number | null
  readonly stderr: string
}

/** Starts a client program; a missing program is said plainly. */
const startProgram = (program: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) => {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < 8000) stderr += text
  })
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new Error(`${program} was not found: install the PostgreSQL client programs (postgresql-client)`)
          : error,
      ),
    )
    child.on("close", (code) => resolve({ code, stderr: stderr.trim() }))
  })
  return { child, finished }
}

const failedProgram = (program: string, result: Finished) =>
  new Error(`${program} failed (exit ${result.code})${result.stderr ? `: ${result.stderr}` : ""}`)

/** Writes `pg_dump -Fc` of the database into `into`; its size and sha256. */
const dumpPostgres = async (env: Env, into: string) => {
  const connection = pgClientConnection(env)
  const dump = startProgram("pg_dump", ["--format=custom", "--no-password", ...connection.args], connection.env)
  dump.child.stdin.end()
  const tap = new Tap()
  const [result, written] = await Promise.all([
    dump.finished,
    pipeline(dump.child.stdout, tap, await durableFile(into)).then(
      () => undefined,
      (error: unknown) => error,
    ),
  ])
  if (result.code !== 0) throw failedProgram("pg_dump", result)
  if (written !== undefined) throw written
  return { bytes: tap.bytes, sha256: tap.hash.digest("hex") }
}

/**
 * Replaces the `public` schema with the dump, in one transaction: the schema is dropped and
 * made again, then `pg_restore`'s script runs; any error rolls all of it back.
 */
const restorePostgres = async (env: Env, file: string, offset: number) => {
  const connection = pgClientConnection(env)
  const psql = startProgram(
    "psql",
    ["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction", ...connection.args],
    connection.env,
  )
  psql.child.stdout.resume()
  const restore = startProgram("pg_restore", ["--no-owner", "--file=-"], {})
  psql.child.stdin.write(
    "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\nGRANT USAGE ON SCHEMA public TO PUBLIC;\n",
  )
  const feeding = pipeline(createReadStream(file, { start: offset }), restore.child.stdin).catch(
    (error) => error as Error,
  )
  const forwarding = pipeline(restore.child.stdout, psql.child.stdin).catch((error) => error as Error)
  const [restored, applied] = await Promise.all([restore.finished, psql.finished, feeding, forwarding])
  // psql's error says what went wrong; pg_restore then only failed to write to it
  if (applied.code !== 0) throw failedProgram("psql", applied)
  if (restored.code !== 0) throw failedProgram("pg_restore", restored)
}

// --- the backup file ---------------------------------------------------------------------------

/** Reads and checks the first two lines; the header and where the payload starts. */
export const readBackupHeader = async (file: string): Promise<{ header: BackupHeader; offset: number }> => {
  const handle = await open(file, "r")
  let head: Buffer
  try {
    const buffer = Buffer.alloc(64 * 1024)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    head = buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
  const notOurs = new RestoreRefused({ message: `${file} is not a BatchOps backup` })
  const first = head.indexOf(0x0a)
  if (first < 0 || head.subarray(0, first).toString("latin1") !== BACKUP_MAGIC) throw notOurs
  const second = head.indexOf(0x0a, first + 1)
  if (second < 0) throw notOurs
  let header: BackupHeader
  try {
    header = JSON.parse(head.subarray(first + 1, second).toString("utf8")) as BackupHeader
  } catch {
    throw notOurs
  }
  if (
    header?.format !== "batchops-backup" ||
    (header.database !== "postgres" && header.database !== "pglite") ||
    typeof header.createdAt !== "string" ||
    !Number.isSafeInteger(header.payloadBytes) ||
    !/^[0-9a-f]{64}$/.test(String(header.payloadSha256))
  ) {
    throw notOurs
  }
  if (header.version !== 1) {
    throw new RestoreRefused({
      message: `${file} is a BatchOps backup of a newer format (version ${header.version}) than this build reads`,
    })
  }
  return { header, offset: second + 1 }
}

/** Checks the payload's size and sha256 against the header (a damaged or cut-off copy is refused). */
export const verifyBackup = async (file: string): Promise<{ header: BackupHeader; offset: number }> => {
  const found = await readBackupHeader(file)
  const tap = new Tap()
  // only counted and hashed
  await pipeline(
    createReadStream(file, { start: found.offset }),
    tap,
    new Writable({ write: (_chunk, _e, done) => done() }),
  )
  const sha256 = tap.hash.digest("hex")
  if (tap.bytes !== found.header.payloadBytes || sha256 !== found.header.payloadSha256) {
    throw new RestoreRefused({
      message:
        `${file} is damaged or incomplete: its data does not match the checksum it was written with ` +
        `(${tap.bytes} of ${found.header.payloadBytes} bytes)`,
    })
  }
  return found
}

const sha256File = async (file: string): Promise<string> => {
  const hash = createHash("sha256")
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest("hex")
}

/** A free backup name for the time (a second backup in the same millisecond gets `-1`...). */
const freeName = async (dir: string, database: string, millis: number): Promise<string> => {
  const existing = new Set(await readdir(dir))
  const base = `batchops-${database}-${stampOf(millis)}`
  for (let n = 0; ; n++) {
    const name = `${base}${n === 0 ? "" : `-${n}`}.backup`
    if (!existing.has(name) && !existing.has(`.${name}.tmp`)) return name
  }
}

/**
 * Writes the backup file from a payload already on disk: header, payload, flushed, then
 * renamed into place; then its `.sha256`.
 */
const writeBackupFile = async (
  dir: string,
  name: string,
  payloadPath: string,
  header: BackupHeader,
): Promise<BackupInfo> => {
  const temporary = join(dir, `.${name}.tmp`)
  const final = join(dir, name)
  try {
    const tap = new Tap()
    const head = Buffer.from(`${BACKUP_MAGIC}\n${JSON.stringify(header)}\n`)
    async function* whole() {
      yield head
      for await (const chunk of createReadStream(payloadPath)) yield chunk as Buffer
    }
    await pipeline(Readable.from(whole()), tap, await durableFile(temporary))
    await rename(temporary, final)
    const sha256 = tap.hash.digest("hex")
    await writeFile(join(dir, `.${name}.sha256.tmp`), `${sha256}  ${name}\n`)
    await rename(join(dir, `.${name}.sha256.tmp`), `${final}.sha256`)
    return {
      path: final,
      bytes: tap.bytes,
      sha256,
      createdAt: header.createdAt,
      database: header.database,
      origin: originOf(header),
    }
  } finally {
    await rm(temporary, { force: true })
    await rm(join(dir, `.${name}.sha256.tmp`), { force: true })
  }
}

const originOf = (header: BackupHeader): BackupOrigin => (header.origin === "manual" ? "manual" : "schedule")

/** The backup files in `dir` (by name and header), newest first. */
const listBackups = async (dir: string): Promise<Array<BackupInfo>> => {
  let names: Array<string>
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
    throw error
  }
  const found: Array<BackupInfo & { readonly name: string }> = []
  for (const name of names.filter(isBackupName)) {
    const path = join(dir, name)
    const header = await readBackupHeader(path).then(
      (read) => read.header,
      () => undefined,
    )
    if (header === undefined) continue
    const bytes = (await stat(path)).size
    const recorded = await readFile(`${path}.sha256`, "utf8").then(
      (text) => /^([0-9a-f]{64})\s/.exec(text)?.[1],
      () => undefined,
    )
    found.push({
      name,
      path,
      bytes,
      sha256: recorded ?? (await sha256File(path)),
      createdAt: header.createdAt,
      database: header.database,
      origin: originOf(header),
    })
  }
  found.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.name.localeCompare(a.name))
  return found.map(({ name: _name, ...info }) => info)
}

const removeBackup = async (path: string) => {
  if (!isBackupName(basename(path))) throw new StoreError({ message: `${path} is not a BatchOps backup name` })
  try {
    await readBackupHeader(path)
  } catch (error) {
    if (error instanceof RestoreRefused) throw new StoreError({ message: error.message })
    throw error
  }
  await rm(path)
  await rm(`${path}.sha256`, { force: true })
}

/** The migration versions the database has (none before the first migration). */
const appliedMigrations = (sql: SqlClient.SqlClient) =>
  sql<{ version: number }>`SELECT version FROM batchops_migrations ORDER BY version`.pipe(
    Effect.map((rows) => rows.map((row) => Number(row.version))),
    Effect.catchTag("SqlError", () => Effect.succeed([] as Array<number>)),
  )

/** Takes one backup of `target` into `dir` over `sql` (the host's own connection). */
export const createBackup = (target: BackupTargetShape, sql: SqlClient.SqlClient, dir: string, origin: BackupOrigin) =>
  Effect.gen(function* () {
    const millis = yield* Clock.currentTimeMillis
    const createdAt = new Date(millis).toISOString()
    const name = yield* Effect.tryPromise({
      try: async () => {
        await mkdir(dir, { recursive: true })
        return freeName(dir, target.kind, millis)
      },
      catch: storeError(`cannot use the backup folder ${dir}`),
    })
    const payloadPath = join(dir, `.${name}.payload`)
    const write = Effect.gen(function* () {
      let payload: { migrations: ReadonlyArray<number>; serverVersion: string; bytes: number; sha256: string }
      if (target.kind === "postgres") {
        const migrations = yield* appliedMigrations(sql)
        const [version] = yield* sql<{ server_version: string }>`SHOW server_version`.pipe(
          Effect.mapError(storeError("cannot reach the database")),
        )
        const dumped = yield* Effect.tryPromise({
          try: () => dumpPostgres(target.env, payloadPath),
          catch: storeError("cannot back up the database"),
        })
        payload = { migrations, serverVersion: version?.server_version ?? "", ...dumped }
      } else {
        // the transaction holds BatchOps' only connection to PGlite: nothing else runs on it
        // until the copy is done, and the checkpoint puts everything committed in the files
        payload = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              const migrations = yield* appliedMigrations(sql)
              const [version] = yield* sql<{ server_version: string }>`SHOW server_version`
              yield* sql`CHECKPOINT`
              const copied = yield* Effect.tryPromise({
                try: async () => {
                  const tap = new Tap()
                  await pipeline(
                    Readable.from(dataFolderFrames(target.dataDir)),
                    createGzip(),
                    tap,
                    await durableFile(payloadPath),
                  )
                  return { bytes: tap.bytes, sha256: tap.hash.digest("hex") }
                },
                catch: storeError("cannot copy the embedded database"),
              })
              return { migrations, serverVersion: version?.server_version ?? "", ...copied }
            }),
          )
          .pipe(Effect.mapError(storeError("cannot back up the embedded database")))
      }
      const header: BackupHeader = {
        format: "batchops-backup",
        version: 1,
        database: target.kind,
        createdAt,
        migrations: payload.migrations,
        serverVersion: payload.serverVersion,
        payloadBytes: payload.bytes,
        payloadSha256: payload.sha256,
        origin,
      }
      return yield* Effect.tryPromise({
        try: () => writeBackupFile(dir, name, payloadPath, header),
        catch: storeError(`cannot write the backup into ${dir}`),
      })
    })
    return yield* write.pipe(Effect.ensuring(Effect.promise(() => rm(payloadPath, { force: true }))))
  })

/**
 * The host's backups. The database comes from `BackupTarget` (the host provides it from its
 * environment); without one, backups fail saying so rather than guessing.
 */
export const BackupsLayer = Layer.effect(
  Backups,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const target = yield* Effect.serviceOption(BackupTarget)
    return Backups.of({
      create: (dir, origin) =>
        target._tag === "Some"
          ? createBackup(target.value, sql, dir, origin)
          : Effect.fail(
              new StoreError({ message: "backups are not set up on this host: it did not say which database it uses" }),
            ),
      list: (dir) => Effect.tryPromise({ try: () => listBackups(dir), catch: storeError(`cannot list ${dir}`) }),
      remove: (path) =>
        Effect.tryPromise({ try: () => removeBackup(path), catch: storeError(`cannot delete ${path}`) }),
    })
  }),
)

// --- restoring -----------------------------------------------------------------------------------

/** Does the target hold anything a restore would replace? */
export const targetHasData = async (target: BackupTargetShape): Promise<boolean> => {
  if (target.kind === "pglite") {
    const entries = await readdir(target.dataDir).catch(() => [] as Array<string>)
    return entries.some((name) => !NOT_DATA.has(name))
  }
  const exit = await Effect.runPromiseExit(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ tables: number }>`SELECT count(*)::int AS tables FROM pg_catalog.pg_tables
        WHERE schemaname = 'public'`
      return (row?.tables ?? 0) > 0
    }).pipe(Effect.provide(pgLayerFromEnv(target.env, { maxConnections: 1 }))),
  )
  if (exit._tag === "Success") return exit.value
  throw new Error(`cannot reach the database: ${message(Cause.squash(exit.cause))}`)
}

export interface RestoreResult {
  readonly header: BackupHeader
  /** migrations this build has that the backup did not, applied after restoring */
  readonly migrated: ReadonlyArray<number>
}

const migrateWith = async (layer: Layer.Layer<SqlClient.SqlClient, unknown>): Promise<ReadonlyArray<number>> => {
  const exit = await Effect.runPromiseExit(Effect.provide(migrate(), layer))
  if (exit._tag === "Success") return exit.value
  const failure = Cause.squash(exit.cause)
  throw failure instanceof Error ? failure : new Error(`the migrations failed after restoring: ${String(failure)}`)
}

/**
 * Puts the backup in `file` in place of the target's database, then migrates it. The file is
 * checked first; a file of the other database kind is refused, and so is PGlite in use by a
 * running BatchOps. The caller has the person's consent to replace what is there.
 */
export const restoreBackup = async (target: BackupTargetShape, file: string): Promise<RestoreResult> => {
  const { header, offset } = await verifyBackup(file)
  if (header.database !== target.kind) {
    throw new RestoreRefused({
      message:
        `${file} is a backup of ${header.database === "pglite" ? "an embedded (PGlite)" : "a Postgres"} database, ` +
        `but this BatchOps uses ${target.kind === "pglite" ? "the embedded PGlite database" : "Postgres"}`,
    })
  }
  if (target.kind === "postgres") {
    await restorePostgres(target.env, file, offset)
    return { header, migrated: await migrateWith(pgLayerFromEnv(target.env, { maxConnections: 1 })) }
  }
  return { header, migrated: await restorePglite(target.dataDir, file, offset) }
}

/**
 * PGlite: the backup is unpacked beside the data folder, the folders are swapped, and the
 * restored one is opened and migrated; only then is the old one deleted. On a failure the old
 * folder is put back as it was.
 */
const restorePglite = async (dataDir: string, file: string, offset: number): Promise<ReadonlyArray<number>> => {
  const owner = await pgliteInUseBy(dataDir)
  if (owner !== undefined) {
    throw new RestoreRefused({
      message: `the embedded database is in use by a running BatchOps (pid ${owner}); stop it first, then restore`,
    })
  }
  const suffix = `${process.pid}-${Date.now()}`
  const staging = `${dataDir}.restoring-${suffix}`
  const aside = `${dataDir}.before-restore-${suffix}`
  const hadData = await stat(dataDir).then(
    () => true,
    () => false,
  )
  // the restore holds the folder as a running BatchOps would, so none starts on it meanwhile
  // (the lock of a process that is gone, found above, is taken over)
  if (hadData) await writeFile(join(dataDir, "batchops.pid"), String(process.pid))
  await mkdir(dirname(dataDir), { recursive: true })
  try {
    await unpackDataFolder(
      createReadStream(file, { start: offset }).pipe(createGunzip()) as AsyncIterable<Buffer>,
      staging,
    )
    await writeFile(join(staging, "batchops.pid"), String(process.pid))
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    if (hadData) await rm(join(dataDir, "batchops.pid"), { force: true })
    throw error
  }
  if (hadData) await rename(dataDir, aside)
  await rename(staging, dataDir)
  try {
    // PGlite takes the lock over from this process and lets it go when it closes
    const migrated = await migrateWith(pgliteLayer({ dataDir }))
    if (hadData) await rm(aside, { recursive: true, force: true })
    return migrated
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    if (hadData) {
      await rename(aside, dataDir)
      await rm(join(dataDir, "batchops.pid"), { force: true })
    }
    throw error
  }
}
