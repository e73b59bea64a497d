/**
 * Checkpoints of an upload's run on disk (core's Checkpoint.ts says what they are for):
 * `<uploadsDir>/checkpoints/<upload id>/<index>-<stage>.jsonl` holds the stage's output, one
 * JSON array per row (`[number, ...cells]`, a missing cell as null), and `<index>-<stage>.json`
 * its manifest: row count, size, sha256 and the state snapshot. The rows are written while
 * they stream (to a `.partial` file) and renamed into place when the stage finishes; the
 * manifest is written last, so a checkpoint without a manifest does not exist.
 *
 * Reading one back checks its size and sha256 first: a file that changed since it was
 * sealed is refused, and the run starts over from the file instead.
 */
import { createHash } from "node:crypto"
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs"
import path from "node:path"
import { StringDecoder } from "node:string_decoder"
import {
  type Cell,
  CheckpointError,
  type CheckpointInfo,
  type CheckpointStore,
  type CheckpointWriter,
  type Row,
  type StateSnapshot,
} from "@batchops/core"
import { Effect } from "effect"

/** The folder of one upload's checkpoints. */
export const checkpointDir = (uploadsDir: string, uploadId: string): string =>
  path.join(uploadsDir, "checkpoints", uploadId)

const MANIFEST_VERSION = 1
/** rows handed to the stages per chunk when reading a checkpoint back */
const READ_CHUNK_ROWS = 2048
const READ_BLOCK = 1 << 20

interface Manifest extends CheckpointInfo {
  readonly version: number
  readonly index: number
  readonly stage: string
  readonly snapshot: StateSnapshot
}

/** File names keep letters, digits, `_` and `-` of a stage's name (plugins name their stages freely). */
const baseName = (dir: string, index: number, stage: string) =>
  path.join(dir, `${index}-${stage.replace(/[^A-Za-z0-9_-]/g, "_")}`)

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const attempt = <A>(what: string, run: () => A): Effect.Effect<A, CheckpointError> =>
  Effect.try({ try: run, catch: (error) => new CheckpointError({ message: `${what}: ${describe(error)}` }) })

/** A checkpoint store in `dir`, and `close` to call once the run ended (it releases what a failed run left open). */
export const diskCheckpoints = (dir: string): CheckpointStore & { readonly close: () => void } => {
  const open = new Set<number>()
  const store = {
    open: (index: number, stage: string) =>
      attempt(`cannot start the checkpoint of stage "${stage}"`, (): CheckpointWriter => {
        mkdirSync(dir, { recursive: true })
        const base = baseName(dir, index, stage)
        // an earlier run's checkpoint of this stage no longer holds once the stage runs again
        rmSync(`${base}.json`, { force: true })
        const partial = `${base}.jsonl.partial`
        const fd = openSync(partial, "w")
        open.add(fd)
        const hash = createHash("sha256")
        let rows = 0
        let bytes = 0
        return {
          write: (chunk) =>
            attempt(`cannot store the output of stage "${stage}"`, () => {
              let text = ""
              for (const row of chunk) text += `${JSON.stringify([row.number, ...row.cells])}\n`
              const buffer = Buffer.from(text, "utf8")
              writeSync(fd, buffer)
              hash.update(buffer)
              rows += chunk.length
              bytes += buffer.length
            }),
          seal: (snapshot) =>
            attempt(`cannot seal the output of stage "${stage}"`, () => {
              fsyncSync(fd)
              closeSync(fd)
              open.delete(fd)
              renameSync(partial, `${base}.jsonl`)
              const info: CheckpointInfo = { rows, bytes, sha256: hash.digest("hex") }
              const manifest: Manifest = { version: MANIFEST_VERSION, index, stage, ...info, snapshot }
              writeFileSync(`${base}.json.partial`, JSON.stringify(manifest))
              renameSync(`${base}.json.partial`, `${base}.json`)
              return info
            }),
        }
      }),
    close: () => {
      for (const fd of open) {
        try {
          closeSync(fd)
        } catch {
          // already closed
        }
      }
      open.clear()
    },
  }
  return store
}

