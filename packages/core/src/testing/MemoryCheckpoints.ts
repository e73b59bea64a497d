/**
 * A CheckpointStore in memory, so a test can store a run's stage outputs and resume a later
 * run after one of them. Rows are serialized as JSON lines when written, as a real store must
 * (the pipeline may change them after the call), and sealed with their count, size and sha256.
 */
import type { CheckpointStore, PipelineResult, ResumePoint, Row, StateSnapshot } from "@batchops/core"
import { Effect } from "effect"

/** One stage's stored output. */
export interface StoredCheckpoint {
  readonly stage: string
  /** one JSON array per row: its number, then its cells (null for a missing cell) */
  readonly lines: ReadonlyArray<string>
  /** set when the stage finished and its checkpoint was sealed */
  readonly snapshot: StateSnapshot | undefined
}

export interface MemoryCheckpoints {
  /** give it to a run as `checkpoints` */
  readonly store: CheckpointStore
  /** the checkpoints by stage name, in the order the stages opened them */
  readonly stored: ReadonlyMap<string, StoredCheckpoint>
  /** the rows a stage's checkpoint holds */
  readonly rowsOf: (stage: string) => Array<Row>
  /**
   * Where a later run starts to resume after `stage` of the `earlier` run (its `resume`).
   * Throws when that stage's checkpoint was not sealed.
   */
  readonly resumeAfter: (stage: string, earlier: PipelineResult) => ResumePoint
}

const hex = (digest: ArrayBuffer) =>
  [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("")

/** A new in-memory checkpoint store. */
export const memoryCheckpoints = (): MemoryCheckpoints => {
  const stored = new Map<string, { stage: string; lines: Array<string>; snapshot: StateSnapshot | undefined }>()
  const store: CheckpointStore = {
    open: (_index, stage) =>
      Effect.sync(() => {
        const entry = { stage, lines: [] as Array<string>, snapshot: undefined as StateSnapshot | undefined }
        stored.set(stage, entry)
        return {
          write: (rows) =>
            Effect.sync(() => {
              for (const row of rows) entry.lines.push(JSON.stringify([row.number, ...row.cells]))
            }),
          seal: (snapshot) =>
            Effect.gen(function* () {
              entry.snapshot = snapshot
              const bytes = new TextEncoder().encode(entry.lines.map((line) => `${line}\n`).join(""))
              const digest = yield* Effect.promise(() => crypto.subtle.digest("SHA-256", bytes))
              return { rows: entry.lines.length, bytes: bytes.byteLength, sha256: hex(digest) }
            }),
        }
      }),
  }
  const rowsOf = (stage: string): Array<Row> =>
    (stored.get(stage)?.lines ?? []).map((line) => {
      const [number, ...cells] = JSON.parse(line) as [number, ...Array<string | number | null>]
      return { number, cells: cells.map((cell) => cell ?? undefined) }
    })
  const resumeAfter = (stage: string, earlier: PipelineResult): ResumePoint => {
    const snapshot = stored.get(stage)?.snapshot
    if (snapshot === undefined) {
      const sealed = [...stored.values()].filter((entry) => entry.snapshot !== undefined).map((entry) => entry.stage)
      throw new Error(`no sealed checkpoint of stage "${stage}" (sealed: ${sealed.join(", ") || "none"})`)
    }
    const rows = rowsOf(stage)
    let done = false
    return {
      after: stage,
      snapshot,
      next: () =>
        Effect.sync(() => {
          if (done) return undefined
          done = true
          return rows
        }),
      steps: earlier.stages,
    }
  }
  return { store, stored, rowsOf, resumeAfter }
}
