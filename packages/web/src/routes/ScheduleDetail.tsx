/**
 * One schedule: what it runs and when (in words, its next runs in its zone and the reader's),
 * the ticks it missed, and its run history with each run's steps and log. Everyone may run it
 * now; admins pause, resume, edit and delete it.
 */
import { useState } from "preact/hooks"
import { useLocation, useRoute } from "preact-iso"
import { answerOf, client } from "../api/client"
import { KeyValues } from "../components/schedules/KeyValues"
import { inZone, type Job, MISFIRE_POLICIES, readerZone } from "../components/schedules/model"
import { RunHistory } from "../components/schedules/RunHistory"
import { ScheduleForm } from "../components/schedules/ScheduleForm"
import { Alert, Badge, Button, LoadState, messageOf, Page, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "../components/schedules/schedules.css"

interface MissedTicks {
  readonly job_id: string
  readonly misfire_policy: string
  readonly results: ReadonlyArray<string>
}

const NextRuns = ({ job }: { job: Job }) => {
  const reader = readerZone()
  if (!job.enabled) return <p class="muted">Paused: it does not run until it is resumed.</p>
  if (job.next_runs.length === 0) return <p class="muted">It does not run again.</p>
  return (
    <ol class="cron-next">
      {job.next_runs.map((at) => (
        <li key={at}>
          <time dateTime={at}>{inZone(at, job.timezone)}</time> <span class="muted">({job.timezone})</span>
          {reader !== job.timezone ? (
            <span>
              {" "}
              · your time {inZone(at, reader)} <span class="muted">({reader})</span>
            </span>
          ) : null}
        </li>
      ))}
    </ol>
  )
}

const Missed = ({ job, round }: { job: Job; round: number }) => {
  const missed = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/jobs/{id}/missed-ticks/", {
          params: { path: { id: job.id }, query: { limit: "20" } },
          signal,
        }),
      ) as Promise<MissedTicks>,
    [job.id, round],
  )
  return (
    <section class="card" aria-labelledby="missed-title">
      <h2 id="missed-title">Missed ticks</h2>
      <LoadState loaded={missed}>
        {(ticks) =>
          ticks.results.length === 0 ? (
            <p class="muted">None: every tick ran or was on time.</p>
          ) : (
            <>
              <p class="muted">Times the scheduler was down longer than the schedule may be late, newest first.</p>
              <ul>
                {ticks.results.map((at) => (
                  <li key={at}>
                    <time dateTime={at}>{inZone(at, job.timezone)}</time> <span class="muted">({job.timezone})</span>
                  </li>
                ))}
              </ul>
            </>
          )
        }
      </LoadState>
    </section>
  )
}

