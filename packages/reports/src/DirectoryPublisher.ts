/**
 * A ReportPublisher that writes the reports of each run to a directory:
 *
 * - summary output: `<base>.summary.csv` and `<base>.summary.pdf`
 * - dataset output: `<base>.processed.csv` (the rows, streamed to disk as they come) and `<base>.processed.pdf`
 * - when some problem names a row: `<base>.rejected.csv`
 *
 * where `<base>` is the source file's name without its extension. By default each run writes
 * into a folder of its own inside the directory (`<start time>-<random>`, e.g.
 * `20240501T090002Z-3fa9c1d2e4b7`), so two runs of files with the same name never touch each other's
 * reports, and the paths a run answers say where its reports are. `layout: "flat"` writes
 * straight into the directory, for a directory that belongs to one run at a time (a command's
 * `--out`, a host's folder per upload). Everything is written to hidden temporary files first
 * (`.<name>.tmp-<random>`) and renamed when the run finishes, so a failed run never leaves
 * half-written reports behind.
 */
import { randomBytes } from "node:crypto"
import { type FileHandle, mkdir, open, rename, rm, rmdir, writeFile } from "node:fs/promises"
import path from "node:path"
import {
  fileErrorReason,
  PublishError,
  type PublishedReports,
  type PublishRequest,
  type PublishResult,
  type PublishSession,
  ReportPublisher,
  type Row,
} from "@batchops/core"
import { Effect, Layer } from "effect"
import { BOM, csvLine, rejectedProblems, rejectedRowsCsv, summaryCsv } from "./CsvFormat.js"
import { renderPdf } from "./PdfReport.js"

/** Where in the output directory a run's reports go (see the module's description). */
export type Layout = "run-folders" | "flat"

export interface DirectoryOptions {
  /**
   * "run-folders" (the default): each run's reports in a new folder of their own, so runs never
   * collide; "flat": straight into the directory, named after the file, where a later run of
   * the same file replaces them and a run of the same name at the same moment is refused.
   */
  readonly layout?: Layout | undefined
}

/** `20240501T090002Z`: a run's start, as the first part of its folder's name. */
const compactTime = (at: Date): string =>
  Number.isNaN(at.getTime())
    ? "run"
    : at
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z")

/** How many names a run tries for its folder before it gives up (each has 48 random bits). */
const FOLDER_TRIES = 5

/** Creates the run's own folder inside `outDir` (never one that exists) and answers its path. */
const makeRunFolder = async (outDir: string, startedAt: Date): Promise<string> => {
  await mkdir(outDir, { recursive: true })
  for (let attempt = 1; ; attempt++) {
    const dir = path.join(outDir, `${compactTime(startedAt)}-${randomBytes(6).toString("hex")}`)
    try {
      await mkdir(dir)
      return dir
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= FOLDER_TRIES) throw error
    }
  }
}

/**
 * The flat reports being written at this moment, by directory and base name: a second run of
 * the same name into the same directory is refused rather than let to overwrite the first.
 */
const flatInUse = new Set<string>()

/** The names of a run's report files inside the output directory. */
export interface ReportNames {
  readonly csv: string
  readonly pdf: string
  readonly rejected: string
}

/** The report file names for a source file and an output kind. */
export const reportNames = (fileName: string, output: PublishRequest["output"]): ReportNames => {
  const base = baseName(fileName)
  const kind = output === "summary" ? "summary" : "processed"
  return { csv: `${base}.${kind}.csv`, pdf: `${base}.${kind}.pdf`, rejected: `${base}.rejected.csv` }
}

/** The source file's name without folders and without its last extension ("report" when nothing is left). */
export const baseName = (fileName: string): string => {
  const name = path.basename(fileName.replaceAll("\\", "/"))
  const ext = path.extname(name)
  const base = ext === "" || ext === name ? name : name.slice(0, -ext.length)
  return base === "" || base === "." || base === ".." ? "report" : base
}

/** How writing reports words the file system errors that read differently here than in general. */
const WORDING: Readonly<Record<string, string>> = {
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "a directory with that name is in the way",
  ENOENT: "the directory does not exist",
}

/** Words for an operator from a Node.js file system error. */
export const describeError = (error: unknown): string => fileErrorReason(error, WORDING)

/** A PublishError saying which directory could not be written and why (a PublishError passes through). */
export const toPublishError = (outDir: string, error: unknown): PublishError =>
  error instanceof PublishError
    ? error
    : new PublishError({ message: `cannot write reports to ${outDir}: ${describeError(error)}` })

