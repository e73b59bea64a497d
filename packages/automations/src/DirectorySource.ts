/**
 * Ingesting a `directory` department source: the files dropped into its inbox folder, a folder
 * inside the host's inbox folder (`BATCHOPS_INBOX_DIR`). Each file is submitted as an upload
 * through the normal pipeline (`UploadIntake`) and then moved out of the way:
 *
 * - `processed/`: submitted (the upload id is in the run's log and result).
 * - `duplicates/`: the same content was taken from this source's inbox before; it is not
 *   submitted again, and `<name>.duplicate.txt` beside it names the upload it duplicates.
 * - `failed/`: refused (an extension the source does not take, an empty or too large file, a
 *   file the intake refused), with `<name>.error.txt` beside it saying why.
 *
 * Nothing in these folders is ever overwritten: a name already there gets a suffix (`-2`...).
 * Hidden files, temporary names (`*.part`, `*.tmp`, `*.crdownload`, `~$*`, `*~`...), links and
 * subfolders are left alone.
 *
 * "Same content" means the same bytes (sha256) in the same source's inbox: the content is
 * claimed in the automations' ledger (scope `file_ingest:<source id>`, key the sha256) BEFORE
 * it is submitted, in one transaction with the submission and the upload id, so a run that
 * stops half-way leaves no claim behind (the file is taken on the next run), and of two runs
 * that meet the same content exactly one submits it. A file that cannot be moved after it was
 * submitted is never taken twice either: the next run finds its claim and finishes the move.
 * The same file dropped into two departments' inboxes is taken by each (each has its profile
 * and plan, and each department vouches for its copy).
 *
 * A file is taken only once it is stable: its size and modification time have not changed
 * for `stable_seconds` by the automation's clock. That is when its modification time is that
 * old already, or when a run saw it unchanged that long ago (what a run saw is kept in the
 * ledger, scope `file_seen:<source id>`, key the file name, so a file whose time is ahead of
 * the clock, e.g. on a share whose clock runs fast, is still taken). Its size and time are
 * checked again around reading it, so a file that changes while it is read waits too. On a
 * share whose clock runs slow, set `stable_seconds` above the lag.
 *
 * Steps and log lines carry counts and file names, never the contents of a file.
 */
import { createHash } from "node:crypto"
import { constants, type Stats } from "node:fs"
import { copyFile, link, lstat, mkdir, open, readdir, realpath, unlink, writeFile } from "node:fs/promises"
import path from "node:path"
import {
  type AutomationContext,
  AutomationError,
  AutomationLedger,
  AutomationSettings,
  type Models,
  Transactions,
  UploadIntake,
} from "@batchops/core"
import { Clock, Effect, Option, Schema } from "effect"
import { DirectorySettings, type ResolvedDirectorySettings, resolveDirectorySettings } from "./DirectorySettings.js"
import type { SourceIngester } from "./SourceIngester.js"

/** The ledger scope of the contents taken from a source's inbox (key: the sha256). */
export const takenScope = (sourceId: string): string => `file_ingest:${sourceId}`
/** The ledger scope of what the runs saw of a source's files that were not stable yet (key: the name). */
export const seenScope = (sourceId: string): string => `file_seen:${sourceId}`

export const PROCESSED = "processed"
export const FAILED = "failed"
export const DUPLICATES = "duplicates"

/** Names a writer uses while the file is not complete, and names that are not files for us. */
const TEMPORARY = [/^\./, /^~\$/, /~$/, /\.(part|partial|tmp|temp|crdownload|download|swp|lock)$/i]

/** Not a file to take: hidden, or a temporary name of a copy or an editor. */
export const isIgnoredName = (name: string): boolean => TEMPORARY.some((pattern) => pattern.test(name))

/** A file system error, short: "EACCES: permission denied, open '...'" */
const why = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const errorCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : undefined

/** A file could not be handled this run (it stays where it is); the source fails at the end, naming it. */
class FileTrouble extends Schema.TaggedError<FileTrouble>()("FileTrouble", { message: Schema.String }) {}

const fs = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (cause) => new FileTrouble({ message: `cannot ${what}: ${why(cause)}` }) })