export default function ScheduleDetail() {
  const { params } = useRoute()
  const { query, route } = useLocation()
  const id = params.id ?? ""
  const [round, setRound] = useState(0)
  const [editing, setEditing] = useState(query.edit === "1" && can.editSchedules())
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | undefined>(undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [confirming, setConfirming] = useState(false)
  const job = useLoad(
    (signal): Promise<Job> => answerOf(client.GET("/api/jobs/{id}/", { params: { path: { id } }, signal })),
    [id, round],
  )
  const editable = can.editSchedules()

  const act = async (what: string, work: () => Promise<string>) => {
    setBusy(what)
    setNotice(undefined)
    try {
      setNotice({ kind: "success", text: await work() })
      setRound((n) => n + 1)
    } catch (error) {
      setNotice({ kind: "error", text: messageOf(error) })
    } finally {
      setBusy(undefined)
    }
  }

  const title = job.data?.name ?? "Schedule"
  return (
    <Page
      title={title}
      actions={
        job.data ? (
          <>
            {can.triggerJob(job.data) ? (
              <Button
                busy={busy === "trigger"}
                onClick={() =>
                  act("trigger", async () => {
                    await answerOf(client.POST("/api/jobs/{id}/trigger/", { params: { path: { id } } }))
                    return "A run is queued: it shows in the run history below."
                  })
                }
              >
                Run now
              </Button>
            ) : null}
            {editable ? (
              <>
                <Button
                  variant="secondary"
                  busy={busy === "enabled"}
                  onClick={() => {
                    const enabled = !job.data?.enabled
                    act("enabled", async () => {
                      await answerOf(client.PATCH("/api/jobs/{id}/", { params: { path: { id } }, body: { enabled } }))
                      return enabled
                        ? "Resumed: it runs on its schedule again."
                        : "Paused: it does not run until resumed."
                    })
                  }}
                >
                  {job.data.enabled ? "Pause" : "Resume"}
                </Button>
                {!editing ? (
                  <Button variant="secondary" onClick={() => setEditing(true)}>
                    Edit
                  </Button>
                ) : null}
                <Button variant="danger" onClick={() => setConfirming(true)}>
                  Delete
                </Button>
              </>
            ) : null}
          </>
        ) : null
      }
    >
      <div class="schedule-page">
        <p>
          <a href="/schedules">All schedules</a>
        </p>
        <div aria-live="polite">{notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null}</div>
        {confirming && job.data ? (
          <section class="card" aria-labelledby="delete-title">
            <h2 id="delete-title">Delete {job.data.name}?</h2>
            <p>It stops running; its past runs stay in the history.</p>
            <div class="form-actions">
              <Button
                variant="danger"
                busy={busy === "delete"}
                onClick={async () => {
                  setBusy("delete")
                  try {
                    await answerOf(client.DELETE("/api/jobs/{id}/", { params: { path: { id } } }))
                    route("/schedules")
                  } catch (error) {
                    setNotice({ kind: "error", text: messageOf(error) })
                    setConfirming(false)
                  } finally {
                    setBusy(undefined)
                  }
                }}
              >
                Delete schedule
              </Button>
              <Button variant="secondary" onClick={() => setConfirming(false)}>
                Keep it
              </Button>
            </div>
          </section>
        ) : null}
        <LoadState loaded={job}>
          {(data) => (
            <>
              {editing ? (
                <ScheduleForm
                  key={data.updated_at}
                  job={data}
                  onSaved={() => {
                    setEditing(false)
                    setNotice({ kind: "success", text: "Saved." })
                    setRound((n) => n + 1)
                  }}
                  onCancel={() => setEditing(false)}
                />
              ) : null}
              <div class="grid">
                <section class="card" aria-labelledby="about-title">
                  <h2 id="about-title">What and when</h2>
                  <dl class="facts">
                    <dt>State</dt>
                    <dd>
                      <Badge value={data.enabled ? "enabled" : "paused"} />
                    </dd>
                    <dt>Automation</dt>
                    <dd>
                      <code>{data.automation}</code>
                    </dd>
                    <dt>Runs</dt>
                    <dd>
                      {data.description} <code>{data.cron}</code>
                    </dd>
                    <dt>Time zone</dt>
                    <dd>{data.timezone}</dd>
                    <dt>Skip dates</dt>
                    <dd>{data.skip_dates.length > 0 ? data.skip_dates.join(", ") : <span class="muted">none</span>}</dd>
                    <dt>Missed runs</dt>
                    <dd>
                      {MISFIRE_POLICIES.find((policy) => policy.value === data.misfire_policy)?.label ??
                        data.misfire_policy}
                      , late by at most {Math.round(data.max_lateness_ms / 60_000)} min
                    </dd>
                    <dt>Overlap</dt>
                    <dd>{data.allow_overlap ? "a run may start while another runs" : "one run at a time"}</dd>
                    <dt>Parameters</dt>
                    <dd>
                      <KeyValues value={data.params} empty="defaults" />
                    </dd>
                    <dt>Last run</dt>
                    <dd>
                      {data.last_run ? (
                        <>
                          <Badge value={data.last_run.status} />{" "}
                          <When at={data.last_run.finished_at ?? data.last_run.created_at} />
                        </>
                      ) : (
                        <span class="muted">never run</span>
                      )}
                    </dd>
                  </dl>
                </section>
                <section class="card" aria-labelledby="next-title">
                  <h2 id="next-title">Next runs</h2>
                  <NextRuns job={data} />
                </section>
              </div>
              <Missed job={data} round={round} />
              <RunHistory jobId={data.id} round={round} onSettled={job.reload} />
            </>
          )}
        </LoadState>
      </div>
    </Page>
  )
}
