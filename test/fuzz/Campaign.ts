/**
 * The fuzz campaign: runs cases (or kept files) in case runners, child processes with a heap
 * ceiling, one case at a time each, and judges every outcome. A case that passes its time
 * limit is a hang (its runner is killed and replaced); a runner that dies took its case
 * with it. A failing case's file is copied to `keepDir` as `<seed>-<index>.<format>`, ready
 * to be kept as a regression fixture.
 *
 * Written in erasable TypeScript only, so `scripts/fuzz.mjs` loads it with Node's own type
 * stripping.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Verdict } from "./Outcome.js"
import type { RunnerMessage, RunnerRequest } from "./Protocol.js"

export interface CampaignOptions {
  /** wall-clock limit of one case, from its file being written to its verdict (default 10 s) */
  readonly timeoutMs?: number
  /** heap ceiling of a case runner (default 512 MB) */
  readonly memoryMb?: number
  /** case runners working at once (default 1) */
  readonly jobs?: number
  /** where failing cases' files are copied; not kept when undefined */
  readonly keepDir?: string
  /** called as each case ends */
  readonly onResult?: (result: CaseResult) => void
}

export interface CaseResult {
  /** `<seed>-<index>.<format>`, or the kept file's name */
  readonly name: string
  readonly format: string
  readonly mutations: string
  /** the pipeline's outcome; undefined when the case hung or its runner died */
  readonly verdict: Verdict | undefined
  /** why the outcome is not acceptable; undefined when it is */
  readonly problem: string | undefined
  readonly durationMs: number
  /** where the failing case's file was copied */
  readonly kept: string | undefined
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** How long a runner may take to start (loading the pipeline and its parsers). */
const STARTUP_MS = 120_000

/** The last lines a runner wrote to stderr, for a crash report (a heap limit's message is there). */
const tail = (text: string) => text.trim().split("\n").slice(-3).join(" | ").slice(-600)

/** A case's result before the campaign keeps its file: where the runner wrote it. */
type Settled = Omit<CaseResult, "kept"> & { readonly file: string | undefined }

interface Pending {
  readonly resolve: (result: Settled) => void
  readonly started: number
  name: string
  file: string | undefined
  format: string
  mutations: string
  crash: string | undefined
  timer: NodeJS.Timeout | undefined
}

/**
 * One case runner at a time: started on demand, replaced after a hang or a crash. A crash
 * after a case's verdict (a late unhandled rejection) is blamed on that case, through
 * `late`.
 */
class Runner {
  private child: ChildProcess | undefined
  private ready: Promise<void> | undefined
  private stderr = ""
  private pending: Pending | undefined
  private last: Settled | undefined
  private readonly workDir = mkdtempSync(join(tmpdir(), "batchops-fuzz-"))
  private readonly timeoutMs: number
  private readonly memoryMb: number
  private readonly late: (result: Settled) => void

  constructor(timeoutMs: number, memoryMb: number, late: (result: Settled) => void) {
    this.timeoutMs = timeoutMs
    this.memoryMb = memoryMb
    this.late = late
  }