/** Flush the dataset buffer to disk once it holds this many characters. */
const FLUSH_AT = 256 * 1024

/** A file being written under a temporary name, renamed to its final name on commit. */
interface PendingFile {
  readonly temp: string
  readonly final: string
}

const tempPath = (dir: string, name: string): string => path.join(dir, `.${name}.tmp-${randomBytes(6).toString("hex")}`)

/** The dataset CSV being streamed to a temporary file, with a small buffer in front of it. */
class DatasetWriter {
  private buffer = ""
  private closed = false

  constructor(
    private readonly handle: FileHandle,
    private readonly width: number,
  ) {}

  async append(rows: ReadonlyArray<Row>): Promise<void> {
    for (const row of rows) {
      const cells =
        row.cells.length === this.width ? row.cells : Array.from({ length: this.width }, (_, i) => row.cells[i])
      this.buffer += csvLine(cells)
      // Waiting for the disk here is the backpressure: the caller's next batch comes after it.
      if (this.buffer.length >= FLUSH_AT) await this.flush()
    }
  }

  async flush(): Promise<void> {
    if (this.buffer === "") return
    const text = this.buffer
    this.buffer = ""
    await this.handle.write(text, null, "utf8")
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    try {
      await this.flush()
    } finally {
      await this.handle.close()
    }
  }

  async discard(): Promise<void> {
    this.buffer = ""
    if (this.closed) return
    this.closed = true
    await this.handle.close().catch(() => undefined)
  }
}

type State = "open" | "finishing" | "finished" | "aborted"

/** One run's publishing session (see {@link make}). */
class DirectorySession {
  private state: State = "open"
  private readonly temps = new Set<string>()
  private dataset: DatasetWriter | undefined
  private datasetFile: PendingFile | undefined
  private pending: Promise<void> = Promise.resolve()

  /** where this run's files go: outDir itself (flat) or the run's folder inside it */
  private dir: string
  /** the flat name this run holds (see flatInUse) */
  private claimed: string | undefined
  /** the run's folder, made by this run, removed again when the run is aborted */
  private runFolder: string | undefined

  constructor(
    private readonly outDir: string,
    private readonly request: PublishRequest,
    private readonly names: ReportNames,
    private readonly layout: Layout,
  ) {
    this.dir = outDir
  }

  /** Runs file work one step after another, even if a caller does not wait. */
  private serial<A>(work: () => Promise<A>): Promise<A> {
    const next = this.pending.then(work)
    this.pending = next.then(
      () => undefined,
      () => undefined,
    )
    return next
  }

  async start(): Promise<void> {
    if (this.layout === "flat") {
      const key = path.join(path.resolve(this.outDir), baseName(this.request.fileName))
      if (flatInUse.has(key)) {
        throw new PublishError({
          message:
            `cannot write reports to ${this.outDir}: another run is writing the reports of a file named ` +
            `${baseName(this.request.fileName)} there at this moment (give each run a folder of its own)`,
        })
      }
      flatInUse.add(key)
      this.claimed = key
      await mkdir(this.outDir, { recursive: true })
    } else {
      this.runFolder = await makeRunFolder(this.outDir, this.request.startedAt)
      this.dir = this.runFolder
    }
    if (this.request.output === "dataset") {
      const file: PendingFile = {
        temp: tempPath(this.dir, this.names.csv),
        final: path.join(this.dir, this.names.csv),
      }
      this.temps.add(file.temp)
      const handle = await open(file.temp, "wx")
      this.dataset = new DatasetWriter(handle, this.request.columns.length)
      this.datasetFile = file
      await handle.write(BOM + csvLine(this.request.columns), null, "utf8")
    }
  }

  writeRows(rows: ReadonlyArray<Row>): Promise<void> {
    return this.serial(async () => {
      if (this.state !== "open")
        throw new PublishError({ message: `cannot write rows: the reports were already ${this.state}` })
      // Rows only make the published CSV of a dataset output; a summary output ignores them.
      if (this.dataset !== undefined && rows.length > 0) await this.dataset.append(rows)
    })
  }

  private async writeTemp(name: string, data: string | Uint8Array): Promise<PendingFile> {
    const file: PendingFile = { temp: tempPath(this.dir, name), final: path.join(this.dir, name) }
    this.temps.add(file.temp)
    await writeFile(file.temp, data, { flag: "wx" })
    return file
  }

