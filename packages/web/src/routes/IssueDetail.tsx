/**
 * One batch issue and its workflow: what failed and where, its severity and status (with the
 * moves the lifecycle allows, for the roles that manage incidents), the analysis, assigning,
 * notes, the ticket, the upload it came from with a retry (optionally corrected), how often
 * the failure occurred and which known error recognized it, and the timeline.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { useRoute } from "preact-iso"
import { answerOf, client, followEvents } from "../api/client"
import { AnalysisForm } from "../components/issues/AnalysisForm"
import { RetryForm, type UploadSummary } from "../components/issues/RetryForm"
import { Timeline } from "../components/issues/Timeline"
import { TransitionControls } from "../components/issues/TransitionControls"
import { ago, type IncidentDetail, type IncidentStatus, uploadsOf } from "../components/issues/types"
import { Alert, Badge, LoadState, messageOf, Page, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "../components/issues/issues.css"
import { AssignControls } from "../components/issues/AssignControls"
import { NoteForm } from "../components/issues/NoteForm"
import { type Assignable, usePeople } from "../components/issues/people"

export default function IssueDetail() {
  const { params } = useRoute()
  const id = params.id ?? ""
  const loaded = useLoad(
    (signal): Promise<IncidentDetail> =>
      answerOf(client.GET("/api/incidents/{id}/", { params: { path: { id } }, signal })),
    [id],
  )
  const [incident, setIncident] = useState<IncidentDetail | undefined>(undefined)
  useEffect(() => {
    if (loaded.data) setIncident(loaded.data)
  }, [loaded.data])
  // what belongs to this address (a previous issue's data stays while the next one loads)
  const current = [incident, loaded.data].find((candidate) => candidate?.id === id)
  // the uploads it came from (the last few); the latest is the one a retry is for
  const uploadIds = current ? uploadsOf(current).slice(-10) : []
  const latest = uploadIds.at(-1) ?? null
  const uploads = useLoad(
    (signal) =>
      Promise.all(
        uploadIds.map((uploadId) =>
          (
            answerOf(
              client.GET("/api/uploads/{id}/", { params: { path: { id: uploadId } }, signal }),
            ) as Promise<UploadSummary | null>
          ).catch((error: unknown) => {
            // an earlier upload may have been removed since; the latest one must load
            if (uploadId === latest) throw error
            return null
          }),
        ),
      ),
    [uploadIds.join(",")],
  )
  const files = new Map<string, UploadSummary>()
  for (const file of uploads.data ?? []) if (file) files.set(file.id, file)
  const { nameOf, assignable } = usePeople()

  return (
    <Page title="Batch issue" actions={<a href="/issues">All batch issues</a>}>
      <LoadState loaded={loaded}>
        {() =>
          current ? (
            <IssueBody
              incident={current}
              upload={latest === null ? null : (files.get(latest) ?? null)}
              files={files}
              uploadError={uploads.error}
              nameOf={nameOf}
              assignable={assignable}
              onChange={setIncident}
              onReload={() => {
                loaded.reload()
                uploads.reload()
              }}
            />
          ) : null
        }
      </LoadState>
    </Page>
  )
}

const IssueBody = ({
  incident,
  upload,
  files,
  uploadError,
  nameOf,
  assignable,
  onChange,
  onReload,
}: {
  incident: IncidentDetail
  upload: UploadSummary | null
  files: ReadonlyMap<string, UploadSummary>
  uploadError: unknown
  nameOf: (actor: string | null) => string
  assignable: ReadonlyArray<Assignable>
  onChange: (incident: IncidentDetail) => void
  onReload: () => void
}) => {
  const [following, setFollowing] = useState<string | null>(null)
  const [retryDone, setRetryDone] = useState<{ kind: "success" | "info" | "error"; text: string } | null>(null)
  const follow = useRef<AbortController | null>(null)
  useEffect(() => () => follow.current?.abort(), [])

  const move = async (to: IncidentStatus, note: string) => {
    const next: IncidentDetail = await answerOf(
      client.POST("/api/incidents/{id}/transition/", {
        params: { path: { id: incident.id } },
        body: { to, ...(note === "" ? {} : { note }), expected_updated_at: incident.updated_at },
      }),
    )
    onChange(next)
  }

  /** the retry is queued: follow the upload's run, then show the incident as it ended */
  const retried = () => {
    if (!upload) return
    setRetryDone(null)
    setFollowing("The retry is queued…")
    follow.current?.abort()
    const controller = new AbortController()
    follow.current = controller
    let final = ""
    followEvents(
      `/api/uploads/${upload.id}/events/`,
      (event) => {
        const data = (event.data ?? {}) as Record<string, unknown>
        if (event.event === "stage" && typeof data.stage === "string") setFollowing(`Running: ${data.stage}…`)
        if (event.event === "status" && typeof data.status === "string") final = data.status
      },
      controller.signal,
    )
      .catch(() => undefined)
      .finally(() => {
        if (controller.signal.aborted) return
        setFollowing(null)
        setRetryDone(
          final === "published"
            ? { kind: "success", text: "The retry succeeded: the upload is published." }
            : final === "failed"
              ? { kind: "error", text: "The retry failed again: the timeline below says why." }
              : {
                  kind: "info",
                  text:
                    final === ""
                      ? "The retry has finished."
                      : `The retry ended: the upload is ${final.replaceAll("_", " ")}.`,
                },
        )
        onReload()
      })
  }

  const ticket = incident.tickets[0]
  const uploads = uploadsOf(incident)
  const retryable = uploads.length > 0 && incident.status !== "archived"
  return (
    <>
      <div class="card">
        <h2>
          {incident.stage} <Badge value={incident.severity} /> <Badge value={incident.status} />
        </h2>
        <p class="issue-error">{incident.error}</p>
        <dl class="facts">
          <dt>Stage</dt>
          <dd>{incident.stage}</dd>
          <dt>Severity</dt>
          <dd>{incident.severity}</dd>
          <dt>Opened</dt>
          <dd>
            <When at={incident.created_at} /> ({ago(incident.created_at)})
          </dd>
          <dt>Known error</dt>
          <dd>{incident.known_error ?? <span class="muted">none recognized it</span>}</dd>
          <dt>Occurrences</dt>
          <dd>
            {incident.group ? (
              <>
                {incident.group.count} (first <When at={incident.group.first_seen} />, last{" "}
                <When at={incident.group.last_seen} />)
              </>
            ) : (
              <span class="muted">1 (not grouped)</span>
            )}
          </dd>
          <dt>Ticket</dt>
          <dd>
            {ticket ? (
              <>
                {ticket.title} <Badge value={ticket.status} />
              </>
            ) : (
              <span class="muted">none</span>
            )}
          </dd>
          <dt>{uploads.length > 1 ? "Uploads" : "Upload"}</dt>
          <dd>
            {uploads.length === 0 ? (
              <span class="muted">none (not from an upload)</span>
            ) : (
              <ul class="upload-links">
                {uploads.map((id, i) => {
                  const loaded = files.get(id)
                  return (
                    <li key={id}>
                      <a href={`/runs/${id}`}>{loaded ? loaded.file_name : `Upload ${id.slice(0, 8)}`}</a>
                      {loaded ? (
                        <>
                          {" "}
                          <Badge value={loaded.status} />
                        </>
                      ) : null}
                      {uploads.length > 1 ? (
                        <span class="muted"> ({i === 0 ? "opened the issue" : "the failure again"})</span>
                      ) : null}
                    </li>
                  )
                })}
              </ul>
            )}
          </dd>
          <dt>Retries</dt>
          <dd>
            {incident.retry_count}
            {incident.last_retry_at ? (
              <>
                {" "}
                (last <When at={incident.last_retry_at} />)
              </>
            ) : null}
          </dd>
          <dt>Assigned to</dt>
          <dd>{incident.assignee ? nameOf(incident.assignee) : <span class="muted">nobody</span>}</dd>
        </dl>
      </div>

      <div class="issue-panels">
        <section class="card" aria-labelledby="status-heading">
          <h2 id="status-heading">Status</h2>
          <TransitionControls status={incident.status} onMove={move} onReload={onReload} />
          {can.manageIncidents() && incident.status !== "archived" ? (
            <AssignControls incident={incident} assignable={assignable} onChange={onChange} onReload={onReload} />
          ) : null}
        </section>

        <section class="card" aria-labelledby="retry-heading">
          <h2 id="retry-heading">Retry the upload</h2>
          {following ? (
            <p class="alert alert-info" role="status">
              {following}
            </p>
          ) : null}
          {retryDone ? <Alert kind={retryDone.kind}>{retryDone.text}</Alert> : null}
          {!retryable ? (
            <p class="muted">
              {uploads.length === 0
                ? "This issue did not come from an upload, so there is nothing to retry."
                : "An archived issue cannot be retried."}
            </p>
          ) : uploadError && !upload ? (
            <Alert>{messageOf(uploadError)}</Alert>
          ) : !upload ? (
            <p class="muted">Loading the upload…</p>
          ) : upload.status !== "failed" ? (
            <p class="muted">
              The upload is {upload.status.replaceAll("_", " ")}; only a failed upload can be retried.
            </p>
          ) : following ? null : (
            <RetryForm
              incidentId={incident.upload_id === upload.id ? incident.id : null}
              upload={upload}
              onRetried={retried}
            />
          )}
        </section>
      </div>

      <section class="card" aria-labelledby="analysis-heading">
        <h2 id="analysis-heading">Analysis</h2>
        <AnalysisForm incident={incident} onSaved={onChange} onReload={onReload} />
      </section>

      <section class="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <Timeline entries={incident.timeline} nameOf={nameOf} />
        {can.manageIncidents() && incident.status !== "archived" ? (
          <NoteForm incident={incident} onChange={onChange} onReload={onReload} />
        ) : null}
      </section>
    </>
  )
}
