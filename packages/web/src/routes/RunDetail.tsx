/**
 * One run: its stages live from the server's event stream (started, finished, rows, how long)
 * until the run ends, each stage's step log, the timeline, the reports to download once
 * published, retry when it failed (every role), approve or reject when the mass-change guard
 * held it (moderators and admins), and the incident when it failed.
 */
import { useEffect, useState } from "preact/hooks"
import { useRoute } from "preact-iso"
import { answerOf, client, download, followEvents } from "../api/client"
import {
  duration,
  FINAL,
  STAGES,
  type Stage,
  stageLabel,
  type Upload,
  type UploadEvent,
  useWho,
} from "../components/intake/runs"
import { Alert, Badge, Button, Field, LoadState, messageOf, Page, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "./intake.css"

/** A stage as the stream tells it while the run goes. */
interface LiveStage {
  readonly state: "started" | "finished" | "skipped"
  readonly status?: string
  readonly duration_ms?: number
  readonly rows_in?: number | null
  readonly rows_out?: number | null
}

interface Live {
  readonly stages: Readonly<Record<number, LiveStage>>
  readonly progress: number | null
  readonly rows: number | null
  readonly status: string | null
}

const NO_LIVE: Live = { stages: {}, progress: null, rows: null, status: null }

const num = (value: unknown): number | null => (typeof value === "number" ? value : null)

/** The step log's entries as words (nested values as compact JSON). */
const LogEntries = ({ log }: { log: Readonly<Record<string, unknown>> }) => {
  const entries = Object.entries(log)
  if (entries.length === 0) return <p class="muted">Nothing was logged.</p>
  return (
    <dl class="step-log">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>
            {typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? (
              String(value)
            ) : (
              <code>{JSON.stringify(value)}</code>
            )}
          </dd>
        </div>
      ))}
    </dl>
  )
}

const stem = (name: string) => name.replace(/\.[^.]+$/, "") || name

interface Incident {
  readonly id: string
  readonly stage: string
  readonly error: string
  readonly severity: string
  readonly status: string
}

