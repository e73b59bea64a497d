/**
 * A fuzzer's case runner: a child process that makes cases (or takes kept files) one at a
 * time, writes each to its work directory, runs it through the pipeline and reports the
 * verdict to the campaign over IPC. The campaign kills it when a case passes its time limit;
 * a crash, an unhandled rejection or a heap past `--max-old-space-size` ends it, and the
 * campaign blames the case it had started.
 *
 * Run as: node --experimental-transform-types --import ./SourceHooks.ts CaseRunner.ts <workDir>
 */
import { copyFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, join } from "node:path"
import { fuzzCase } from "./Cases.js"
import { runFile } from "./Outcome.js"
import type { RunnerMessage, RunnerRequest } from "./Protocol.js"

const workDir = process.argv[2]!
const send = (message: RunnerMessage) => process.send?.(message)

const fail = (kind: string) => (error: unknown) => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  send({ type: "crashed", reason: `${kind}: ${text}` })
  process.exit(70)
}
process.on("uncaughtException", fail("uncaught exception"))
process.on("unhandledRejection", fail("unhandled rejection"))

/** the case file written last: removed when the next case starts, so a long campaign does not fill the disk */
let previous: string | undefined

const handle = async (request: RunnerRequest) => {
  if (previous !== undefined) rmSync(previous, { force: true })
  let path: string
  if (request.type === "case") {
    const made = await fuzzCase(request.seed, request.index)
    path = join(workDir, made.name)
    writeFileSync(path, made.bytes)
    send({ type: "started", file: path, format: made.format, mutations: made.mutations })
  } else {
    path = join(workDir, basename(request.file))
    copyFileSync(request.file, path)
    send({ type: "started", file: path, format: path.split(".").pop() ?? "", mutations: "kept file" })
  }
  previous = path
  const verdict = await runFile(path, join(workDir, "reports"))
  // a rejection the case left behind is reported before its verdict, so the case is blamed
  await new Promise((resolve) => setImmediate(resolve))
  send({ type: "finished", verdict })
}

process.on("message", (request: RunnerRequest) => {
  handle(request).catch(fail("harness error"))
})
send({ type: "ready" })
