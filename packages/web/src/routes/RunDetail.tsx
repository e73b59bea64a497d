/**
 * One run: its stages live from the server's event stream (started, finished, rows, how long)
 * until the run ends, each stage's step log, the timeline, the reports to download once
 * published, retry when it failed (every role), approve or reject when the mass-change guard
 * held it (moderators and admins), and the incident when it failed.
 */
import { useEffect, useState } from "preact/hooks"
import { useRoute } from "preact-iso"
import { answerOf, client, download, followEvents } from "../api/client"
import { FINAL, stageLabel, type Upload, type UploadEvent, useWho } from "../components/intake/runs"
import { StageProgress } from "../components/runs/StageProgress"
import { UploadFacts } from "../components/runs/UploadFacts"
import { UploadTimeline } from "../components/runs/UploadTimeline"
import { Alert, Button, LoadState, messageOf, Page, useLoad } from "../components/ui"
import "./intake.css"
import { ApprovalPanel } from "../components/runs/ApprovalPanel"
import { IncidentNote } from "../components/runs/IncidentNote"
import { type Live, NO_LIVE, num } from "../components/runs/live"

const stem = (name: string) => name.replace(/\.[^.]+$/, "") || name

export default function RunDetail() {
  const { params } = useRoute()
  const id = params.id ?? ""
  const who = useWho()
  const loaded = useLoad(
    (signal): Promise<Upload> => answerOf(client.GET("/api/uploads/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  const [fresh, setFresh] = useState<Upload | undefined>()
  const upload = fresh ?? loaded.data
  const timeline = useLoad(
    (signal): Promise<{ events: ReadonlyArray<UploadEvent> }> =>
      answerOf(client.GET("/api/uploads/{id}/timeline/", { params: { path: { id } }, signal })),
    [id, upload?.status],
  )
  const [live, setLive] = useState<Live>(NO_LIVE)
  const [streamError, setStreamError] = useState<unknown>()
  const [actionError, setActionError] = useState<unknown>()
  const [busy, setBusy] = useState<string | null>(null)

  useEffect(() => setFresh(loaded.data), [loaded.data])

  const running = upload !== undefined && !FINAL.has(upload.status)
  useEffect(() => {
    if (!running) return
    const controller = new AbortController()
    setLive(NO_LIVE)
    setStreamError(undefined)
    // the final reading outlives the stream (which stops as soon as it has told the end)
    const reload = () =>
      answerOf(client.GET("/api/uploads/{id}/", { params: { path: { id } } })).then(
        (next: Upload) => setFresh(next),
        (error) => setStreamError(error),
      )
    followEvents(
      `/api/uploads/${id}/events/`,
      ({ event, data }) => {
        const d = (data ?? {}) as Record<string, unknown>
        if (event === "stage" && typeof d.index === "number") {
          const index = d.index
          const state = d.state === "finished" || d.state === "skipped" ? d.state : "started"
          setLive((old) => ({
            ...old,
            rows: num(d.rows) ?? old.rows,
            progress: num(d.progress) ?? old.progress,
            stages: {
              ...old.stages,
              [index]: {
                state,
                status: typeof d.status === "string" ? d.status : undefined,
                duration_ms: num(d.duration_ms) ?? undefined,
                rows_in: num(d.rows_in),
                rows_out: num(d.rows_out),
              },
            },
          }))
        } else if (event === "progress") {
          setLive((old) => ({
            ...old,
            progress: num(d.progress) ?? old.progress,
            rows: num(d.rows) ?? old.rows,
            status: typeof d.status === "string" ? d.status : old.status,
          }))
        } else if (event === "status") {
          setLive((old) => ({ ...old, status: typeof d.status === "string" ? d.status : old.status }))
          void reload()
          controller.abort()
        }
      },
      controller.signal,
    ).then(
      () => {
        if (!controller.signal.aborted) void reload()
      },
      (error) => setStreamError(error),
    )
    return () => controller.abort()
  }, [id, running])

  const act = async (name: string, run: () => Promise<void>) => {
    setBusy(name)
    setActionError(undefined)
    try {
      await run()
    } catch (error) {
      setActionError(error)
    } finally {
      setBusy(null)
    }
  }
  const retry = () =>
    act("retry", async () => {
      const answer: { upload: Upload } = await answerOf(
        client.POST("/api/uploads/{id}/retry/", { params: { path: { id } }, body: {} }),
      )
      setLive(NO_LIVE)
      setFresh(answer.upload)
    })
  const save = (format: "csv" | "pdf") =>
    act(format, async () => {
      if (!upload) return
      const path = upload.reports[format]
      if (!path) return
      const kind = upload.process_mode === "transform" ? "summary" : "processed"
      await download(path, `${stem(upload.file_name)}.${kind}.${format}`)
    })

  return (
    <Page
      title={upload ? `Run of ${upload.file_name}` : "Run"}
      actions={
        upload ? (
          <>
            {upload.reports.csv ? (
              <Button variant="secondary" busy={busy === "csv"} onClick={() => save("csv")}>
                Download CSV
              </Button>
            ) : null}
            {upload.reports.pdf ? (
              <Button variant="secondary" busy={busy === "pdf"} onClick={() => save("pdf")}>
                Download PDF
              </Button>
            ) : null}
            {upload.status === "failed" ? (
              <Button busy={busy === "retry"} onClick={retry}>
                Retry
              </Button>
            ) : null}
          </>
        ) : null
      }
    >
      <p>
        <a href="/runs">All runs</a>
      </p>
      <LoadState loaded={{ ...loaded, data: upload }}>
        {(run) => {
          return (
            <div class="run-detail">
              {actionError ? <Alert>{messageOf(actionError)}</Alert> : null}
              {streamError ? (
                <Alert kind="info">
                  Live progress stopped: {messageOf(streamError)}{" "}
                  <Button variant="link" onClick={loaded.reload}>
                    Refresh
                  </Button>
                </Alert>
              ) : null}
              {run.status === "failed" && run.incident_id ? <IncidentNote id={run.incident_id} /> : null}
              {run.status === "failed" && !run.incident_id ? (
                <Alert>
                  <strong>The run failed</strong>
                  {run.stages.find((stage) => stage.status === "failed")
                    ? ` in ${stageLabel(run.stages.find((stage) => stage.status === "failed")?.name ?? "")}`
                    : ""}
                  . Retry it, or look for its incident in <a href="/issues">Batch issues</a>.
                </Alert>
              ) : null}
              {run.status === "published" ? (
                <Alert kind="success">Published {run.rows ?? 0} rows. The reports are ready to download.</Alert>
              ) : null}
              {run.status === "rejected" ? (
                <Alert kind="info">
                  The change was rejected{run.approval?.decision?.note ? `: ${run.approval.decision.note}` : "."}{" "}
                  Nothing was published.
                </Alert>
              ) : null}
              {run.status === "awaiting_approval" ? <ApprovalPanel upload={run} onDecided={setFresh} /> : null}

              <StageProgress run={run} live={live} running={running} />

              <UploadFacts run={run} rows={run.rows ?? live.rows} who={who} />

              <UploadTimeline timeline={timeline} who={who} />
            </div>
          )
        }}
      </LoadState>
    </Page>
  )
}
