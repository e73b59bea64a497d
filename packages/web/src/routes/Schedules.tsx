/**
 * Schedules: every job with its schedule in words, its next run and how its last run went.
 * Everyone may run one now; admins create, pause, resume and edit them.
 */
import { useState } from "preact/hooks"
import { useLocation } from "preact-iso"
import { answerOf, client } from "../api/client"
import type { Job } from "../components/schedules/model"
import { ScheduleForm } from "../components/schedules/ScheduleForm"
import { Alert, Badge, Button, LoadState, messageOf, Page, Pager, useLoad, When } from "../components/ui"
import { can } from "../state/session"
import "../components/schedules/schedules.css"

const PAGE_SIZE = 50

interface Notice {
  readonly kind: "success" | "error"
  readonly text: string
  readonly href?: string
}

export default function Schedules() {
  const { route } = useLocation()
  const [page, setPage] = useState(1)
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<Notice | undefined>(undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const jobs = useLoad(
    (signal) =>
      answerOf(
        client.GET("/api/jobs/", { params: { query: { page: String(page), page_size: String(PAGE_SIZE) } }, signal }),
      ),
    [page],
  )
  const editable = can.editSchedules()

  const trigger = async (job: Job) => {
    setBusy(`${job.id}:trigger`)
    setNotice(undefined)
    try {
      await answerOf(client.POST("/api/jobs/{id}/trigger/", { params: { path: { id: job.id } } }))
      setNotice({ kind: "success", text: `A run of ${job.name} is queued.`, href: `/schedules/${job.id}` })
      jobs.reload()
    } catch (error) {
      setNotice({ kind: "error", text: `${job.name} could not be run: ${messageOf(error)}` })
    } finally {
      setBusy(undefined)
    }
  }

  const setEnabled = async (job: Job, enabled: boolean) => {
    setBusy(`${job.id}:enabled`)
    setNotice(undefined)
    try {
      await answerOf(client.PATCH("/api/jobs/{id}/", { params: { path: { id: job.id } }, body: { enabled } }))
      setNotice({ kind: "success", text: `${job.name} is ${enabled ? "resumed" : "paused"}.` })
      jobs.reload()
    } catch (error) {
      setNotice({
        kind: "error",
        text: `${job.name} could not be ${enabled ? "resumed" : "paused"}: ${messageOf(error)}`,
      })
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <Page
      title="Schedules"
      actions={editable && !creating ? <Button onClick={() => setCreating(true)}>New schedule</Button> : null}
    >
      {creating ? (
        <ScheduleForm onSaved={(job) => route(`/schedules/${job.id}`)} onCancel={() => setCreating(false)} />
      ) : null}
      <div aria-live="polite">
        {notice ? (
          <Alert kind={notice.kind}>
            {notice.text} {notice.href ? <a href={notice.href}>See its runs</a> : null}
          </Alert>
        ) : null}
      </div>
      <LoadState loaded={jobs}>
        {(list) =>
          list.results.length === 0 ? (
            <p class="muted">No schedules yet.{editable ? " Create one to run an automation on its own." : ""}</p>
          ) : (
            <>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than a phone scrolls by keyboard */}
              <section class="table-wrap" tabIndex={0} aria-label="Schedules">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Automation</th>
                      <th scope="col">When</th>
                      <th scope="col">Next run</th>
                      <th scope="col">Last run</th>
                      <th scope="col">State</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.results.map((job) => (
                      <tr key={job.id}>
                        <td>
                          <a href={`/schedules/${job.id}`}>{job.name}</a>
                        </td>
                        <td>
                          <code>{job.automation}</code>
                        </td>
                        <td>
                          {job.description}
                          <div class="muted">
                            <code>{job.cron}</code>
                          </div>
                        </td>
                        <td>
                          {job.enabled ? (
                            <When at={job.next_runs[0] ?? job.next_run_at} />
                          ) : (
                            <span class="muted">paused</span>
                          )}
                        </td>
                        <td>
                          {job.last_run ? (
                            <>
                              <Badge value={job.last_run.status} />
                              <div class="muted">
                                <When at={job.last_run.finished_at ?? job.last_run.created_at} />
                              </div>
                            </>
                          ) : (
                            <span class="muted">never run</span>
                          )}
                        </td>
                        <td>
                          <Badge value={job.enabled ? "enabled" : "paused"} />
                        </td>
                        <td>
                          <div class="row-actions">
                            {can.triggerJob(job) ? (
                              <Button
                                variant="secondary"
                                busy={busy === `${job.id}:trigger`}
                                onClick={() => trigger(job)}
                              >
                                Run now<span class="visually-hidden">: {job.name}</span>
                              </Button>
                            ) : null}
                            {editable ? (
                              <>
                                <Button
                                  variant="secondary"
                                  busy={busy === `${job.id}:enabled`}
                                  onClick={() => setEnabled(job, !job.enabled)}
                                >
                                  {job.enabled ? "Pause" : "Resume"}
                                  <span class="visually-hidden">: {job.name}</span>
                                </Button>
                                <a class="button button-secondary" href={`/schedules/${job.id}?edit=1`}>
                                  Edit<span class="visually-hidden">: {job.name}</span>
                                </a>
                              </>
                            ) : null}
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              {list.count > PAGE_SIZE ? (
                <Pager
                  page={page}
                  count={list.count}
                  pageSize={PAGE_SIZE}
                  label="Pages of schedules"
                  onPage={setPage}
                />
              ) : null}
            </>
          )
        }
      </LoadState>
    </Page>
  )
}