/** `child` is strictly inside `parent` (both absolute, normalized). */
const isInside = (parent: string, child: string): boolean => {
  const relative = path.relative(parent, child)
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative)
}

const exists = async (file: string): Promise<boolean> => {
  try {
    await lstat(file)
    return true
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
}

/**
 * The source's folder, made when missing (with `processed/`, `failed/` and `duplicates/`), as
 * its real path. Refused when it resolves outside the inbox folder, also through a link on
 * the way, or when one of its folders is not a plain folder.
 */
const sourceFolder = (inboxDir: string, relative: string) =>
  Effect.gen(function* () {
    const root = path.resolve(inboxDir)
    const target = path.resolve(root, relative)
    if (!isInside(root, target)) {
      return yield* new FileTrouble({ message: `the folder "${relative}" is not inside the inbox folder` })
    }
    yield* fs("create the inbox folder (BATCHOPS_INBOX_DIR)", () => mkdir(root, { recursive: true }))
    const realRoot = yield* fs("resolve the inbox folder (BATCHOPS_INBOX_DIR)", () => realpath(root))
    // the deepest part that exists already must be inside the inbox, or mkdir would follow a
    // link out of it
    let existing = target
    while (!(yield* fs(`look at ${path.relative(root, existing) || "the inbox folder"}`, () => exists(existing)))) {
      existing = path.dirname(existing)
    }
    const realExisting = yield* fs(`resolve the folder "${relative}"`, () => realpath(existing))
    if (realExisting !== realRoot && !isInside(realRoot, realExisting)) {
      return yield* new FileTrouble({
        message: `the folder "${relative}" leads outside the inbox folder (through a link)`,
      })
    }
    yield* fs(`create the folder "${relative}"`, () => mkdir(target, { recursive: true }))
    const folder = yield* fs(`resolve the folder "${relative}"`, () => realpath(target))
    if (!isInside(realRoot, folder)) {
      return yield* new FileTrouble({
        message: `the folder "${relative}" leads outside the inbox folder (through a link)`,
      })
    }
    const info = yield* fs(`look at the folder "${relative}"`, () => lstat(folder))
    if (!info.isDirectory()) return yield* new FileTrouble({ message: `"${relative}" is not a folder` })
    for (const sub of [PROCESSED, FAILED, DUPLICATES]) {
      const place = path.join(folder, sub)
      yield* fs(`create ${relative}/${sub}/`, () => mkdir(place, { recursive: true }))
      const stats = yield* fs(`look at ${relative}/${sub}/`, () => lstat(place))
      if (!stats.isDirectory()) {
        return yield* new FileTrouble({ message: `${relative}/${sub} must be a folder (it is a file or a link)` })
      }
    }
    return folder
  })

interface Candidate {
  readonly name: string
  readonly size: number
  readonly mtimeMs: number
}

const mtimeOf = (stats: Stats): number => Math.trunc(stats.mtimeMs)

/** The regular files directly in the folder that are not hidden or temporary, by name. */
const candidates = (folder: string) =>
  Effect.gen(function* () {
    const entries = yield* fs("list the folder", () => readdir(folder, { withFileTypes: true }))
    const found: Array<Candidate> = []
    for (const entry of entries.filter((e) => e.isFile() && !isIgnoredName(e.name))) {
      // gone meanwhile (taken by another run, removed by a person): not ours any more
      const stats = yield* Effect.option(fs(`look at ${entry.name}`, () => lstat(path.join(folder, entry.name))))
      if (Option.isSome(stats) && stats.value.isFile()) {
        found.push({ name: entry.name, size: stats.value.size, mtimeMs: mtimeOf(stats.value) })
      }
    }
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  })

/** `name` with `-<n>` before its extension (`grades-2.csv`); n = 1 is the name itself. */
const numbered = (name: string, n: number): string => {
  if (n === 1) return name
  const extension = path.extname(name)
  const stem = extension === "" || extension === name ? name : name.slice(0, -extension.length)
  return `${stem}-${n}${extension === name ? "" : extension}`
}

interface MoveOptions {
  /** the suffix of the note that goes beside the file: its name must be free too */
  readonly noteSuffix?: string | undefined
  /**
   * when another run moved the same file at the same moment: keep this copy too (the run that
   * submitted it), or drop it (a duplicate or a refusal, which the other run's move covers)
   */
  readonly raced: "keep" | "drop"
}

/**
 * Moves `from` into `folder` under its name, or a numbered one when that is taken (together
 * with its note, when there is one): a hard link made only when the name is free, then the
 * old name removed, so nothing there is ever overwritten. Where links are not supported, an
 * exclusive copy instead. Returns the name it got, or null when the file left the inbox
 * meanwhile (another run took it, a person removed it).
 */
const moveInto = (from: string, folder: string, name: string, options: MoveOptions) =>
  fs(`move ${name} into ${path.basename(folder)}/`, async (): Promise<string | null> => {
    const gone = async (error: unknown) => errorCode(error) === "ENOENT" && !(await exists(from))
    for (let n = 1; n <= 10_000; n++) {
      const candidate = numbered(name, n)
      const destination = path.join(folder, candidate)
      if (options.noteSuffix !== undefined && (await exists(`${destination}${options.noteSuffix}`))) continue
      try {
        await link(from, destination)
      } catch (error) {
        const code = errorCode(error)
        if (code === "EEXIST") continue
        if (await gone(error)) return null
        if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "EXDEV") throw error
        try {
          await copyFile(from, destination, constants.COPYFILE_EXCL)
        } catch (copyError) {
          if (errorCode(copyError) === "EEXIST") continue
          if (await gone(copyError)) return null
          throw copyError
        }
      }
      try {
        await unlink(from)
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error
        if (options.raced === "keep") return candidate
        await unlink(destination).catch(() => undefined)
        return null
      }
      return candidate
    }
    throw new Error(`${path.basename(folder)}/ holds 10000 files named like ${name} already`)
  })

