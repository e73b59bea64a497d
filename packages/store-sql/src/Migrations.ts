/**
 * A migrator over `SqlClient` for the plain `.sql` files of the repository's `migrations/` folder.
 *
 * - Files are named `NNNN_name.sql`; they apply in version order, each in its own transaction,
 *   and each applied file is recorded in `batchops_migrations` with the SHA-256 of its text.
 * - A second run applies nothing.
 * - The run refuses to start when the database holds a version this build does not know, or a
 *   known version whose file text changed since it was applied.
 * - Concurrent runs are serialised by a transaction-scoped advisory lock
 *   (`pg_advisory_xact_lock`) taken at the start of every migration transaction; the applied set
 *   is re-read under the lock, so a file another process applied meanwhile is skipped.
 */
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { readdir, readFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Schema } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/** The key of the advisory lock every migration transaction takes (an arbitrary constant). */
export const MIGRATION_LOCK_KEY = 7_310_274_112

/** One migration file. */
export interface MigrationFile {
  readonly version: number
  readonly name: string
  readonly sql: string
  readonly checksum: string
}

/** The migrations could not be read, or the database does not match them. */
export class MigrationError extends Schema.TaggedError<MigrationError>()("MigrationError", {
  message: Schema.String,
  reason: Schema.Literals(["UnknownVersion", "ChecksumMismatch", "InvalidFiles", "ReadFailed", "StatementFailed"]),
  version: Schema.optional(Schema.Number),
}) {}

export interface MigrateOptions {
  /** the folder holding the `.sql` files; defaults to the repository's `migrations/` */
  readonly directory?: string | undefined
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/

const here = dirname(fileURLToPath(import.meta.url))

/** The folder of the installed `@batchops/store-sql`, also when this code is bundled into another package. */
const installedPackage = (): Array<string> => {
  try {
    return [resolve(dirname(createRequire(import.meta.url).resolve("@batchops/store-sql/package.json")), "migrations")]
  } catch {
    return []
  }
}

/**
 * The migrations folder: `<package>/migrations` when shipped inside the package (found from this
 * file, or through the installed package when the `batchops` command bundles this code),
 * otherwise the repository's `migrations/` (two levels above the package).
 */
export const defaultMigrationsDirectory = (): string => {
  const candidates = [
    resolve(here, "..", "migrations"),
    ...installedPackage(),
    resolve(here, "..", "..", "..", "migrations"),
  ]
  return candidates.find((dir) => existsSync(dir)) ?? candidates[candidates.length - 1]!
}

export const checksum = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/** Reads and orders the migration files; fails on duplicate versions or stray names. */
export const loadMigrations = (directory: string = defaultMigrationsDirectory()) =>
  Effect.gen(function* () {
    const names = yield* Effect.tryPromise({
      try: () => readdir(directory),
      catch: (cause) =>
        new MigrationError({ reason: "ReadFailed", message: `cannot read migrations folder ${directory}: ${cause}` }),
    })
    const files: Array<MigrationFile> = []
    for (const file of names.filter((n) => n.endsWith(".sql")).sort()) {
      const match = FILE_NAME.exec(file)
      if (match === null) {
        return yield* new MigrationError({
          reason: "InvalidFiles",
          message: `migration file ${file} is not named NNNN_name.sql`,
        })
      }
      const text = yield* Effect.tryPromise({
        try: () => readFile(join(directory, file), "utf8"),
        catch: (cause) => new MigrationError({ reason: "ReadFailed", message: `cannot read ${file}: ${cause}` }),
      })
      files.push({ version: Number(match[1]), name: match[2]!, sql: text, checksum: checksum(text) })
    }
    files.sort((a, b) => a.version - b.version)
    for (let i = 1; i < files.length; i++) {
      if (files[i]!.version === files[i - 1]!.version) {
        return yield* new MigrationError({
          reason: "InvalidFiles",
          version: files[i]!.version,
          message: `two migration files have version ${files[i]!.version}`,
        })
      }
    }
    return files
  })

/**
 * Splits a SQL script into statements at top-level `;`, respecting quotes, dollar quotes and
 * comments (the extended protocol the client speaks runs one statement at a time).
 */
export const splitStatements = (script: string): Array<string> => {
  const out: Array<string> = []
  let start = 0
  let i = 0
  const n = script.length
  while (i < n) {
    const c = script[i]!
    const next = script[i + 1]
    if (c === "-" && next === "-") {
      const end = script.indexOf("\n", i)
      i = end === -1 ? n : end + 1
    } else if (c === "/" && next === "*") {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (script[i] === "/" && script[i + 1] === "*") {
          depth++
          i += 2
        } else if (script[i] === "*" && script[i + 1] === "/") {
          depth--
          i += 2
        } else i++
      }
    } else if (c === "'" || c === '"') {
      i++
      while (i < n) {
        if (script[i] === c) {
          if (script[i + 1] === c) i += 2
          else {
            i++
            break
          }
        } else i++
      }
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_][A-Za-z0-9_]*\$|^\$\$/.exec(script.slice(i))
      if (tag === null) i++
      else {
        const end = script.indexOf(tag[0], i + tag[0].length)
        i = end === -1 ? n : end + tag[0].length
      }
    } else if (c === ";") {
      out.push(script.slice(start, i))
      i++
      start = i
    } else i++
  }
  out.push(script.slice(start))
  return out.filter((s) => splitStatements.hasCode(s)).map((s) => s.trim())
}
/** true when a fragment holds more than whitespace and comments */
splitStatements.hasCode = (fragment: string): boolean =>
  fragment
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/--[^\n]*/g, "")
    .trim().length > 0

