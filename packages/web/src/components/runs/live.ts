/** What the event stream of a running upload has told so far: each stage's state, progress and rows. */

/** A stage as the stream tells it while the run goes. */
export interface LiveStage {
  readonly state: "started" | "finished" | "skipped"
  readonly status?: string
  readonly duration_ms?: number
  readonly rows_in?: number | null
  readonly rows_out?: number | null
}

export interface Live {
  readonly stages: Readonly<Record<number, LiveStage>>
  readonly progress: number | null
  readonly rows: number | null
  readonly status: string | null
}

export const NO_LIVE: Live = { stages: {}, progress: null, rows: null, status: null }

export const num = (value: unknown): number | null => (typeof value === "number" ? value : null)