/** Writes a note that must not replace another (a numbered name when the name is taken). */
const writeNote = (file: string, text: string) =>
  fs(`write ${path.basename(file)}`, async () => {
    for (let n = 1; n <= 100; n++) {
      const target = n === 1 ? file : `${file}.${n}`
      try {
        await writeFile(target, text, { flag: "wx" })
        return path.basename(target)
      } catch (error) {
        if (errorCode(error) !== "EEXIST") throw error
      }
    }
    throw new Error("too many notes of that name")
  })

type Read =
  | { readonly _tag: "read"; readonly bytes: Uint8Array }
  /** its size or time differ from what was listed, or changed while it was read */
  | { readonly _tag: "changed" }
  /** it left the inbox since it was listed */
  | { readonly _tag: "gone" }

/** The file's bytes, when it is still what was listed. */
const readIfUnchanged = (file: string, seen: Candidate) =>
  fs(`read ${seen.name}`, async (): Promise<Read> => {
    let handle: Awaited<ReturnType<typeof open>>
    try {
      handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
    } catch (error) {
      if (errorCode(error) === "ENOENT") return { _tag: "gone" }
      throw error
    }
    try {
      const before = await handle.stat()
      if (!before.isFile() || before.size !== seen.size || mtimeOf(before) !== seen.mtimeMs) return { _tag: "changed" }
      const data = await handle.readFile()
      const after = await handle.stat()
      if (after.size !== seen.size || mtimeOf(after) !== seen.mtimeMs || data.byteLength !== seen.size) {
        return { _tag: "changed" }
      }
      return { _tag: "read", bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }
    } finally {
      await handle.close()
    }
  })

/** What happened to one file this run. */
type FileOutcome =
  | { readonly _tag: "submitted"; readonly name: string; readonly uploadId: string; readonly movedAs?: string }
  | { readonly _tag: "duplicate"; readonly name: string; readonly uploadId: string | null; readonly movedAs: string }
  | { readonly _tag: "failed"; readonly name: string; readonly reason: string; readonly movedAs: string }
  | { readonly _tag: "waiting"; readonly name: string }
  /** it left the inbox while this run looked at it (another run took it, a person removed it) */
  | { readonly _tag: "gone"; readonly name: string }
  | { readonly _tag: "trouble"; readonly name: string; readonly message: string }

interface SeenData {
  readonly size: number
  readonly mtime_ms: number
  /** when a run first saw the file with this size and time (ISO-8601, the automation's clock) */
  readonly since: string
}