/** A checkpoint read back: what was sealed, and its rows a chunk at a time. */
export interface StoredCheckpoint {
  readonly info: CheckpointInfo
  readonly snapshot: StateSnapshot
  readonly next: () => Effect.Effect<ReadonlyArray<Row> | undefined, CheckpointError>
}

const hashFile = (file: string): { readonly sha256: string; readonly bytes: number } => {
  const fd = openSync(file, "r")
  try {
    const hash = createHash("sha256")
    const buffer = Buffer.allocUnsafe(READ_BLOCK)
    let bytes = 0
    while (true) {
      const n = readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) break
      hash.update(buffer.subarray(0, n))
      bytes += n
    }
    return { sha256: hash.digest("hex"), bytes }
  } finally {
    closeSync(fd)
  }
}

const toRow = (line: string): Row => {
  const [number, ...cells] = JSON.parse(line) as [number, ...Array<string | number | null>]
  return { number, cells: cells.map((cell): Cell => cell ?? undefined) }
}

/**
 * The sealed checkpoint of the stage at `index`, checked against its manifest: fails with a
 * CheckpointError saying what is wrong when it is missing, unreadable or changed since.
 */
export const readCheckpoint = (
  dir: string,
  index: number,
  stage: string,
): Effect.Effect<StoredCheckpoint, CheckpointError> =>
  attempt(`cannot reuse the stored output of stage "${stage}"`, () => {
    const base = baseName(dir, index, stage)
    if (!existsSync(`${base}.json`)) throw new Error("it was not stored (or not finished)")
    const manifest = JSON.parse(readFileSync(`${base}.json`, "utf8")) as Manifest
    if (manifest.version !== MANIFEST_VERSION || manifest.stage !== stage || manifest.index !== index) {
      throw new Error("its manifest is for another stage or version")
    }
    const actual = hashFile(`${base}.jsonl`)
    if (actual.sha256 !== manifest.sha256 || actual.bytes !== manifest.bytes) {
      throw new Error(`the file changed since it was stored (sha256 ${actual.sha256}, stored ${manifest.sha256})`)
    }
    const file = `${base}.jsonl`
    let fd: number | undefined
    let done = false
    let rest = ""
    let pending: Array<string> = []
    const decoder = new StringDecoder("utf8")
    const buffer = Buffer.allocUnsafe(READ_BLOCK)
    const next = () =>
      attempt(`cannot read the stored output of stage "${stage}"`, () => {
        while (pending.length < READ_CHUNK_ROWS && !done) {
          fd ??= openSync(file, "r")
          const n = readSync(fd, buffer, 0, buffer.length, null)
          const text = n === 0 ? rest + decoder.end() : rest + decoder.write(buffer.subarray(0, n))
          const lines = text.split("\n")
          rest = n === 0 ? "" : (lines.pop() ?? "")
          for (const line of lines) if (line !== "") pending.push(line)
          if (n === 0) {
            done = true
            closeSync(fd)
          }
        }
        if (pending.length === 0) return undefined
        const take = pending.length <= READ_CHUNK_ROWS ? pending : pending.slice(0, READ_CHUNK_ROWS)
        pending = take === pending ? [] : pending.slice(READ_CHUNK_ROWS)
        return take.map(toRow)
      })
    return {
      info: { rows: manifest.rows, bytes: manifest.bytes, sha256: manifest.sha256 },
      snapshot: manifest.snapshot,
      next,
    }
  })

/** Deletes an upload's checkpoints (after it published, or was rejected). */
export const removeCheckpoints = (dir: string): Effect.Effect<void> =>
  Effect.sync(() => rmSync(dir, { recursive: true, force: true })).pipe(Effect.ignore)