  private start(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        "--experimental-transform-types",
        "--disable-warning=ExperimentalWarning",
        `--max-old-space-size=${this.memoryMb}`,
        "--import",
        here("./SourceHooks.ts"),
        here("./CaseRunner.ts"),
        this.workDir,
      ],
      { stdio: ["ignore", "ignore", "pipe", "ipc"] },
    )
    this.child = child
    this.stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4096)
    })
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("a case runner did not start")), STARTUP_MS)
      child.on("message", (message: RunnerMessage) => {
        if (message.type === "ready") {
          clearTimeout(timer)
          resolve()
        } else this.receive(message)
      })
      child.on("exit", (code, signal) => {
        clearTimeout(timer)
        if (this.child === child) {
          this.child = undefined
          this.ready = undefined
        }
        reject(new Error(`a case runner exited as it started: ${tail(this.stderr)}`))
        const pending = this.pending
        if (pending !== undefined) {
          this.settle(
            undefined,
            pending.crash ?? `the case runner died (${signal ?? `exit code ${code}`}): ${tail(this.stderr)}`,
          )
        }
      })
    })
  }

  private receive(message: RunnerMessage) {
    const pending = this.pending
    if (message.type === "crashed" && pending === undefined && this.last !== undefined) {
      this.late({ ...this.last, problem: `after its outcome, ${message.reason}` })
    }
    if (pending === undefined) return
    if (message.type === "started") {
      pending.name = basename(message.file)
      pending.file = message.file
      pending.format = message.format
      pending.mutations = message.mutations
      pending.timer = setTimeout(() => {
        this.child?.kill("SIGKILL")
        pending.crash = `hang: no outcome within ${this.timeoutMs} ms`
      }, this.timeoutMs)
    } else if (message.type === "finished") {
      this.settle(message.verdict, message.verdict.problem)
    } else if (message.type === "crashed") {
      pending.crash = message.reason
    }
  }

  private settle(verdict: Verdict | undefined, problem: string | undefined) {
    const pending = this.pending
    if (pending === undefined) return
    clearTimeout(pending.timer)
    this.pending = undefined
    this.last = {
      name: pending.name,
      file: pending.file,
      format: pending.format,
      mutations: pending.mutations,
      verdict,
      problem,
      durationMs: Math.round(performance.now() - pending.started),
    }
    pending.resolve(this.last)
  }

  async run(request: RunnerRequest): Promise<Settled> {
    if (this.ready === undefined) this.ready = this.start()
    await this.ready
    return new Promise((resolve) => {
      this.pending = {
        resolve,
        started: performance.now(),
        name: request.type === "case" ? `${request.seed}-${request.index}` : basename(request.file),
        file: undefined,
        format: "",
        mutations: "",
        crash: undefined,
        timer: undefined,
      }
      this.child?.send(request)
    })
  }

  close() {
    this.child?.kill()
    rmSync(this.workDir, { recursive: true, force: true })
  }
}

/** Run the requests on `jobs` runners: results in request order, then any late crash. */
const runAll = async (
  requests: ReadonlyArray<RunnerRequest>,
  options: CampaignOptions,
): Promise<ReadonlyArray<CaseResult>> => {
  const results: Array<CaseResult> = []
  const late: Array<CaseResult> = []
  const finish = (settled: Settled): CaseResult => {
    const { file, ...result } = settled
    let kept: string | undefined
    if (result.problem !== undefined && options.keepDir !== undefined && file !== undefined) {
      mkdirSync(options.keepDir, { recursive: true })
      kept = join(options.keepDir, result.name)
      copyFileSync(file, kept)
    }
    options.onResult?.({ ...result, kept })
    return { ...result, kept }
  }
  const runners = Array.from(
    { length: Math.max(1, options.jobs ?? 1) },
    () => new Runner(options.timeoutMs ?? 10_000, options.memoryMb ?? 512, (settled) => late.push(finish(settled))),
  )
  let next = 0
  try {
    await Promise.all(
      runners.map(async (runner) => {
        while (next < requests.length) {
          const at = next++
          results[at] = finish(await runner.run(requests[at]!))
        }
      }),
    )
  } finally {
    for (const runner of runners) runner.close()
  }
  return [...results, ...late]
}

/** The cases of campaign `seed` at `indices`. */
export const runCases = (
  seed: number,
  indices: ReadonlyArray<number>,
  options: CampaignOptions = {},
): Promise<ReadonlyArray<CaseResult>> =>
  runAll(
    indices.map((index) => ({ type: "case", seed, index }) as const),
    options,
  )

/** Kept files (regression fixtures), run the same way. */
export const replayFiles = (files: ReadonlyArray<string>, options: CampaignOptions = {}) =>
  runAll(
    files.map((file) => ({ type: "file", file }) as const),
    options,
  )