const storeTrouble = (what: string) => (error: { readonly message: string }) =>
  new FileTrouble({ message: `cannot ${what}: ${error.message}` })

/**
 * Whether the file is stable at `now`: its time is `stable` ms old, or a run saw it unchanged
 * `stable` ms ago. Records what this run saw when it is not.
 */
const isStable = (sourceId: string, file: Candidate, now: number, stableMs: number, runId: string) =>
  Effect.gen(function* () {
    if (stableMs === 0 || (file.mtimeMs <= now && now - file.mtimeMs >= stableMs)) return true
    const ledger = yield* AutomationLedger
    const scope = seenScope(sourceId)
    const data: SeenData = { size: file.size, mtime_ms: file.mtimeMs, since: new Date(now).toISOString() }
    const entry = yield* ledger.get(scope, file.name).pipe(Effect.mapError(storeTrouble("read what was seen")))
    if (Option.isNone(entry)) {
      yield* ledger
        .claim({ scope, key: file.name, jobRunId: runId, data: { ...data } })
        .pipe(Effect.mapError(storeTrouble("record what was seen")))
      return false
    }
    const before = entry.value.data as Partial<SeenData>
    if (before.size === file.size && before.mtime_ms === file.mtimeMs && typeof before.since === "string") {
      return now - Date.parse(before.since) >= stableMs
    }
    yield* ledger.annotate(scope, file.name, { ...data }).pipe(Effect.mapError(storeTrouble("record what was seen")))
    return false
  })

interface Ingest {
  readonly source: Models.DepartmentSource
  readonly settings: ResolvedDirectorySettings
  readonly folder: string
  readonly now: number
  readonly context: AutomationContext
}

const failedNote = (ingest: Ingest, name: string, reason: string) =>
  [
    `${name} was not taken from the inbox of ${ingest.source.code} (${ingest.source.name}) at ${new Date(ingest.now).toISOString()}.`,
    "",
    `Why: ${reason}`,
    "",
    "What to do: correct the file and drop it into the inbox folder again; it is taken on the next run.",
    "",
  ].join("\n")

const duplicateNote = (ingest: Ingest, name: string, sha256: string, earlier: Readonly<Record<string, unknown>>) =>
  [
    `${name} was not submitted: its content is the same as a file taken from the inbox of ${ingest.source.code} ` +
      `(${ingest.source.name}) before${typeof earlier.file === "string" ? ` (${earlier.file})` : ""}` +
      `${typeof earlier.upload_id === "string" ? `, upload ${earlier.upload_id}` : ""}.`,
    "",
    `Content fingerprint (sha256): ${sha256}`,
    "",
    "Nothing is lost: to process this content again anyway, upload the file on the uploads page.",
    "",
  ].join("\n")

/** Moves a refused file to failed/ with its note. */
const refuse = (ingest: Ingest, file: Candidate, reason: string) =>
  Effect.gen(function* () {
    const from = path.join(ingest.folder, file.name)
    const failedDir = path.join(ingest.folder, FAILED)
    const movedAs = yield* moveInto(from, failedDir, file.name, { noteSuffix: ".error.txt", raced: "drop" })
    if (movedAs === null) return { _tag: "gone", name: file.name } as FileOutcome
    yield* writeNote(path.join(failedDir, `${movedAs}.error.txt`), failedNote(ingest, file.name, reason)).pipe(
      Effect.catch((error) => ingest.context.log(`${ingest.source.code}: ${error.message}`)),
    )
    return { _tag: "failed", name: file.name, reason, movedAs } as FileOutcome
  })

