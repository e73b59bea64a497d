/**
 * The heartbeats port: background processes (the upload worker, the scheduler, the mailer) say
 * every few seconds that they are alive, so the health check can tell a stopped one from an
 * idle one. The reference adapter is `@batchops/store-sql` (times by the database clock).
 */
import { Context, type Effect } from "effect"
import type { StoreError } from "./StoreError.js"

export const ProcessKind = ["worker", "scheduler", "mailer"] as const
export type ProcessKind = (typeof ProcessKind)[number]

export interface Beat {
  /** unique per running process loop (host, pid and kind) */
  readonly workerId: string
  readonly kind: ProcessKind
  readonly host: string
  readonly pid: number
  /** how often this process beats: its beat is stale after three intervals */
  readonly everyMs: number
}

/** The freshest beat of a kind of process. */
export interface LivenessReport {
  /** ISO-8601; null when no process of this kind ever beat */
  readonly lastBeat: string | null
  /** whether some process of this kind beat within three of its intervals */
  readonly alive: boolean
}

/** One process loop that beat recently (within three of its intervals). */
export interface LiveProcess {
  readonly workerId: string
  readonly host: string
  readonly pid: number
  /** ISO-8601 */
  readonly lastBeat: string
  /** how long ago it beat, by the database's clock */
  readonly ageMs: number
  readonly everyMs: number
}

export interface HeartbeatsRepoShape {
  /** records that the process is alive now */
  readonly beat: (beat: Beat) => Effect.Effect<void, StoreError>
  readonly liveness: (kind: ProcessKind) => Effect.Effect<LivenessReport, StoreError>
  /** the live loops of a kind, freshest first, at most `limit` (default 100) */
  readonly live: (kind: ProcessKind, limit?: number) => Effect.Effect<ReadonlyArray<LiveProcess>, StoreError>
}

export class HeartbeatsRepo extends Context.Service<HeartbeatsRepo, HeartbeatsRepoShape>()(
  "@batchops/core/HeartbeatsRepo",
) {}
