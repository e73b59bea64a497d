/**
 * The files waiting to go: dropped on the drop zone or chosen with the button (keyboard and
 * screen readers use the button), each with its own progress bar and status (waiting,
 * uploading n%, then its run's status, followed until the run ends, with a link to it; failed
 * with the server's words). Files are sent one after another with the plan chosen when the
 * operator presses Upload.
 */
import type { ComponentChildren } from "preact"
import { useEffect, useRef, useState } from "preact/hooks"
import { answerOf, client, sendWithProgress } from "../../api/client"
import { Badge, Button, messageOf } from "../ui"

/** An upload as the server answers it (the fields the queue shows). */
export interface UploadAnswer {
  readonly id: string
  readonly file_name: string
  readonly status: string
}

export type ItemState = "waiting" | "uploading" | "queued" | "failed"

export interface QueueItem {
  readonly key: number
  readonly file: File
  readonly state: ItemState
  /** 0..1 while uploading */
  readonly progress: number
  /** the server's message when it refused the file */
  readonly message?: string
  readonly upload?: UploadAnswer
}

/** The form fields sent beside each file, or null when the plan is not ready (the form shows why). */
export type Prepare = () => Readonly<Record<string, string>> | null

const sizeOf = (bytes: number) =>
  bytes >= 1_048_576
    ? `${(bytes / 1_048_576).toFixed(1)} MB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${bytes} bytes`

let keys = 0

const ENDED: ReadonlySet<string> = new Set(["published", "failed", "awaiting_approval", "rejected"])
const FOLLOW_MS = 2000

export interface UploadQueueProps {
  readonly prepare: Prepare
  /** the files in the queue changed (the intake reads the first one's columns) */
  readonly onFiles?: (files: ReadonlyArray<File>) => void
  /** what a file's preview shows (rendered below it while open) */
  readonly preview?: (file: File, close: () => void) => ComponentChildren
}