interface AppliedRow {
  readonly version: number
  readonly name: string
  readonly checksum: string
}

const verify = (files: ReadonlyArray<MigrationFile>, applied: ReadonlyArray<AppliedRow>) =>
  Effect.gen(function* () {
    const known = new Map(files.map((f) => [f.version, f]))
    for (const row of applied) {
      const file = known.get(Number(row.version))
      if (file === undefined) {
        return yield* new MigrationError({
          reason: "UnknownVersion",
          version: Number(row.version),
          message:
            `the database has migration ${row.version} (${row.name}) that this build does not know; ` +
            "refusing to migrate (is an older build running against a newer database?)",
        })
      }
      if (file.checksum !== row.checksum) {
        return yield* new MigrationError({
          reason: "ChecksumMismatch",
          version: file.version,
          message:
            `migration ${file.version} (${file.name}) changed after it was applied ` +
            `(database checksum ${row.checksum}, file checksum ${file.checksum}); ` +
            "refusing to migrate: add a new migration instead of editing an applied one",
        })
      }
    }
  })

/**
 * Applies the pending migrations and returns the versions this call applied (empty when the
 * database was already up to date).
 */
export const migrate = (
  options: MigrateOptions = {},
): Effect.Effect<ReadonlyArray<number>, MigrationError | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const files = yield* loadMigrations(options.directory)
    const lock = sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
    const readApplied = sql<AppliedRow>`SELECT version, name, checksum FROM batchops_migrations ORDER BY version`

    const pending = yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* lock
        yield* sql`CREATE TABLE IF NOT EXISTS batchops_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`
        const applied = yield* readApplied
        yield* verify(files, applied)
        const done = new Set(applied.map((row) => Number(row.version)))
        return files.filter((f) => !done.has(f.version))
      }),
    )

    const appliedNow: Array<number> = []
    for (const file of pending) {
      const ran = yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* lock
          // another process may have applied (or changed) migrations while we waited
          const applied = yield* readApplied
          yield* verify(files, applied)
          if (applied.some((row) => Number(row.version) === file.version)) return false
          for (const statement of splitStatements(file.sql)) {
            yield* sql.unsafe(statement).pipe(
              Effect.mapError(
                (error) =>
                  new MigrationError({
                    reason: "StatementFailed",
                    version: file.version,
                    message: `migration ${file.version} (${file.name}) failed: ${error.message}\n${statement}`,
                  }),
              ),
            )
          }
          yield* sql`INSERT INTO batchops_migrations (version, name, checksum)
            VALUES (${file.version}, ${file.name}, ${file.checksum})`
          return true
        }),
      )
      if (ran) appliedNow.push(file.version)
    }
    return appliedNow
  }).pipe(Effect.withSpan("batchops.migrate"))
