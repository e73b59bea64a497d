/**
 * Uploads and their runs as the API answers them, and the words the run screens use for them.
 */
import { useEffect, useState } from "preact/hooks"
import { answerOf, client } from "../../api/client"
import { can, session } from "../../state/session"

export type UploadStatus = "queued" | "processing" | "awaiting_approval" | "published" | "failed" | "rejected"

export const STATUSES: ReadonlyArray<UploadStatus> = [
  "queued",
  "processing",
  "awaiting_approval",
  "published",
  "failed",
  "rejected",
]

export const FINAL: ReadonlySet<string> = new Set(["published", "failed", "awaiting_approval", "rejected"])

export interface Stage {
  readonly name: string
  readonly plugin: string
  readonly status: "ok" | "failed" | "skipped" | "reused"
  readonly duration_ms: number
  readonly log: Readonly<Record<string, unknown>>
}

export interface Approval {
  readonly request: {
    readonly plan?: string | null
    readonly input_rows?: number | null
    readonly deleted?: number | null
    readonly appended?: number | null
    readonly share?: number | null
    readonly max_share?: number | null
    readonly message?: string | null
    readonly columns?: ReadonlyArray<string>
    readonly preview?: ReadonlyArray<unknown>
  }
  readonly held_at: string | null
  readonly decision: {
    readonly approved: boolean
    readonly by: string | null
    readonly at: string | null
    readonly note: string | null
  } | null
}

export interface Upload {
  readonly id: string
  readonly file_name: string
  readonly status: UploadStatus
  readonly process_mode: string
  readonly process_config: unknown
  readonly profile: string
  readonly progress: number
  readonly rows: number | null
  readonly size: number
  readonly sha256: string
  readonly stages: ReadonlyArray<Stage>
  readonly incident_id: string | null
  readonly approval: Approval | null
  readonly reports: { readonly csv: string | null; readonly pdf: string | null }
  readonly uploaded_by: string | null
  readonly created_at: string
  readonly updated_at: string
}

export interface UploadEvent {
  readonly at: string
  readonly actor: string | null
  readonly kind: string
  readonly message: string
  readonly data: Readonly<Record<string, unknown>>
}

/** The pipeline's five stages, in order (docs/pipeline.md). */
export const STAGES: ReadonlyArray<{ readonly name: string; readonly label: string }> = [
  { name: "standardize_results", label: "Standardize" },
  { name: "validate_results", label: "Validate" },
  { name: "transform_gradebook", label: "Apply the plan" },
  { name: "generate_summary", label: "Summarize" },
  { name: "publish_results", label: "Publish" },
]

export const stageLabel = (name: string) => STAGES.find((stage) => stage.name === name)?.label ?? name

export const duration = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? "—" : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`

/**
 * Who uploaded: "you", an account's name when the role may list accounts, "an automation"
 * for files a schedule submitted, else a short form of the account id.
 */
export const useWho = (): ((id: string | null) => string) => {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map())
  const admin = can.manageUsers()
  useEffect(() => {
    if (!admin) return
    const controller = new AbortController()
    answerOf(client.GET("/api/users/", { params: { query: { page_size: "200" } }, signal: controller.signal })).then(
      (page) => setNames(new Map(page.results.map((user) => [user.id, user.username]))),
      () => undefined,
    )
    return () => controller.abort()
  }, [admin])
  const me = session.value?.user
  return (id) => {
    if (id === null) return "an automation"
    if (me && id === me.id) return `${me.username} (you)`
    return names.get(id) ?? `account ${id.slice(0, 8)}`
  }
}