/** Takes one listed file: waits while it is not stable, else refuses, skips or submits it. */
const takeFile = (ingest: Ingest, file: Candidate) =>
  Effect.gen(function* () {
    const { source, settings, folder, now, context } = ingest
    const stable = yield* isStable(source.id, file, now, settings.stableSeconds * 1000, context.runId)
    if (!stable) return { _tag: "waiting", name: file.name } as FileOutcome

    const extension = path.extname(file.name).slice(1).toLowerCase()
    if (extension === "" || !settings.extensions.includes(extension)) {
      const taken = settings.extensions.map((e) => `.${e}`).join(", ")
      return yield* refuse(
        ingest,
        file,
        extension === ""
          ? `the file has no extension; this inbox takes ${taken} files`
          : `this inbox does not take .${extension} files (it takes ${taken})`,
      )
    }
    if (file.size === 0) return yield* refuse(ingest, file, "the file is empty (0 bytes)")
    if (file.size > settings.maxBytes) {
      return yield* refuse(
        ingest,
        file,
        `the file is ${file.size} bytes, more than this inbox takes (${settings.maxBytes} bytes, settings.max_bytes)`,
      )
    }

    const from = path.join(folder, file.name)
    const read = yield* readIfUnchanged(from, file)
    if (read._tag === "gone") return { _tag: "gone", name: file.name } as FileOutcome
    // it changed since it was listed: it is being written after all (the next run sees its
    // new size or time, which starts its wait again)
    if (read._tag === "changed") return { _tag: "waiting", name: file.name } as FileOutcome
    const bytes = read.bytes
    const sha256 = createHash("sha256").update(bytes).digest("hex")
    const ledger = yield* AutomationLedger
    const intake = yield* UploadIntake
    const tx = yield* Transactions
    const scope = takenScope(source.id)

    // claim, submit and record the upload in one transaction: a refusal or a stop half-way
    // leaves no claim, and a second run claiming the same content waits for this one
    const taken = yield* Effect.result(
      tx.withTransaction(
        Effect.gen(function* () {
          const claimed = yield* ledger.claim({
            scope,
            key: sha256,
            jobRunId: context.runId,
            data: { file: file.name },
          })
          if (!claimed) {
            const entry = yield* ledger.get(scope, sha256)
            const earlier: Readonly<Record<string, unknown>> = Option.isSome(entry) ? entry.value.data : {}
            return { claimed: false as const, earlier }
          }
          const receipt = yield* intake.submit({
            fileName: file.name,
            bytes,
            profile: settings.profile,
            plan: settings.plan,
            uploadedBy: null,
          })
          yield* ledger.annotate(scope, sha256, { file: file.name, upload_id: receipt.uploadId, moved: false })
          return { claimed: true as const, uploadId: receipt.uploadId }
        }),
      ),
    )
    if (taken._tag === "Failure") {
      const error = taken.failure
      if (error._tag === "IntakeRefused") return yield* refuse(ingest, file, error.message)
      return { _tag: "trouble", name: file.name, message: `cannot submit it: ${error.message}` } as FileOutcome
    }

    if (!taken.success.claimed) {
      const earlier = taken.success.earlier
      const uploadId = typeof earlier.upload_id === "string" ? earlier.upload_id : null
      // the file a run submitted but could not move: finish its move rather than call it a copy
      if (earlier.file === file.name && earlier.moved === false && uploadId !== null) {
        const movedAs = yield* moveInto(from, path.join(folder, PROCESSED), file.name, { raced: "drop" })
        if (movedAs === null) return { _tag: "gone", name: file.name } as FileOutcome
        yield* ledger.annotate(scope, sha256, { ...earlier, moved: true }).pipe(Effect.ignore)
        return { _tag: "submitted", name: file.name, uploadId, movedAs } as FileOutcome
      }
      const duplicatesDir = path.join(folder, DUPLICATES)
      const movedAs = yield* moveInto(from, duplicatesDir, file.name, { noteSuffix: ".duplicate.txt", raced: "drop" })
      if (movedAs === null) return { _tag: "gone", name: file.name } as FileOutcome
      yield* writeNote(
        path.join(duplicatesDir, `${movedAs}.duplicate.txt`),
        duplicateNote(ingest, file.name, sha256, earlier),
      ).pipe(Effect.catch((error) => context.log(`${source.code}: ${error.message}`)))
      return { _tag: "duplicate", name: file.name, uploadId, movedAs } as FileOutcome
    }

    const uploadId = taken.success.uploadId
    const moved = yield* Effect.result(moveInto(from, path.join(folder, PROCESSED), file.name, { raced: "keep" }))
    if (moved._tag === "Failure") {
      // submitted all the same: its claim keeps it from being submitted again
      return {
        _tag: "trouble",
        name: file.name,
        message: `submitted as upload ${uploadId}, but ${moved.failure.message}; it will not be submitted again`,
      } as FileOutcome
    }
    yield* ledger.annotate(scope, sha256, { file: file.name, upload_id: uploadId, moved: true }).pipe(Effect.ignore)
    return { _tag: "submitted", name: file.name, uploadId, movedAs: moved.success ?? undefined } as FileOutcome
  }).pipe(
    Effect.tap((outcome) =>
      // what was seen of a file no longer there is of no use
      outcome._tag === "waiting" || outcome._tag === "trouble"
        ? Effect.void
        : Effect.gen(function* () {
            const ledger = yield* AutomationLedger
            yield* Effect.ignore(ledger.release(seenScope(ingest.source.id), file.name))
          }),
    ),
    Effect.catchTag("FileTrouble", (error) =>
      Effect.succeed({ _tag: "trouble", name: file.name, message: error.message } as FileOutcome),
    ),
  )