export const UploadQueue = ({ prepare, onFiles, preview }: UploadQueueProps) => {
  const [items, setItems] = useState<ReadonlyArray<QueueItem>>([])
  const [dragging, setDragging] = useState(false)
  const [previewing, setPreviewing] = useState<number | null>(null)
  const [sending, setSending] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const controllers = useRef(new Map<number, AbortController>())
  const current = useRef(items)
  current.current = items

  const update = (next: ReadonlyArray<QueueItem>) => {
    current.current = next
    setItems(next)
  }
  const change = (key: number, patch: Partial<QueueItem>) =>
    update(current.current.map((item) => (item.key === key ? { ...item, ...patch } : item)))

  const add = (files: ReadonlyArray<File>) => {
    if (files.length === 0) return
    const next = [
      ...current.current,
      ...files.map((file) => ({ key: ++keys, file, state: "waiting" as const, progress: 0 })),
    ]
    update(next)
    onFiles?.(next.map((item) => item.file))
  }
  const remove = (key: number) => {
    controllers.current.get(key)?.abort()
    const next = current.current.filter((item) => item.key !== key)
    update(next)
    if (previewing === key) setPreviewing(null)
    onFiles?.(next.map((item) => item.file))
  }

  const send = async (item: QueueItem, fields: Readonly<Record<string, string>>) => {
    const controller = new AbortController()
    controllers.current.set(item.key, controller)
    change(item.key, { state: "uploading", progress: 0, message: undefined })
    const form = new FormData()
    form.set("file", item.file, item.file.name)
    for (const [name, value] of Object.entries(fields)) form.set(name, value)
    try {
      const upload = await sendWithProgress<UploadAnswer>(
        "/api/uploads/",
        form,
        (share) => change(item.key, { progress: share }),
        controller.signal,
      )
      change(item.key, { state: "queued", progress: 1, upload })
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        // cancelled: back to waiting unless it was removed
        change(item.key, { state: "waiting", progress: 0, message: "Upload cancelled." })
      } else {
        change(item.key, { state: "failed", progress: 0, message: messageOf(error) })
      }
    } finally {
      controllers.current.delete(item.key)
    }
  }

  const sendAll = async (only?: number) => {
    const fields = prepare()
    if (fields === null) return
    setSending(true)
    try {
      const waiting = current.current.filter((item) =>
        only === undefined ? item.state === "waiting" : item.key === only,
      )
      for (const item of waiting) {
        if (!current.current.some((i) => i.key === item.key)) continue
        await send(item, fields)
      }
    } finally {
      setSending(false)
    }
  }

  // the runs of uploaded files, followed until they end (published, failed, held, rejected)
  const following = items.some((item) => item.upload && !ENDED.has(item.upload.status))
  useEffect(() => {
    if (!following) return
    const controller = new AbortController()
    const timer = setInterval(() => {
      for (const item of current.current) {
        if (!item.upload || ENDED.has(item.upload.status)) continue
        answerOf(
          client.GET("/api/uploads/{id}/", { params: { path: { id: item.upload.id } }, signal: controller.signal }),
        ).then(
          (upload: UploadAnswer) => change(item.key, { upload }),
          () => undefined,
        )
      }
    }, FOLLOW_MS)
    return () => {
      clearInterval(timer)
      controller.abort()
    }
  }, [following])

  const waiting = items.filter((item) => item.state === "waiting").length
  const queued = items.filter((item) => item.state === "queued").length
  const failed = items.filter((item) => item.state === "failed").length

  return (
    <div class="upload-queue">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is the mouse's shortcut; the button does the same */}
      <div
        class={`drop-zone${dragging ? " drop-zone-active" : ""}`}
        data-testid="drop-zone"
        onDragEnter={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragOver={(e) => {
          e.preventDefault()
          if (e.dataTransfer) e.dataTransfer.dropEffect = "copy"
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault()
          setDragging(false)
          add([...(e.dataTransfer?.files ?? [])])
        }}
      >
        <p>
          <strong>Drop files here</strong> or
        </p>
        <Button variant="secondary" onClick={() => input.current?.click()}>
          Choose files
        </Button>
        <p class="hint">
          CSV or TSV text, Excel workbooks (.xlsx, .xls), OpenDocument spreadsheets (.ods) and PDF tables. Several at
          once are fine.
        </p>
        <input
          ref={input}
          type="file"
          multiple
          class="visually-hidden"
          tabIndex={-1}
          aria-label="Files to upload"
          onChange={(e) => {
            add([...(e.currentTarget.files ?? [])])
            e.currentTarget.value = ""
          }}
        />
      </div>

      {items.length === 0 ? (
        <p class="muted">No files yet.</p>
      ) : (
        <ul class="queue" aria-label="Upload queue">
          {items.map((item) => (
            <li key={item.key} class={`queue-item queue-${item.state}`}>
              <div class="queue-row">
                <span class="queue-name">
                  <strong>{item.file.name}</strong> <span class="muted">{sizeOf(item.file.size)}</span>
                </span>
                <span class="queue-status" aria-live="polite">
                  {item.state === "waiting" ? <Badge value="waiting" /> : null}
                  {item.state === "uploading" ? (
                    <Badge value={`uploading ${Math.round(item.progress * 100)}%`} />
                  ) : null}
                  {item.state === "queued" ? (
                    <>
                      <span class="visually-hidden">run </span>
                      <Badge value={item.upload?.status ?? "queued"} />
                    </>
                  ) : null}
                  {item.state === "failed" ? <Badge value="failed" /> : null}
                </span>
                <span class="queue-actions">
                  {item.state === "queued" && item.upload ? (
                    <a href={`/runs/${item.upload.id}`}>Open run of {item.file.name}</a>
                  ) : null}
                  {item.state === "waiting" && preview ? (
                    <Button
                      variant="secondary"
                      aria-expanded={previewing === item.key}
                      onClick={() => setPreviewing(previewing === item.key ? null : item.key)}
                    >
                      Preview<span class="visually-hidden"> {item.file.name}</span>
                    </Button>
                  ) : null}
                  {item.state === "failed" ? (
                    <Button variant="secondary" disabled={sending} onClick={() => sendAll(item.key)}>
                      Try again<span class="visually-hidden"> {item.file.name}</span>
                    </Button>
                  ) : null}
                  {item.state === "uploading" ? (
                    <Button variant="secondary" onClick={() => controllers.current.get(item.key)?.abort()}>
                      Cancel<span class="visually-hidden"> {item.file.name}</span>
                    </Button>
                  ) : item.state !== "queued" ? (
                    <Button variant="secondary" onClick={() => remove(item.key)}>
                      Remove<span class="visually-hidden"> {item.file.name}</span>
                    </Button>
                  ) : null}
                </span>
              </div>
              <progress max={100} value={Math.round(item.progress * 100)} aria-label={`Upload of ${item.file.name}`} />
              {item.message ? (
                <p
                  class={item.state === "failed" ? "error" : "hint"}
                  role={item.state === "failed" ? "alert" : undefined}
                >
                  {item.message}
                </p>
              ) : null}
              {previewing === item.key && preview ? (
                <div class="queue-preview">{preview(item.file, () => setPreviewing(null))}</div>
              ) : null}
            </li>
          ))}
        </ul>
      )}

      <div class="queue-footer">
        <Button disabled={waiting === 0} busy={sending} onClick={() => sendAll()}>
          {waiting === 0 ? "Upload" : `Upload ${waiting} file${waiting === 1 ? "" : "s"}`}
        </Button>
        <p class="muted" aria-live="polite">
          {items.length === 0
            ? ""
            : `${queued} of ${items.length} uploaded${failed > 0 ? `, ${failed} refused` : ""}${waiting > 0 ? `, ${waiting} waiting` : ""}.`}
        </p>
      </div>
    </div>
  )
}