  finish(result: PublishResult): Promise<PublishedReports> {
    return this.serial(async () => {
      if (this.state !== "open")
        throw new PublishError({ message: `cannot finish: the reports were already ${this.state}` })
      this.state = "finishing"
      const committed: Array<string> = []
      try {
        const files: Array<PendingFile> = []
        if (this.dataset !== undefined && this.datasetFile !== undefined) {
          await this.dataset.close()
          files.push(this.datasetFile)
        } else {
          files.push(await this.writeTemp(this.names.csv, summaryCsv(result.summary)))
        }
        const pdf = await renderPdf({ ...this.request, ...result }).catch((error: unknown) => {
          throw new PublishError({
            message: `cannot render the PDF report for ${this.request.fileName}: ${describeError(error)}`,
          })
        })
        files.push(await this.writeTemp(this.names.pdf, pdf))
        const hasRejected = rejectedProblems(result.problems).length > 0
        if (hasRejected) files.push(await this.writeTemp(this.names.rejected, rejectedRowsCsv(result.problems)))
        for (const file of files) {
          await rename(file.temp, file.final)
          this.temps.delete(file.temp)
          committed.push(file.final)
        }
        // A rejected-rows file of an earlier run of the same file would no longer be true.
        if (!hasRejected) await rm(path.join(this.dir, this.names.rejected), { force: true })
        this.state = "finished"
        this.release()
        return {
          csv: path.join(this.dir, this.names.csv),
          pdf: path.join(this.dir, this.names.pdf),
          rejected: hasRejected ? path.join(this.dir, this.names.rejected) : undefined,
        }
      } catch (error) {
        // Leave nothing half done: no temporary files, and none of this run's reports.
        await this.cleanup()
        await Promise.all(committed.map((file) => rm(file, { force: true }).catch(() => undefined)))
        if (this.runFolder !== undefined) await rmdir(this.runFolder).catch(() => undefined)
        this.state = "aborted"
        throw toPublishError(this.outDir, error)
      }
    })
  }

  private async cleanup(): Promise<void> {
    await this.dataset?.discard()
    const temps = [...this.temps]
    this.temps.clear()
    await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined)))
    // the run's own folder goes too, when nothing else was put into it
    if (this.runFolder !== undefined) await rmdir(this.runFolder).catch(() => undefined)
    this.release()
  }

  /** Lets another run write the reports of this file's name into a flat directory. */
  private release(): void {
    if (this.claimed !== undefined) flatInUse.delete(this.claimed)
    this.claimed = undefined
  }

  /** Never fails: whatever cannot be deleted is left, and the run's failure is what matters. */
  abort(): Promise<void> {
    return this.serial(async () => {
      if (this.state === "finished") return
      this.state = "aborted"
      await this.cleanup()
    }).catch(() => undefined)
  }
}

/**
 * The ReportPublisher service writing reports to `outDir` (created when missing), each run into
 * a folder of its own unless `layout` is "flat". Returned paths are joined to `outDir`
 * (`outDir/<run folder>/<name>`, or `outDir/<name>` when flat), so a relative `outDir` gives
 * relative paths.
 */
export const make = (outDir: string, options: DirectoryOptions = {}): ReportPublisher["Service"] =>
  ReportPublisher.of({
    open: Effect.fn("DirectoryPublisher.open")(function* (request: PublishRequest) {
      const names = reportNames(request.fileName, request.output)
      const session = new DirectorySession(outDir, request, names, options.layout ?? "run-folders")
      const toError = (error: unknown) => toPublishError(outDir, error)
      yield* Effect.tryPromise({ try: () => session.start(), catch: toError }).pipe(
        Effect.onError(() => Effect.promise(() => session.abort())),
      )
      const published: PublishSession = {
        writeRows: (rows) => Effect.tryPromise({ try: () => session.writeRows(rows), catch: toError }),
        finish: (result) => Effect.tryPromise({ try: () => session.finish(result), catch: toError }),
        abort: () => Effect.promise(() => session.abort()),
      }
      return published
    }),
  })

/**
 * A layer providing core's ReportPublisher that writes reports to `outDir`: each run into a
 * folder of its own, or with `{ layout: "flat" }` straight into `outDir`.
 */
export const layer = (outDir: string, options: DirectoryOptions = {}): Layer.Layer<ReportPublisher> =>
  Layer.succeed(ReportPublisher)(make(outDir, options))