const describe = (code: string, outcome: FileOutcome): string => {
  switch (outcome._tag) {
    case "submitted":
      return outcome.movedAs === undefined
        ? `${code}: ${outcome.name} submitted as upload ${outcome.uploadId} (it left the inbox meanwhile)`
        : `${code}: ${outcome.name} submitted as upload ${outcome.uploadId}, moved to ${PROCESSED}/${outcome.movedAs}`
    case "duplicate":
      return (
        `${code}: ${outcome.name} has the same content as a file taken before` +
        `${outcome.uploadId === null ? "" : ` (upload ${outcome.uploadId})`}: not submitted, moved to ${DUPLICATES}/${outcome.movedAs}`
      )
    case "failed":
      return `${code}: ${outcome.name} refused (${outcome.reason}): moved to ${FAILED}/${outcome.movedAs}`
    case "waiting":
      return `${code}: ${outcome.name} is still changing or not yet stable: left for a later run`
    case "gone":
      return `${code}: ${outcome.name} left the inbox meanwhile (taken by another run or removed): nothing to do`
    case "trouble":
      return `${code}: ${outcome.name}: ${outcome.message}`
  }
}

export const ingestDirectorySource: SourceIngester = (source, context) =>
  Effect.gen(function* () {
    const decoded = yield* Schema.decodeUnknownEffect(DirectorySettings)(source.settings).pipe(
      Effect.mapError(
        (error) => new AutomationError({ message: `source ${source.code}: invalid settings: ${error.message}` }),
      ),
    )
    const settings = resolveDirectorySettings(decoded)
    const { inboxDir } = yield* AutomationSettings
    const folder = yield* sourceFolder(inboxDir, settings.path).pipe(
      Effect.mapError((error) => new AutomationError({ message: `source ${source.code}: ${error.message}` })),
    )
    const files = yield* candidates(folder).pipe(
      Effect.mapError(
        (error) => new AutomationError({ message: `source ${source.code}: ${settings.path}: ${error.message}` }),
      ),
    )
    const now = yield* Clock.currentTimeMillis
    const ingest: Ingest = { source, settings, folder, now, context }

    const outcomes: Array<FileOutcome> = []
    for (const file of files) {
      const outcome = yield* takeFile(ingest, file)
      outcomes.push(outcome)
      yield* context.log(describe(source.code, outcome))
    }
    const count = (tag: FileOutcome["_tag"]) => outcomes.filter((outcome) => outcome._tag === tag).length
    const result = {
      folder: settings.path,
      files: files.length,
      submitted: count("submitted"),
      duplicates: count("duplicate"),
      failed: count("failed"),
      waiting: count("waiting"),
      gone: count("gone"),
      uploads: outcomes.flatMap((outcome) => (outcome._tag === "submitted" ? [outcome.uploadId] : [])),
    }
    yield* context.log(
      `${source.code}: ${files.length === 0 ? "no files in the inbox" : `${files.length} files`}: ` +
        `${result.submitted} submitted, ${result.duplicates} duplicates, ${result.failed} refused, ` +
        `${result.waiting} not yet stable`,
    )
    const troubles = outcomes.filter((outcome) => outcome._tag === "trouble")
    if (troubles.length > 0) {
      return yield* new AutomationError({
        message:
          `source ${source.code}: ${troubles.length} of ${files.length} files could not be handled: ` +
          troubles.map((outcome) => `${outcome.name} (${outcome.message})`).join("; "),
      })
    }
    return result
  })