const IncidentNote = ({ id }: { id: string }) => {
  const loaded = useLoad(
    (signal): Promise<Incident> => answerOf(client.GET("/api/incidents/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  return (
    <Alert>
      <p class="incident-line">
        <strong>The run failed</strong>
        {loaded.data ? (
          <>
            {" "}
            in {stageLabel(loaded.data.stage)}: {loaded.data.error}
          </>
        ) : null}
      </p>
      <a href={`/issues/${id}`}>
        Open the incident{loaded.data ? ` (${loaded.data.severity}, ${loaded.data.status.replace("_", " ")})` : ""}
      </a>
    </Alert>
  )
}

const ApprovalPanel = ({ upload, onDecided }: { upload: Upload; onDecided: (next: Upload) => void }) => {
  const [note, setNote] = useState("")
  const [busy, setBusy] = useState<"approve" | "reject" | null>(null)
  const [error, setError] = useState<unknown>()
  const request = upload.approval?.request
  const decide = async (approve: boolean) => {
    setBusy(approve ? "approve" : "reject")
    setError(undefined)
    try {
      const decision = { params: { path: { id: upload.id } }, body: note.trim() === "" ? {} : { note: note.trim() } }
      const next: Upload = await answerOf(
        approve
          ? client.POST("/api/uploads/{id}/approve/", decision)
          : client.POST("/api/uploads/{id}/reject/", decision),
      )
      onDecided(next)
    } catch (failure) {
      setError(failure)
    } finally {
      setBusy(null)
    }
  }
  const preview = (request?.preview ?? []) as ReadonlyArray<{
    change?: string
    number?: number
    cells?: ReadonlyArray<string | number | null>
  }>
  const columns = request?.columns ?? []
  return (
    <section class="card approval" aria-labelledby="approval-title">
      <h2 id="approval-title">Waiting for approval</h2>
      <p>{request?.message ?? "The plan would change more rows than allowed without approval."}</p>
      {request ? (
        <p class="muted">
          {request.input_rows ?? "?"} rows in, {request.deleted ?? 0} removed, {request.appended ?? 0} added
          {request.share != null ? ` (${(request.share * 100).toFixed(1)}%` : ""}
          {request.max_share != null
            ? `, allowed ${(request.max_share * 100).toFixed(0)}%)`
            : request.share != null
              ? ")"
              : ""}
        </p>
      ) : null}
      {preview.length > 0 && columns.length > 0 ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than the screen scrolls; the keyboard must reach it
        <section class="table-wrap" aria-label="Rows the plan changes" tabIndex={0}>
          <table>
            <caption class="visually-hidden">Rows the plan changes (up to 20 of each kind)</caption>
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Row</th>
                {columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.map((row) => (
                <tr key={`${row.change}-${row.number}`}>
                  <td>
                    <Badge value={row.change === "deleted" ? "removed" : "added"} />
                  </td>
                  <td>{row.number}</td>
                  {columns.map((column, index) => (
                    <td key={column}>{row.cells?.[index] ?? ""}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {can.approveUploads() ? (
        <>
          <Field label="Note (optional)" hint="Kept in the run's timeline with your decision.">
            {(props) => (
              <textarea {...props} value={note} maxLength={2000} onInput={(e) => setNote(e.currentTarget.value)} />
            )}
          </Field>
          {error ? <Alert>{messageOf(error)}</Alert> : null}
          <div class="actions-row">
            <Button busy={busy === "approve"} disabled={busy !== null} onClick={() => decide(true)}>
              Approve and publish
            </Button>
            <Button variant="danger" busy={busy === "reject"} disabled={busy !== null} onClick={() => decide(false)}>
              Reject
            </Button>
          </div>
        </>
      ) : (
        <p class="muted">A moderator or an admin decides whether this change is published.</p>
      )}
    </section>
  )
}

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
          const progress = running ? (live.progress ?? run.progress) : run.progress
          const stages = STAGES.map((stage, index) => {
            const done: Stage | undefined = run.status === "queued" ? undefined : run.stages[index]
            const told = live.stages[index]
            return { ...stage, index, done, told }
          })
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

              <section class="card" aria-labelledby="run-progress">
                <div class="run-status">
                  <h2 id="run-progress">Progress</h2>
                  <Badge value={run.status} />
                  {running ? <span class="muted">live</span> : null}
                </div>
                <progress max={100} value={Math.round(progress)} aria-label="Run progress" />
                <ol class="stages" aria-live="polite">
                  {stages.map(({ name, label, index, done, told }) => {
                    const status =
                      done?.status ??
                      (told?.state === "finished" || told?.state === "skipped"
                        ? (told.status ?? told.state)
                        : told?.state === "started"
                          ? "running"
                          : "waiting")
                    const rowsIn = done ? num(done.log.rowsIn) : (told?.rows_in ?? null)
                    const rowsOut = done ? num(done.log.rowsOut) : (told?.rows_out ?? null)
                    const ms = done?.duration_ms ?? told?.duration_ms
                    return (
                      <li key={name} class={`stage stage-${status}`}>
                        <div class="stage-head">
                          <span class="stage-name">
                            {index + 1}. {label} <span class="muted">({name})</span>
                          </span>
                          <Badge value={status} />
                        </div>
                        <p class="stage-facts muted">
                          {status === "skipped"
                            ? "not run: an earlier stage stopped the run"
                            : ms !== undefined
                              ? `took ${duration(ms)}`
                              : status === "running"
                                ? "running…"
                                : ""}
                          {rowsIn !== null || rowsOut !== null
                            ? ` · rows in ${rowsIn ?? "—"}, out ${rowsOut ?? "—"}`
                            : ""}
                        </p>
                        {done && done.status !== "skipped" ? (
                          <details>
                            <summary>Step log of {label.toLowerCase()}</summary>
                            <LogEntries log={done.log} />
                          </details>
                        ) : null}
                      </li>
                    )
                  })}
                </ol>
              </section>

              <section class="card" aria-labelledby="run-facts">
                <h2 id="run-facts">Upload</h2>
                <dl class="facts">
                  <div>
                    <dt>Profile</dt>
                    <dd>{run.profile}</dd>
                  </div>
                  <div>
                    <dt>Plan</dt>
                    <dd>
                      {run.process_mode}
                      {run.process_mode === "custom" &&
                      typeof (run.process_config as { note?: unknown } | null)?.note === "string" ? (
                        <span class="plan-config">Note: {(run.process_config as { note: string }).note}</span>
                      ) : run.process_config && Object.keys(run.process_config as object).length > 0 ? (
                        <code class="plan-config">{JSON.stringify(run.process_config)}</code>
                      ) : null}
                    </dd>
                  </div>
                  <div>
                    <dt>Rows</dt>
                    <dd>{run.rows ?? live.rows ?? "—"}</dd>
                  </div>
                  <div>
                    <dt>Size</dt>
                    <dd>{run.size.toLocaleString()} bytes</dd>
                  </div>
                  <div>
                    <dt>Uploaded by</dt>
                    <dd>{who(run.uploaded_by)}</dd>
                  </div>
                  <div>
                    <dt>Created</dt>
                    <dd>
                      <When at={run.created_at} />
                    </dd>
                  </div>
                  <div>
                    <dt>Updated</dt>
                    <dd>
                      <When at={run.updated_at} />
                    </dd>
                  </div>
                  <div>
                    <dt>SHA-256</dt>
                    <dd>
                      <code class="hash">{run.sha256}</code>
                    </dd>
                  </div>
                </dl>
              </section>

              <section class="card" aria-labelledby="run-timeline">
                <h2 id="run-timeline">Timeline</h2>
                <LoadState loaded={timeline}>
                  {(data) =>
                    data.events.length === 0 ? (
                      <p class="muted">
                        Nothing has happened to this upload since it was submitted (no holds, decisions, retries or
                        corrections).
                      </p>
                    ) : (
                      <ol class="timeline">
                        {data.events.map((event, index) => (
                          <li key={index}>
                            <When at={event.at} /> <Badge value={event.kind} /> {event.message}
                            {event.actor ? <span class="muted"> — {who(event.actor)}</span> : null}
                          </li>
                        ))}
                      </ol>
                    )
                  }
                </LoadState>
              </section>
            </div>
          )
        }}
      </LoadState>
    </Page>
  )
}
